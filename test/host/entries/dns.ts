// Test exports for the DNS resolver's pure parts (names, queries, responses, the
// cache) and the aios.dns= command-line option.
import * as dns from "../../../src/kernel/net/dns";
import * as cmdline from "../../../src/kernel/cmdline";

export function dnsEncodeName(name: usize, length: u32, out: usize): u32 { return dns.encodeName(name, length, out); }
export function dnsReadName(message: usize, length: u32, at: u32, out: usize): i32 { return dns.readName(message, length, at, out); }
export function dnsBuildQuery(id: u16, name: usize, nameLength: u32, out: usize): u32 { return dns.buildQuery(id, name, nameLength, out); }
export function dnsParse(message: usize, length: u32, id: u16, name: usize): i32 { return <i32>dns.parse(message, length, id, name); }
export function dnsParsedResult(): i32 { return <i32>dns.parsedResult(); }
export function dnsParsedAddress(): u32 { return dns.parsedAddress(); }
export function dnsParsedTtl(): u32 { return dns.parsedTtl(); }
export function dnsCacheStore(name: usize, nameLength: u32, address: u32, ttl: u32, now: u64): void { dns.cacheStore(name, nameLength, address, ttl, now); }
export function dnsCacheLookup(name: usize, now: u64): u32 { return dns.cacheLookup(name, now); }
export function dnsClearCache(): void { dns.clearCache(); }
export function cmdlineDnsServer(): u32 { return cmdline.dnsServer(); }
export function cmdlineDnsPort(): u16 { return cmdline.dnsPort(); }
export function cmdlineStaticIp(): u32 { return cmdline.staticIp(); }
export function cmdlineStaticMask(): u32 { return cmdline.staticNetmask(); }
export function cmdlineStaticRouter(): u32 { return cmdline.staticRouter(); }
export function cmdlineStaticDns(): u32 { return cmdline.staticNameServer(); }
export function cmdlineNetworkEnabled(): bool { return cmdline.networkEnabled(); }
