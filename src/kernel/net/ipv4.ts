// ipv4.ts — IPv4 (RFC 791): headers checked on the way in (version, header
// length, total length against what arrived, header checksum, fragments), built
// on the way out, and the route: on the interface's subnet straight to the
// destination, else through the gateway. Fragments pass check() named as such
// and go to reassembly.ts; datagrams too long for one frame leave as fragments
// (transmitFragments).
//   header: ver/ihl u8 | tos u8 | total u16 | id u16 | flags/frag u16 | ttl u8 |
//           protocol u8 | checksum u16 | source u32 | destination u32 | options
import { Errno } from "../../abi";
import * as arp from "./arp";
import * as clock from "../clock";
import * as ethernet from "./ethernet";
import * as iface from "./interface";
import * as routes from "./routes";
import { finish, get16, get32, put16, put32, sum } from "./bytes";

export const HEADER: u32 = 20;
export const PROTOCOL_ICMP: u8 = 1;
export const PROTOCOL_TCP: u8 = 6;
export const PROTOCOL_UDP: u8 = 17;
export const BROADCAST: u32 = 0xffff_ffff;
const DEFAULT_TTL: u8 = 64;
const FLAG_MORE_FRAGMENTS: u16 = 0x2000;
const OFFSET_MASK: u16 = 0x1fff;
const FLAG_DONT_FRAGMENT: u16 = 0x4000;

export const enum Verdict { Ok = 0, Short = 1, Version = 2, HeaderLength = 3, TotalLength = 4, Checksum = 5, Fragment = 6 }

let identification: u16 = 1;
const dropped = memory.data(8 * 8);          // per Verdict

export function droppedCount(verdict: Verdict): u64 { return load<u64>(dropped + <usize>verdict * 8); }

/** Checks the IPv4 header of the `length` bytes at `packet`. */
export function check(packet: usize, length: u32): Verdict {
  if (length < HEADER) return Verdict.Short;
  const versionLength = load<u8>(packet);
  if ((versionLength >> 4) != 4) return Verdict.Version;
  const headerBytes = <u32>(versionLength & 0xf) * 4;
  if (headerBytes < HEADER || headerBytes > length) return Verdict.HeaderLength;
  const total = <u32>get16(packet + 2);
  if (total < headerBytes || total > length) return Verdict.TotalLength;
  if (finish(sum(packet, headerBytes, 0)) != 0) return Verdict.Checksum;
  const fragment = get16(packet + 6);
  if ((fragment & FLAG_MORE_FRAGMENTS) != 0 || (fragment & OFFSET_MASK) != 0) return Verdict.Fragment;
  return Verdict.Ok;
}

/** check(), counting what it drops; a fragment is accepted (for reassembly). */
export function accept(packet: usize, length: u32): bool {
  const verdict = check(packet, length);
  if (verdict == Verdict.Ok || verdict == Verdict.Fragment) return true;
  store<u64>(dropped + <usize>verdict * 8, load<u64>(dropped + <usize>verdict * 8) + 1);
  return false;
}

/** True for a fragment: more fragments follow, or it does not start at 0. */
export function fragmented(packet: usize): bool {
  const fragment = get16(packet + 6);
  return (fragment & FLAG_MORE_FRAGMENTS) != 0 || (fragment & OFFSET_MASK) != 0;
}

export function headerLength(packet: usize): u32 { return <u32>(load<u8>(packet) & 0xf) * 4; }
export function totalLength(packet: usize): u32 { return <u32>get16(packet + 2); }
export function protocol(packet: usize): u8 { return load<u8>(packet + 9); }
export function source(packet: usize): u32 { return get32(packet + 12); }
export function destination(packet: usize): u32 { return get32(packet + 16); }

/** True when a packet to `address` is ours: our address, the limited broadcast,
 *  or our subnet's broadcast. */
export function forUs(address: u32): bool {
  const ip = iface.ip();
  if (address == BROADCAST) return true;
  if (ip == 0) return false;
  return address == ip || (iface.mask() != 0 && address == (ip | ~iface.mask()));
}

/** Where a packet to `address` goes next on the link (routes.ts): 0 when no
 *  route covers it. The limited broadcast stays on the link. */
export function nextHop(address: u32): u32 {
  if (address == BROADCAST) return address;
  const hop = routes.lookup(address);
  return hop == routes.NO_ROUTE ? 0 : hop;
}

const RESOLVE_STEP_NS: u64 = 10_000_000;
const RESOLVE_TRIES: i32 = 100;

export type Pump = (timeoutNs: u64) => void;
const resolved = memory.data(8);

