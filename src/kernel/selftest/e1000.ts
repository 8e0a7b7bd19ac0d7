// e1000.ts — guest scenarios for the Intel 8254x NIC against QEMU's user-mode
// network (slirp: the guest is 10.0.2.15, the gateway 10.0.2.2): an ARP request
// answered by the gateway and an ICMP echo it returns; the link going down when
// the test harness says so from the QEMU monitor; and a transmit benchmark.
// The frames are built and checked here, by hand, as test code: the network
// stack proper is a later issue.
//   Ethernet: dst[6] src[6] type u16 | ARP (type 0x0806): htype, ptype, hlen, plen,
//   oper, sha[6], spa[4], tha[6], tpa[4] | IPv4 (0x0800): 20-byte header, then
//   ICMP type, code, checksum, id, seq, payload, or UDP ports, length, checksum.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as devices from "../devices";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";

const ETHERTYPE_ARP: u16 = 0x0806;
const ETHERTYPE_IPV4: u16 = 0x0800;
const ARP_REQUEST: u16 = 1;
const ARP_REPLY: u16 = 2;
const IP_PROTOCOL_ICMP: u8 = 1;
const IP_PROTOCOL_UDP: u8 = 17;
const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_ECHO_REQUEST: u8 = 8;
const GUEST_IP: u32 = 0x0a00020f;        // 10.0.2.15
const GATEWAY_IP: u32 = 0x0a000202;      // 10.0.2.2
const ETH_HEADER: i32 = 14;
const IP_HEADER: i32 = 20;
const MIN_FRAME: i32 = 60;               // the shortest Ethernet frame without its CRC
const ICMP_ID: u16 = 0xa105;
const ICMP_SEQUENCE: u16 = 1;
const PING_PAYLOAD: i32 = 32;
const DISCARD_PORT: u16 = 9;
const BENCH_SOURCE_PORT: u16 = 40000;
const REPLY_WAIT_NS: u64 = 2_000_000_000;
const LINK_WAIT_NS: u64 = 1_000_000_000;
const LINK_DOWN_WAIT_NS: u64 = 10_000_000_000;
const BENCH_FRAMES: u32 = 20_000;
const BENCH_DRAIN_NS: u64 = 5_000_000_000;

const outgoing = memory.data(1536);
const incoming = memory.data(1536);
const gatewayMac = memory.data(6);

function put8(at: i32, v: u8): void { store<u8>(outgoing + <usize>at, v); }
function put16(at: i32, v: u16): void { put8(at, <u8>(v >> 8)); put8(at + 1, <u8>v); }
function put32(at: i32, v: u32): void { put16(at, <u16>(v >> 16)); put16(at + 2, <u16>v); }
function get8(at: i32): u8 { return load<u8>(incoming + <usize>at); }
function get16(at: i32): u16 { return (<u16>get8(at) << 8) | <u16>get8(at + 1); }
function get32(at: i32): u32 { return (<u32>get16(at) << 16) | <u32>get16(at + 2); }

/** The Internet checksum (RFC 1071) of `length` bytes at `buffer + at`: the
 *  ones'-complement of the ones'-complement sum of big-endian 16-bit words. A
 *  region that carries its own correct checksum sums to 0. */
function checksum(buffer: usize, at: i32, length: i32): u16 {
  let sum: u32 = 0;
  for (let i = 0; i + 1 < length; i += 2) sum += (<u32>load<u8>(buffer + <usize>(at + i)) << 8) | <u32>load<u8>(buffer + <usize>(at + i + 1));
  if ((length & 1) != 0) sum += <u32>load<u8>(buffer + <usize>(at + length - 1)) << 8;
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return <u16>(~sum & 0xffff);
}

/** Ethernet header: to `destination` (6 bytes of linear memory) from our MAC. */
function ethernetHeader(destination: usize, type: u16): void {
  for (let i = 0; i < 6; i++) {
    put8(i, load<u8>(destination + <usize>i));
    put8(6 + i, devices.e1000.mac(i));
  }
  put16(12, type);
}

