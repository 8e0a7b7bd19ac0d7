// arp.ts — IPv4 over Ethernet address resolution (RFC 826): a cache of IP → MAC
// with expiry, answers to requests for our address, and requests for addresses
// we need. Every ARP packet is checked (hardware Ethernet, protocol IPv4, address
// lengths 6 and 4, operation request or reply) before anything is learned.
//   packet: htype u16 | ptype u16 | hlen u8 | plen u8 | oper u16 | sha[6] | spa u32 | tha[6] | tpa u32
import { Errno } from "../../abi";
import * as ethernet from "./ethernet";
import * as iface from "./interface";
import { get16, get32, put16, put32 } from "./bytes";

export const PACKET: u32 = 28;
const HTYPE_ETHERNET: u16 = 1;
const OPERATION_REQUEST: u16 = 1;
const OPERATION_REPLY: u16 = 2;
const ENTRIES: i32 = 32;
export const LIFETIME_NS: u64 = 60_000_000_000;   // an entry is asked again after a minute

const ips = memory.data(ENTRIES * 4);
const macs = memory.data(ENTRIES * 8);
const expiries = memory.data(ENTRIES * 8);       // 0: empty
let malformed: u64 = 0;

export function malformedCount(): u64 { return malformed; }

function slotOf(ip: u32, now: u64): i32 {
  for (let i = 0; i < ENTRIES; i++) {
    const expiry = load<u64>(expiries + <usize>i * 8);
    if (expiry != 0 && expiry > now && load<u32>(ips + <usize>i * 4) == ip) return i;
  }
  return -1;
}

/** The MAC cached for `ip` (a kernel address of 6 bytes), or 0 when unknown or expired. */
export function lookup(ip: u32, now: u64): usize {
  const i = slotOf(ip, now);
  return i < 0 ? 0 : macs + <usize>i * 8;
}

/** Remembers `ip` at `mac`: its old entry, else an empty or expired one, else the
 *  one nearest its expiry. */
export function learn(ip: u32, mac: usize, now: u64): void {
  let slot = slotOf(ip, now);
  if (slot < 0) {
    slot = 0;
    for (let i = 0; i < ENTRIES; i++) {
      const expiry = load<u64>(expiries + <usize>i * 8);
      if (expiry <= now) { slot = i; break; }
      if (expiry < load<u64>(expiries + <usize>slot * 8)) slot = i;
    }
  }
  store<u32>(ips + <usize>slot * 4, ip);
  memory.copy(macs + <usize>slot * 8, mac, 6);
  store<u64>(expiries + <usize>slot * 8, now + LIFETIME_NS);
}

export function clear(): void { memory.fill(expiries, 0, ENTRIES * 8); }

function build(operation: u16, targetMac: usize, targetIp: u32): usize {
  const p = iface.payload();
  put16(p, HTYPE_ETHERNET);
  put16(p + 2, ethernet.TYPE_IPV4);
  store<u8>(p + 4, 6);
  store<u8>(p + 5, 4);
  put16(p + 6, operation);
  memory.copy(p + 8, iface.macAddress(), 6);
  put32(p + 14, iface.ip());
  memory.copy(p + 18, targetMac, 6);
  put32(p + 24, targetIp);
  return p;
}

const zeroMac = memory.data(8);

/** Broadcasts who-has `ip`. */
export function request(ip: u32): Errno {
  build(OPERATION_REQUEST, zeroMac, ip);
  return iface.transmit(ethernet.broadcast(), ethernet.TYPE_ARP, PACKET);
}

/** Handles an ARP packet of `length` bytes at `packet`: learns the sender when it
 *  is checked, answers a request for our address. False when malformed. */
export function receive(packet: usize, length: u32, now: u64): bool {
  if (length < PACKET || get16(packet) != HTYPE_ETHERNET || get16(packet + 2) != ethernet.TYPE_IPV4
    || load<u8>(packet + 4) != 6 || load<u8>(packet + 5) != 4) { malformed++; return false; }
  const operation = get16(packet + 6);
  if (operation != OPERATION_REQUEST && operation != OPERATION_REPLY) { malformed++; return false; }
  const senderIp = get32(packet + 14);
  const targetIp = get32(packet + 24);
  if (senderIp != 0 && (load<u8>(packet + 8) & 1) == 0) learn(senderIp, packet + 8, now);   // no multicast senders
  if (operation == OPERATION_REQUEST && iface.ip() != 0 && targetIp == iface.ip()) {
    const senderMac = memory.data(8);
    memory.copy(senderMac, packet + 8, 6);
    build(OPERATION_REPLY, senderMac, senderIp);
    iface.transmit(senderMac, ethernet.TYPE_ARP, PACKET);
  }
  return true;
}
