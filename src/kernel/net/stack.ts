// stack.ts — the network stack's receive path and its one entry point for
// callers: frames from the interface are taken one at a time and dispatched by
// EtherType (ARP, IPv4) and IP protocol (ICMP, UDP; others are answered protocol
// unreachable), fragments reassembled first; everything is checked before
// it is believed, and what is malformed is counted and dropped, never trusted.
// pump() is how every waiting part of the stack (ARP resolution, DHCP, a caller
// waiting for a datagram) lets frames in; nested inside a frame's handling (an
// echo reply resolving its route) it takes ARP only, so the frame being answered
// is not overwritten under its handler.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as clock from "../clock";
import * as crypto from "../crypto";
import * as cmdline from "../cmdline";
import * as devices from "../devices";
import * as line from "../line";
import * as log from "../log";
import * as arp from "./arp";
import * as dhcp from "./dhcp";
import * as dns from "./dns";
import * as ethernet from "./ethernet";
import * as icmp from "./icmp";
import * as iface from "./interface";
import * as ipv4 from "./ipv4";
import * as reassembly from "./reassembly";
import * as udp from "./udp";
import * as tcp from "./tcp";
import * as scheduler from "../sched/scheduler";
import { get16 } from "./bytes";

let depth = 0;
let runts: u64 = 0;
let otherTypes: u64 = 0;
let droppedNested: u64 = 0;

export function runtCount(): u64 { return runts; }
export function unknownTypeCount(): u64 { return otherTypes; }

function handleFrame(frame: usize, length: u32): void {
  if (length < ethernet.HEADER) { runts++; return; }
  const type = get16(frame + ethernet.TYPE);
  const payload = frame + <usize>ethernet.HEADER;
  const payloadLength = length - ethernet.HEADER;
  const now = clock.nanoseconds();
  if (type == ethernet.TYPE_ARP) { arp.receive(payload, payloadLength, now); return; }
  if (type != ethernet.TYPE_IPV4) { otherTypes++; return; }
  if (depth > 1) { droppedNested++; return; }
  if (!ipv4.accept(payload, payloadLength)) return;
  const to = ipv4.destination(payload);
  if (!ipv4.forUs(to)) return;
  // a fragment is held until its datagram is whole, which then goes on as one packet
  const packet = ipv4.fragmented(payload) ? reassembly.accept(payload, payloadLength, now) : payload;
  if (packet == 0) return;
  const header = ipv4.headerLength(packet);
  const body = packet + <usize>header;
  const bodyLength = ipv4.totalLength(packet) - header;        // not the Ethernet padding
  const from = ipv4.source(packet);
  const protocol = ipv4.protocol(packet);
  if (protocol == ipv4.PROTOCOL_ICMP) icmp.receive(body, bodyLength, from, pump);
  else if (protocol == ipv4.PROTOCOL_UDP) { if (!udp.receive(body, bodyLength, from, to)) icmp.unreachable(packet, icmp.Unreachable.Port, pump); }
  else if (protocol == ipv4.PROTOCOL_TCP) tcp.receive(body, bodyLength, from, to, frame + ethernet.SOURCE, false, now);
  else icmp.unreachable(packet, icmp.Unreachable.Protocol, pump);
}

/** Handles `length` bytes at `frame` as if the NIC had just delivered them (the
 *  flood scenario injects malformed frames this way), then sends the ACKs due. */
export function inject(frame: usize, length: u32): void {
  handleFrame(frame, length);
  tcp.flush();
}

let owner: i32 = scheduler.NO_THREAD;

/** The network thread takes the NIC: from now on only it takes frames in, and
 *  pump() from anyone else just waits while it does. */
export function setOwner(thread: i32): void { owner = thread; }

const BATCH: i32 = 64;

/** The network thread's step: waits up to `timeoutNs` for a frame, takes it and
 *  every frame already waiting (up to a batch), then sends the ACKs they left
 *  pending. The number of frames taken. */
export function serve(timeoutNs: u64): i32 {
  depth++;
  let taken = 0;
  let length = iface.poll(iface.interruptDriven() ? timeoutNs : 0);
  while (length > 0) {
    handleFrame(iface.receiveBuffer(), <u32>length);
    taken++;
    if (taken >= BATCH) break;
    length = iface.poll(0);
  }
  depth--;
  tcp.flush();
  if (taken == 0 && !iface.interruptDriven() && timeoutNs > 0) scheduler.sleep(timeoutNs < POLL_SLEEP_NS ? timeoutNs : POLL_SLEEP_NS);
  return taken;
}
const POLL_SLEEP_NS: u64 = 1_000_000;        // a polled NIC (82540EM): look every millisecond

/** Takes frames for up to `timeoutNs` (at least one poll), handling each. */
export function pump(timeoutNs: u64): void {
  if (owner != scheduler.NO_THREAD && scheduler.currentThread() != owner) {
    if (timeoutNs > 0) scheduler.sleep(timeoutNs); else scheduler.yieldNow();
    return;
  }
  depth++;
  const until = clock.nanoseconds() + timeoutNs;
  if (depth == 1) reassembly.expire(until - timeoutNs);     // blocks of datagrams that stopped coming go back
  do {
    const length = iface.poll(timeoutNs == 0 ? 0 : 1_000_000);
    if (length > 0) handleFrame(iface.receiveBuffer(), <u32>length);
  } while (clock.nanoseconds() < until);
  depth--;
}