/** An IPv4 header at offset 14 with no options, its checksum filled in. */
function ipv4Header(protocol: u8, payload: i32, id: u16): void {
  const at = ETH_HEADER;
  put8(at, 0x45);                        // version 4, 5 words of header
  put8(at + 1, 0);
  put16(at + 2, <u16>(IP_HEADER + payload));
  put16(at + 4, id);
  put16(at + 6, 0x4000);                 // don't fragment
  put8(at + 8, 64);                      // TTL
  put8(at + 9, protocol);
  put16(at + 10, 0);
  put32(at + 12, GUEST_IP);
  put32(at + 16, GATEWAY_IP);
  put16(at + 10, checksum(outgoing, at, IP_HEADER));
}

const broadcast = memory.data(6);

/** who-has 10.0.2.2 tell 10.0.2.15, padded to the 60-byte minimum. */
function buildArpRequest(): i32 {
  memory.fill(broadcast, 0xff, 6);
  memory.fill(outgoing, 0, MIN_FRAME);
  ethernetHeader(broadcast, ETHERTYPE_ARP);
  put16(14, 1);                          // hardware: Ethernet
  put16(16, ETHERTYPE_IPV4);             // protocol: IPv4
  put8(18, 6);
  put8(19, 4);
  put16(20, ARP_REQUEST);
  for (let i = 0; i < 6; i++) put8(22 + i, devices.e1000.mac(i));
  put32(28, GUEST_IP);
  put32(38, GATEWAY_IP);                 // target hardware address (32..37) stays zero
  return MIN_FRAME;
}

/** True when `incoming` (length bytes) is the gateway's ARP reply to us; the
 *  gateway's MAC is then in gatewayMac. */
function isArpReply(length: i32): bool {
  if (length < 42 || get16(12) != ETHERTYPE_ARP || get16(20) != ARP_REPLY) return false;
  if (get32(28) != GATEWAY_IP || get32(38) != GUEST_IP) return false;
  for (let i = 0; i < 6; i++) store<u8>(gatewayMac + <usize>i, get8(22 + i));
  return true;
}

function payloadByte(i: i32): u8 { return <u8>(i * 7 + 3); }

function buildEchoRequest(): i32 {
  ethernetHeader(gatewayMac, ETHERTYPE_IPV4);
  ipv4Header(IP_PROTOCOL_ICMP, 8 + PING_PAYLOAD, 0x4149);
  const at = ETH_HEADER + IP_HEADER;
  put8(at, ICMP_ECHO_REQUEST);
  put8(at + 1, 0);
  put16(at + 2, 0);
  put16(at + 4, ICMP_ID);
  put16(at + 6, ICMP_SEQUENCE);
  for (let i = 0; i < PING_PAYLOAD; i++) put8(at + 8 + i, payloadByte(i));
  put16(at + 2, checksum(outgoing, at, 8 + PING_PAYLOAD));
  return at + 8 + PING_PAYLOAD;
}

/** True when `incoming` is the gateway's echo reply to our request: both
 *  checksums hold and id, sequence and payload come back unchanged. */
function isEchoReply(length: i32): bool {
  if (length < ETH_HEADER + IP_HEADER + 8 || get16(12) != ETHERTYPE_IPV4) return false;
  const ip = ETH_HEADER;
  const headerLength = <i32>(get8(ip) & 0xf) * 4;
  const total = <i32>get16(ip + 2);
  if ((get8(ip) >> 4) != 4 || headerLength < IP_HEADER || total > length - ETH_HEADER || total < headerLength + 8) return false;
  if (get8(ip + 9) != IP_PROTOCOL_ICMP || get32(ip + 12) != GATEWAY_IP || get32(ip + 16) != GUEST_IP) return false;
  if (checksum(incoming, ip, headerLength) != 0) return false;
  const icmp = ip + headerLength;
  const icmpLength = total - headerLength;
  if (get8(icmp) != ICMP_ECHO_REPLY || get16(icmp + 4) != ICMP_ID || get16(icmp + 6) != ICMP_SEQUENCE) return false;
  if (icmpLength != 8 + PING_PAYLOAD || checksum(incoming, icmp, icmpLength) != 0) return false;
  for (let i = 0; i < PING_PAYLOAD; i++) if (get8(icmp + 8 + i) != payloadByte(i)) return false;
  return true;
}

