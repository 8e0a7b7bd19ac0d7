// netframes.ts — test-side frames for NIC scenarios, until the network stack
// (issue 7) exists: an ARP request for QEMU user networking's gateway and an ICMP
// echo to it, each checked in the answer. Any driver can run them through a Nic:
// its send and receive as function references (no closures in the kernel).
import { Errno } from "../../abi";

export type Send = (source: usize, length: u32, checksumStart: u32, checksumOffset: u32) => Errno;
export type Receive = (destination: usize, capacity: u32, timeoutNs: u64) => i32;
/** Lets a driver take back finished transmit buffers (between sends that failed). */
export type Reclaim = () => void;

const ETHER_HEADER: u32 = 14;
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_ARP: u16 = 0x0806;
const ARP_REQUEST: u16 = 1;
const ARP_REPLY: u16 = 2;
const IP_HEADER: u32 = 20;
const PROTOCOL_ICMP: u8 = 1;
const ICMP_ECHO_REQUEST: u8 = 8;
const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_HEADER: u32 = 8;
const PAYLOAD: u32 = 32;
const MIN_ETHER_FRAME: u32 = 60;
const FRAME_CAPACITY: u32 = 1536;
/** QEMU user networking (slirp): the guest's address and the gateway's. */
export const SLIRP_GUEST_IP: u32 = 0x0a00020f;       // 10.0.2.15
export const SLIRP_GATEWAY_IP: u32 = 0x0a000202;     // 10.0.2.2
let guestIp: u32 = SLIRP_GUEST_IP;
let gatewayIp: u32 = SLIRP_GATEWAY_IP;
const ECHO_ID: u16 = 0xa105;
const WAIT_NS: u64 = 2_000_000_000;

const frame = memory.data(FRAME_CAPACITY);
const answer = memory.data(FRAME_CAPACITY);
const ownMac = memory.data(6);
const gatewayMac = memory.data(6);

function put16(at: usize, value: u16): void { store<u8>(at, <u8>(value >> 8)); store<u8>(at + 1, <u8>value); }
function put32(at: usize, value: u32): void { put16(at, <u16>(value >> 16)); put16(at + 2, <u16>value); }
function get16(at: usize): u16 { return (<u16>load<u8>(at) << 8) | <u16>load<u8>(at + 1); }
function get32(at: usize): u32 { return (<u32>get16(at) << 16) | <u32>get16(at + 2); }
function copy6(to: usize, from: usize): void { for (let i: usize = 0; i < 6; i++) store<u8>(to + i, load<u8>(from + i)); }

/** The Internet checksum (RFC 1071) of `length` bytes at `at`. */
export function checksum(at: usize, length: u32): u16 {
  let sum: u32 = 0;
  let i: u32 = 0;
  for (; i + 1 < length; i += 2) sum += <u32>get16(at + <usize>i);
  if (i < length) sum += <u32>load<u8>(at + <usize>i) << 8;
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return <u16>~sum;
}

/** Sets the addresses frames go from and to (slirp's until told otherwise). */
export function setAddresses(guest: u32, gateway: u32): void { guestIp = guest; gatewayIp = gateway; }

/** Sets the MAC frames are sent from. */
export function setMac(i: i32, byte: u8): void { store<u8>(ownMac + <usize>i, byte); }
/** Byte `i` of the gateway's MAC, once arpGateway() found it. */
export function gatewayMacByte(i: i32): u8 { return load<u8>(gatewayMac + <usize>i); }

function etherHeader(destination: usize, type: u16): void {
  copy6(frame, destination);
  copy6(frame + 6, ownMac);
  put16(frame + 12, type);
}

/** Asks who has the gateway's address; true when its ARP reply came back. */
export function arpGateway(send: Send, receive: Receive): bool {
  memory.fill(frame, 0, MIN_ETHER_FRAME);
  memory.fill(gatewayMac, 0xff, 6);
  etherHeader(gatewayMac, ETHERTYPE_ARP);             // broadcast
  const arp = frame + ETHER_HEADER;
  put16(arp, 1);                                      // Ethernet
  put16(arp + 2, ETHERTYPE_IPV4);
  store<u8>(arp + 4, 6);
  store<u8>(arp + 5, 4);
  put16(arp + 6, ARP_REQUEST);
  copy6(arp + 8, ownMac);
  put32(arp + 14, guestIp);
  put32(arp + 24, gatewayIp);
  if (send(frame, MIN_ETHER_FRAME, 0xffff_ffff, 0) != Errno.Ok) return false;
  for (let tries = 0; tries < 16; tries++) {
    const length = receive(answer, FRAME_CAPACITY, WAIT_NS);
    if (length <= 0) return false;
    const reply = answer + ETHER_HEADER;
    if (<u32>length < ETHER_HEADER + 28 || get16(answer + 12) != ETHERTYPE_ARP) continue;
    if (get16(reply + 6) != ARP_REPLY || get32(reply + 14) != gatewayIp || get32(reply + 24) != guestIp) continue;
    copy6(gatewayMac, reply + 8);
    return true;
  }
  return false;
}

