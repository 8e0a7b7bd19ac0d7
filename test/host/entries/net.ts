// Test exports for the network stack's checks: IPv4 headers, ARP, UDP and DHCP
// messages from a scratch area the test fills.
import * as ipv4 from "../../../src/kernel/net/ipv4";
import * as arp from "../../../src/kernel/net/arp";
import * as udp from "../../../src/kernel/net/udp";
import * as dhcp from "../../../src/kernel/net/dhcp";
import * as iface from "../../../src/kernel/net/interface";
import * as bytes from "../../../src/kernel/net/bytes";
import * as routes from "../../../src/kernel/net/routes";
import * as clock from "../../../src/kernel/clock";
import { Errno } from "../../../src/abi";

const netScratch = memory.data(4096);
export function netScratchAddress(): usize { return netScratch; }
export function ipv4Check(at: usize, length: u32): i32 { return <i32>ipv4.check(at, length); }
export function netChecksum(at: usize, length: u32): u16 { return bytes.finish(bytes.sum(at, length, 0)); }

const sentFrames = memory.data(8);
const lastFrame = memory.data(1536);
function fakeSend(source: usize, length: u32): Errno { store<u32>(sentFrames, load<u32>(sentFrames) + 1); memory.copy(lastFrame, source, <usize>length); return Errno.Ok; }
function fakeReceive(destination: usize, capacity: u32, timeoutNs: u64): i32 { return 0; }
const fakeMac = memory.data<u8>([0x52, 0x54, 0, 0x12, 0x34, 0x56, 0, 0]);
export function netAttachFake(ip: u32): void {
  iface.attach(fakeSend, fakeReceive, fakeMac);
  iface.configure(ip, 0xffffff00, 0, 0);
  arp.clear();
  udp.reset();
  store<u32>(sentFrames, 0);
}
export function netFramesSent(): u32 { return load<u32>(sentFrames); }
export function arpReceive(at: usize, length: u32, now: u64): bool { return arp.receive(at, length, now); }
export function arpKnows(ip: u32, now: u64): bool { return arp.lookup(ip, now) != 0; }
export function arpMalformed(): u64 { return arp.malformedCount(); }
export function udpReceive(at: usize, length: u32, from: u32, to: u32): void { udp.receive(at, length, from, to); }
export function udpMalformed(): u64 { return udp.malformedCount(); }
export function udpNoSocket(): u64 { return udp.noSocketCount(); }
export function dhcpReceive(at: usize, length: u32): void { dhcp.receive(at, length); }
export function dhcpRejected(): u64 { return dhcp.rejectedCount(); }
export function dhcpState(): i32 { return <i32>dhcp.currentState(); }
export function routesClear(): void { routes.clear(); }
export function routesAdd(destination: u32, mask: u32, gateway: u32, metric: u32): i32 { return <i32>routes.add(destination, mask, gateway, metric); }
export function routesRemove(destination: u32, mask: u32): i32 { return <i32>routes.remove(destination, mask); }
export function routesLookup(address: u32): u32 { return routes.lookup(address); }
export function ipv4NextHop(address: u32): u32 { return ipv4.nextHop(address); }
function noPump(timeoutNs: u64): void {}
export function dhcpBindForTest(address: u32, mask: u32, router: u32, server: u32, seconds: u32, now: u64, ago: u64): void { dhcp.bindForTest(address, mask, router, server, seconds, now, ago); }
export function dhcpMaintain(now: u64): i32 { return <i32>dhcp.maintain(now, noPump); }
export function dhcpXid(): u32 { return dhcp.transactionId(); }
export function dhcpRenewals(): u32 { return dhcp.renewalCount(); }
export function netIp(): u32 { return iface.ip(); }
export function netFrameAt(): usize { return lastFrame; }
export function netClockNow(): u64 { return clock.nanoseconds(); }