// ---- the NIC under the stack: virtio-net when there is one, else e1000
// A full transmit ring (a burst of SYN-ACKs, a window's worth of segments) waits
// for the device to finish a buffer rather than dropping the frame: TCP would
// recover a drop, but only after a retransmission timeout.
const TRANSMIT_WAIT_NS: u64 = 1_000_000;
const TRANSMIT_TRIES: i32 = 50;
function virtioSend(source: usize, length: u32): Errno {
  let result = devices.virtio.net.send(source, length);
  for (let tries = 0; result == Errno.ResourceExhausted && tries < TRANSMIT_TRIES; tries++) {
    devices.virtio.net.waitTransmit(TRANSMIT_WAIT_NS);
    result = devices.virtio.net.send(source, length);
  }
  return result;
}
function virtioReceive(destination: usize, capacity: u32, timeoutNs: u64): i32 { return devices.virtio.net.receive(destination, capacity, timeoutNs); }
function e1000Send(source: usize, length: u32): Errno {
  let result = devices.e1000.send(source, <i32>length);
  const until = clock.nanoseconds() + <u64>TRANSMIT_TRIES * TRANSMIT_WAIT_NS;
  while (result == Errno.ResourceExhausted && clock.nanoseconds() < until) {
    cpu.pause();                                           // the ring drains in microseconds; no interrupt to sleep on
    result = devices.e1000.send(source, <i32>length);
  }
  return result;
}
function e1000Receive(destination: usize, capacity: u32, timeoutNs: u64): i32 {
  return devices.e1000.receiveWait(destination, <i32>capacity, timeoutNs);
}

const macBytes = memory.data(8);

/** Attaches the stack to the first NIC: NotFound without one. */
const entropy = memory.data(32);

/** 32 bytes to key TCP's sequence numbers and DNS ids: the kernel's DRBG when it
 *  is seeded, else virtio-rng's bytes; the time-stamp counter mixed in either way. */
function gatherEntropy(): void {
  memory.fill(entropy, 0, 32);
  if (crypto.random.fill(entropy, 32) != Errno.Ok && devices.virtio.rng.available()) devices.virtio.rng.read(entropy, 32);
  for (let i = 0; i < 4; i++) store<u64>(entropy + <usize>i * 8, load<u64>(entropy + <usize>i * 8) ^ (cpu.rdtsc() * 0x9E3779B97F4A7C15));
}

export function init(): Errno {
  gatherEntropy();
  tcp.init(entropy);
  udp.reset();
  arp.clear();
  reassembly.reset();
  icmp.resetRate();
  dns.useServer(cmdline.dnsServer(), cmdline.dnsPort());   // aios.dns=, else DHCP's server
  udp.serve(dhcp.CLIENT_PORT, dhcp.receive);
  if (devices.virtio.net.available()) {
    for (let i = 0; i < 6; i++) store<u8>(macBytes + <usize>i, devices.virtio.net.mac(i));
    iface.attach(virtioSend, virtioReceive, macBytes, devices.virtio.net.interruptDriven());
    return Errno.Ok;
  }
  if (devices.e1000.available()) {
    for (let i = 0; i < 6; i++) store<u8>(macBytes + <usize>i, devices.e1000.mac(i));
    iface.attach(e1000Send, e1000Receive, macBytes, devices.e1000.interruptDriven());
    return Errno.Ok;
  }
  return Errno.NotFound;
}

function appendIp(address: u32): void {
  line.decimal(address >> 24); line.text(".");
  line.decimal((address >> 16) & 0xff); line.text(".");
  line.decimal((address >> 8) & 0xff); line.text(".");
  line.decimal(address & 0xff);
}

/** Takes a static configuration (aios.ip=) and logs it. */
export function configureStatic(address: u32, mask: u32, router: u32, dns: u32): void {
  iface.configure(address, mask, router, dns);
  log.begin(log.Level.Info);
  line.text("net: ");
  appendIp(address);
  line.text(" netmask ");
  appendIp(mask);
  line.text(" router ");
  appendIp(router);
  line.text(" dns ");
  appendIp(dns);
  line.text(" (static, aios.ip=)");
  log.end();
}

/** Asks DHCP for an address and logs the lease (a failure only when not `quiet`). */
export function configureByDhcp(quiet: bool = false): Errno {
  const result = dhcp.acquire(pump);
  if (result != Errno.Ok && quiet) return result;
  log.begin(result == Errno.Ok ? log.Level.Info : log.Level.Warn);
  if (result == Errno.Ok) {
    line.text("net: ");
    appendIp(iface.ip());
    line.text(" netmask ");
    appendIp(iface.mask());
    line.text(" router ");
    appendIp(iface.gateway());
    line.text(" dns ");
    appendIp(iface.dns());
    line.text(" from DHCP server ");
    appendIp(dhcp.serverAddress());
    line.text(", lease ");
    line.decimal(dhcp.lease());
    line.text(" s");
  } else {
    line.text("net: no DHCP lease (no answer to four discoveries)");
  }
  log.end();
  return result;
}

export { appendIp };