/** One ICMP echo to the gateway (sequence `sequence`); true when the matching
 *  reply came back intact. With `offload`, the driver's device fills the ICMP
 *  checksum (the gateway drops a request whose checksum is wrong). */
export function pingGateway(send: Send, receive: Receive, sequence: u16, offload: bool): bool {
  const total = IP_HEADER + ICMP_HEADER + PAYLOAD;
  memory.fill(frame, 0, ETHER_HEADER + total);
  etherHeader(gatewayMac, ETHERTYPE_IPV4);
  const ip = frame + ETHER_HEADER;
  store<u8>(ip, 0x45);                                 // version 4, 5 words
  put16(ip + 2, <u16>total);
  put16(ip + 4, sequence);
  store<u8>(ip + 8, 64);                               // TTL
  store<u8>(ip + 9, PROTOCOL_ICMP);
  put32(ip + 12, guestIp);
  put32(ip + 16, gatewayIp);
  put16(ip + 10, checksum(ip, IP_HEADER));
  const icmp = ip + IP_HEADER;
  store<u8>(icmp, ICMP_ECHO_REQUEST);
  put16(icmp + 4, ECHO_ID);
  put16(icmp + 6, sequence);
  for (let i: u32 = 0; i < PAYLOAD; i++) store<u8>(icmp + ICMP_HEADER + <usize>i, <u8>(i * 7 + sequence));
  const start = ETHER_HEADER + IP_HEADER;
  if (!offload) put16(icmp + 2, checksum(icmp, ICMP_HEADER + PAYLOAD));
  if (send(frame, ETHER_HEADER + total, offload ? start : 0xffff_ffff, 2) != Errno.Ok) return false;
  for (let tries = 0; tries < 16; tries++) {
    const length = receive(answer, FRAME_CAPACITY, WAIT_NS);
    if (length <= 0) return false;
    if (<u32>length < ETHER_HEADER + total || get16(answer + 12) != ETHERTYPE_IPV4) continue;
    const rip = answer + ETHER_HEADER;
    if (load<u8>(rip + 9) != PROTOCOL_ICMP || get32(rip + 12) != gatewayIp) continue;
    const ricmp = rip + ((<usize>load<u8>(rip) & 0xf) << 2);
    if (load<u8>(ricmp) != ICMP_ECHO_REPLY || get16(ricmp + 4) != ECHO_ID || get16(ricmp + 6) != sequence) continue;
    if (checksum(ricmp, ICMP_HEADER + PAYLOAD) != 0) return false;
    for (let i: u32 = 0; i < PAYLOAD; i++) if (load<u8>(ricmp + ICMP_HEADER + <usize>i) != <u8>(i * 7 + sequence)) return false;
    return true;
  }
  return false;
}

const PROTOCOL_UDP: u8 = 17;
const UDP_HEADER: u32 = 8;
const DISCARD_PORT: u16 = 9;
const FLOOD_SOURCE_PORT: u16 = 40000;
const FLOOD_RETRIES: u32 = 1_000_000;

/** Sends `count` minimum-size UDP datagrams to the gateway's discard port (slirp
 *  forwards them to the host, where nothing listens) back to back, reclaiming
 *  buffers whenever the driver's ring is full; the number sent. */
export function udpFlood(send: Send, reclaim: Reclaim, count: u32): u32 {
  const payload = MIN_ETHER_FRAME - ETHER_HEADER - IP_HEADER - UDP_HEADER;
  memory.fill(frame, 0, MIN_ETHER_FRAME);
  etherHeader(gatewayMac, ETHERTYPE_IPV4);
  const ip = frame + ETHER_HEADER;
  store<u8>(ip, 0x45);
  put16(ip + 2, <u16>(IP_HEADER + UDP_HEADER + payload));
  store<u8>(ip + 8, 64);
  store<u8>(ip + 9, PROTOCOL_UDP);
  put32(ip + 12, guestIp);
  put32(ip + 16, gatewayIp);
  put16(ip + 10, checksum(ip, IP_HEADER));
  const udp = ip + IP_HEADER;
  put16(udp, FLOOD_SOURCE_PORT);
  put16(udp + 2, DISCARD_PORT);
  put16(udp + 4, <u16>(UDP_HEADER + payload));     // checksum 0: none, allowed over IPv4
  let sent: u32 = 0;
  let retries: u32 = 0;
  while (sent < count && retries < FLOOD_RETRIES) {
    const result = send(frame, MIN_ETHER_FRAME, 0xffff_ffff, 0);
    if (result == Errno.Ok) { sent++; continue; }
    if (result != Errno.ResourceExhausted) break;
    retries++;
    reclaim();
  }
  return sent;
}