const WANT_ARP_REPLY: i32 = 0;
const WANT_ECHO_REPLY: i32 = 1;

/** Receives until a frame of kind `want` arrives (true) or `timeoutNs` passes;
 *  other frames are read and ignored. */
function awaitFrame(want: i32, timeoutNs: u64): bool {
  const start = clock.nanoseconds();
  while (clock.nanoseconds() - start < timeoutNs) {
    devices.e1000.poll();
    const length = devices.e1000.receive(incoming, 1536);
    if (length <= 0) { cpu.pause(); continue; }
    if (want == WANT_ARP_REPLY ? isArpReply(length) : isEchoReply(length)) return true;
  }
  return false;
}

function waitForLink(): bool {
  const start = clock.nanoseconds();
  while (!devices.e1000.linkUp() && clock.nanoseconds() - start < LINK_WAIT_NS) cpu.pause();
  return devices.e1000.linkUp();
}

/** ARP for the gateway; true (its MAC in gatewayMac) when it answered. */
function resolveGateway(): bool {
  return devices.e1000.send(outgoing, buildArpRequest()) == Errno.Ok && awaitFrame(WANT_ARP_REPLY, REPLY_WAIT_NS);
}

/** The driver's counters, with the device's own count of frames sent. */
function reportCounters(name: string): void {
  devices.e1000.poll();
  line.reset();
  line.text(name);
  line.text(" sent=");
  line.decimal(devices.e1000.framesSent());
  line.text(" sent_bytes=");
  line.decimal(devices.e1000.bytesSent());
  line.text(" device_sent=");
  line.decimal(devices.e1000.deviceFramesSent());
  line.text(" received=");
  line.decimal(devices.e1000.framesReceived());
  line.text(" received_bytes=");
  line.decimal(devices.e1000.bytesReceived());
  line.text(" device_received=");
  line.decimal(devices.e1000.deviceFramesReceived());
  line.text(" errors=");
  line.decimal(devices.e1000.transmitErrors() + devices.e1000.receiveErrors());
  line.text(" drops=");
  line.decimal(devices.e1000.drops());
  log.publish();
}

/** ARP for the gateway, then ping it; frames outside 14..1514 bytes refused. */
export function arpAndPing(): bool {
  if (!devices.e1000.available()) return false;
  const link = waitForLink();
  const tooShort = devices.e1000.send(outgoing, 13);
  const tooLong = devices.e1000.send(outgoing, 1515);
  const resolved = link && resolveGateway();
  const pinged = resolved && devices.e1000.send(outgoing, buildEchoRequest()) == Errno.Ok && awaitFrame(WANT_ECHO_REPLY, REPLY_WAIT_NS);
  line.reset();
  line.text("AIOS e1000 link=");
  line.text(link ? "up" : "down");
  line.text(" arp_reply=");
  if (resolved) devices.e1000.appendMacAt(gatewayMac); else line.text("none");
  line.text(" ping=");
  line.text(pinged ? "ok" : "failed");
  line.text(" limits=");
  line.text(tooShort == Errno.InvalidArgument && tooLong == Errno.InvalidArgument ? "refused" : "accepted");
  log.publish();
  reportCounters("AIOS e1000 counters");
  return resolved && pinged && tooShort == Errno.InvalidArgument && tooLong == Errno.InvalidArgument;
}

/** The link as the harness takes it down from the QEMU monitor (set_link off):
 *  up at first, then down, with no speed, and send() refusing. */