/** Finds the MAC a packet to `destinationIp` goes to (the destination on our
 *  subnet, else the gateway; broadcast for the broadcast address), asking by ARP
 *  and taking frames through `pump` for up to a second. Call before writing the
 *  payload into the transmit buffer: frames handled meanwhile may use it. */
export function route(destinationIp: u32, pump: Pump): Errno {
  if (destinationIp == BROADCAST) { memory.copy(resolved, ethernet.broadcast(), 6); return Errno.Ok; }
  const hop = nextHop(destinationIp);
  if (hop == 0) return Errno.NotReady;                     // no route: no gateway configured
  let mac = arp.lookup(hop, clock.nanoseconds());
  for (let tries = 0; mac == 0 && tries < RESOLVE_TRIES; tries++) {
    if (tries % 25 == 0) arp.request(hop);
    pump(RESOLVE_STEP_NS);                                 // the reply is taken in here
    mac = arp.lookup(hop, clock.nanoseconds());
  }
  if (mac == 0) return Errno.Timeout;
  memory.copy(resolved, mac, 6);
  return Errno.Ok;
}

/** Sends `payloadLength` bytes of `protocolNumber` already in the transmit buffer
 *  (at interface.payload() + HEADER) to `destinationIp`, through the MAC route()
 *  found, behind a fresh IPv4 header. */
export function transmit(destinationIp: u32, protocolNumber: u8, payloadLength: u32): Errno {
  return transmitVia(resolved, destinationIp, protocolNumber, payloadLength);
}

/** transmit() to the next hop at `mac` (6 bytes in kernel memory), for callers
 *  that keep a route of their own (a TCP connection keeps its peer's). */
export function transmitVia(mac: usize, destinationIp: u32, protocolNumber: u8, payloadLength: u32): Errno {
  if (payloadLength > ethernet.MTU - HEADER) return Errno.MessageTooLarge;
  return transmitPiece(mac, destinationIp, protocolNumber, payloadLength, identification++, FLAG_DONT_FRAGMENT);
}

function transmitPiece(mac: usize, destinationIp: u32, protocolNumber: u8, payloadLength: u32, id: u16, fragmentField: u16): Errno {
  const p = iface.payload();
  store<u8>(p, 0x45);
  store<u8>(p + 1, 0);
  put16(p + 2, <u16>(HEADER + payloadLength));
  put16(p + 4, id);
  put16(p + 6, fragmentField);
  store<u8>(p + 8, DEFAULT_TTL);
  store<u8>(p + 9, protocolNumber);
  put16(p + 10, 0);
  put32(p + 12, iface.ip());
  put32(p + 16, destinationIp);
  put16(p + 10, finish(sum(p, HEADER, 0)));
  return iface.transmit(mac, ethernet.TYPE_IPV4, HEADER + payloadLength);
}

/** The MAC route() found last (6 bytes). */
export function routedMac(): usize { return resolved; }

/** The most a datagram's payload can be: 65535 bytes of datagram, less a header. */
export const MAX_PAYLOAD: u32 = 65535 - HEADER;
/** Payload per fragment: the MTU less a header, rounded down to 8 (offsets count 8-byte units). */
const FRAGMENT_PAYLOAD: u32 = (ethernet.MTU - HEADER) & ~7;

/** Sends the `length` bytes of `protocolNumber` payload at kernel address `data`
 *  (not the transmit buffer) to `destinationIp` through the MAC route() found: in
 *  one frame when it fits, else as fragments of one identification (RFC 791 §3.2:
 *  each but the last with more-fragments set and a multiple of 8 bytes). */
export function transmitFragments(destinationIp: u32, protocolNumber: u8, data: usize, length: u32): Errno {
  if (length > MAX_PAYLOAD) return Errno.MessageTooLarge;
  if (length <= ethernet.MTU - HEADER) {
    memory.copy(transportPayload(), data, <usize>length);
    return transmit(destinationIp, protocolNumber, length);
  }
  const id = identification++;
  for (let offset: u32 = 0; offset < length; offset += FRAGMENT_PAYLOAD) {
    const piece = min(FRAGMENT_PAYLOAD, length - offset);
    const more = offset + piece < length ? FLAG_MORE_FRAGMENTS : 0;
    memory.copy(transportPayload(), data + <usize>offset, <usize>piece);
    const sent = transmitPiece(resolved, destinationIp, protocolNumber, piece, id, more | <u16>(offset / 8));
    if (sent != Errno.Ok) return sent;
  }
  return Errno.Ok;
}

/** Where the transport header goes in the transmit buffer. */
export function transportPayload(): usize { return iface.payload() + <usize>HEADER; }