export function linkDown(): bool {
  if (!devices.e1000.available()) return false;
  const before = waitForLink();
  log.info("AIOS e1000-link waiting for the link to go down");
  const start = clock.nanoseconds();
  while (devices.e1000.linkUp() && clock.nanoseconds() - start < LINK_DOWN_WAIT_NS) cpu.pause();
  const after = devices.e1000.linkUp();
  const speed = devices.e1000.speedMbps();
  const sent = devices.e1000.send(outgoing, buildArpRequest());
  line.reset();
  line.text("AIOS e1000-link before=");
  line.text(before ? "up" : "down");
  line.text(" after=");
  line.text(after ? "up" : "down");
  line.text(" speed=");
  line.decimal(speed);
  line.text(" send=");
  line.text(sent == Errno.NotReady ? "refused" : "accepted");
  log.publish();
  return before && !after && speed == 0 && sent == Errno.NotReady;
}

/** A minimum-size UDP datagram to the gateway's discard port (slirp forwards it
 *  to the host, where nothing listens). */
function buildDiscardDatagram(): i32 {
  const payload = MIN_FRAME - ETH_HEADER - IP_HEADER - 8;
  ethernetHeader(gatewayMac, ETHERTYPE_IPV4);
  ipv4Header(IP_PROTOCOL_UDP, 8 + payload, 0x4242);
  const at = ETH_HEADER + IP_HEADER;
  put16(at, BENCH_SOURCE_PORT);
  put16(at + 2, DISCARD_PORT);
  put16(at + 4, <u16>(8 + payload));
  put16(at + 6, 0);                      // no UDP checksum (allowed over IPv4)
  for (let i = 0; i < payload; i++) put8(at + 8 + i, <u8>i);
  return MIN_FRAME;
}

/** Benchmark: BENCH_FRAMES minimum-size frames sent back to back, from the first
 *  send() until the device has reported the last one done; frames per second. */
export function transmitBenchmark(): bool {
  if (!devices.e1000.available() || !waitForLink() || !resolveGateway()) return false;
  const length = buildDiscardDatagram();
  devices.e1000.poll();
  const sentBefore = devices.e1000.framesSent() + devices.e1000.transmitErrors();
  const deviceBefore = devices.e1000.deviceFramesSent();
  let queued: u32 = 0;
  let full: u32 = 0;
  let ok = true;
  const start = clock.nanoseconds();
  while (queued < BENCH_FRAMES && ok) {
    const result = devices.e1000.send(outgoing, length);
    if (result == Errno.Ok) { queued++; continue; }
    if (result != Errno.ResourceExhausted) { ok = false; break; }
    full++;
    devices.e1000.poll();
    while (devices.e1000.receive(incoming, 1536) > 0) {}      // whatever slirp sends back
  }
  while (ok && devices.e1000.framesSent() + devices.e1000.transmitErrors() - sentBefore < <u64>queued) {
    if (clock.nanoseconds() - start > BENCH_DRAIN_NS) { ok = false; break; }
    devices.e1000.poll();
  }
  const elapsed = clock.nanoseconds() - start;
  devices.e1000.poll();
  const done = devices.e1000.framesSent() + devices.e1000.transmitErrors() - sentBefore;
  const deviceSent = devices.e1000.deviceFramesSent() - deviceBefore;
  line.reset();
  line.text("AIOS bench e1000 frames=");
  line.decimal(done);
  line.text(" ns=");
  line.decimal(elapsed);
  line.text(" fps=");
  line.decimal(elapsed == 0 ? 0 : done * 1_000_000_000 / elapsed);
  line.text(" device_sent=");
  line.decimal(deviceSent);
  line.text(" ring_full=");
  line.decimal(full);
  line.text(" errors=");
  line.decimal(devices.e1000.transmitErrors());
  log.publish();
  return ok && done == <u64>BENCH_FRAMES && devices.e1000.transmitErrors() == 0;
}
