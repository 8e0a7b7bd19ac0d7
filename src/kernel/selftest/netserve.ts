// netserve.ts — guest scenarios for the network service (aios.net=on): the
// network thread takes its DHCP lease and serves the kernel API on :9000, which
// the host reaches through a forwarded port. The host drives every check over
// HTTP (test/guest/http-api.test.ts) and ends the scenario by connecting to the
// control port 9999; the scenario then checks nothing leaked — every TCP buffer
// block in use belongs to an open connection, no half-open connection is left —
// and reports the counters. net-flood first injects malformed frames and a SYN
// flood into the stack's receive path (the NIC's boundary), then serves the same.
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import * as net from "../net";
import * as scheduler from "../sched/scheduler";
import { failure } from "./report";

const CONTROL_PORT: u32 = 9999;
const READY_WAIT_NS: u64 = 30_000_000_000;
const SERVE_NS: u64 = 300_000_000_000;
const SETTLE_NS: u64 = 5_000_000_000;
let stopRequested = false;

function control(handle: i32, event: net.tcp.listeners.Event, context: u32): void {
  if (event == net.tcp.listeners.Event.Connected) stopRequested = true;
  if (event == net.tcp.listeners.Event.Connected || event == net.tcp.listeners.Event.PeerClosed) net.tcp.close(handle, clock.nanoseconds());
}

function waitReady(): bool {
  const until = clock.nanoseconds() + READY_WAIT_NS;
  while (!net.service.ready()) {
    if (clock.nanoseconds() > until) return failure("net", "the network service did not come up", 0);
    scheduler.sleep(10_000_000);
  }
  return net.tcp.listen(CONTROL_PORT, control, 0) == 0;
}

function appendCounters(): void {
  line.text(" requests=");
  line.decimal(net.http.server.requestsServed());
  line.text(" client_errors=");
  line.decimal(net.http.server.clientErrorCount());
  line.text(" opened=");
  line.decimal(net.tcp.listeners.openedCount());
  line.text(" ended=");
  line.decimal(net.tcp.listeners.endedCount());
  line.text(" established=");
  line.decimal(net.tcp.countIn(net.tcp.connection.State.Established));
  line.text(" half_open=");
  line.decimal(net.tcp.listeners.halfOpenCount());
  line.text(" buffers=");
  line.decimal(net.tcp.buffers.blocksInUse());
  line.text(" retransmissions=");
  line.decimal(net.tcp.output.retransmissions());
  line.text(" tcp_malformed=");
  line.decimal(net.tcp.input.malformedCount());
  line.text(" tcp_checksum=");
  line.decimal(net.tcp.input.checksumErrors());
  line.text(" ipv4_checksum=");
  line.decimal(net.ipv4.droppedCount(net.ipv4.Verdict.Checksum));
}

/** Buffers held by connections that can still use them. */
function buffersHeld(): i32 {
  let held = 0;
  for (let slot = 0; slot < net.tcp.connection.MAX_CONNECTIONS; slot++) if (net.tcp.connection.at(slot).buffer != 0) held++;
  return held;
}

function serveUntilStopped(): bool {
  line.reset();
  line.text("AIOS net serve ready port=9000 control=9999");
  log.publish();
  const until = clock.nanoseconds() + SERVE_NS;
  while (!stopRequested) {
    if (clock.nanoseconds() > until) return failure("net", "the host never connected to the control port", 0);
    scheduler.sleep(20_000_000);
  }
  // the host's connections close; give them time to finish
  const settle = clock.nanoseconds() + SETTLE_NS;
  while (clock.nanoseconds() < settle && (net.tcp.countIn(net.tcp.connection.State.Established) > 0 || net.tcp.listeners.halfOpenCount() > 0
    || net.tcp.buffers.blocksInUse() > 0)) {
    scheduler.sleep(20_000_000);
  }
  line.reset();
  line.text("AIOS net serve done");
  appendCounters();
  log.publish();
  if (<u32>buffersHeld() != net.tcp.buffers.blocksInUse()) return failure("net", "a TCP buffer block is in use with no connection holding it", 0);
  if (net.tcp.listeners.halfOpenCount() > net.tcp.listeners.HALF_OPEN_LIMIT) return failure("net", "more half-open connections than the limit", 0);
  return true;
}

export function serve(): bool {
  if (!waitReady()) return false;
  return serveUntilStopped();
}

// ---- the flood: frames built here and handed to the stack as if received
const frame = memory.data(1600);
let seed: u32 = 0x2545f491;
function random(): u32 { seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5; return seed; }
const FAKE_MAC = memory.data<u8>([0x52, 0x55, 0x0a, 0x00, 0x02, 0x63, 0, 0]);

/** An Ethernet + IPv4 + TCP frame to our port 9000 from `from`:`port` with
 *  `flags`: its length. Checksums are right; callers break what they test. */
function tcpFrame(from: u32, port: u16, flags: u8, seq: u32, payload: u32): u32 {
  memory.copy(frame, net.iface.macAddress(), 6);
  memory.copy(frame + 6, FAKE_MAC, 6);
  net.bytes.put16(frame + 12, net.ethernet.TYPE_IPV4);
  const ip = frame + 14;
  const tcpLength: u32 = 20 + payload;
  store<u8>(ip, 0x45);
  store<u8>(ip + 1, 0);
  net.bytes.put16(ip + 2, <u16>(20 + tcpLength));
  net.bytes.put16(ip + 4, <u16>random());
  net.bytes.put16(ip + 6, 0x4000);
  store<u8>(ip + 8, 64);
  store<u8>(ip + 9, net.ipv4.PROTOCOL_TCP);
  net.bytes.put16(ip + 10, 0);
  net.bytes.put32(ip + 12, from);
  net.bytes.put32(ip + 16, net.iface.ip());
  net.bytes.put16(ip + 10, net.bytes.finish(net.bytes.sum(ip, 20, 0)));
  const t = ip + 20;
  net.bytes.put16(t, port);
  net.bytes.put16(t + 2, 9000);
  net.bytes.put32(t + 4, seq);
  net.bytes.put32(t + 8, (flags & net.tcp.segment.ACK) != 0 ? random() : 0);
  store<u8>(t + 12, 5 << 4);
  store<u8>(t + 13, flags);
  net.bytes.put16(t + 14, 65535);
  net.bytes.put16(t + 16, 0);
  net.bytes.put16(t + 18, 0);
  for (let i: u32 = 0; i < payload; i++) store<u8>(t + 20 + <usize>i, <u8>random());
  net.bytes.put16(t + 16, net.bytes.finish(net.bytes.sum(t, tcpLength, net.bytes.pseudoHeader(from, net.iface.ip(), net.ipv4.PROTOCOL_TCP, tcpLength))));
  return 14 + 20 + tcpLength;
}

const FLOOD_EACH: i32 = 400;
const SYN_FLOOD: i32 = 1000;

export function flood(): bool {
  if (!waitReady()) return false;
  const source: u32 = 0x0a000200 | 0x63;                   // 10.0.2.99, nobody
  let injected = 0;
  for (let i = 0; i < FLOOD_EACH; i++) {
    // a bad IPv4 header checksum
    let n = tcpFrame(source, <u16>(1024 + i), net.tcp.segment.SYN, random(), 0);
    store<u8>(frame + 14 + 10, load<u8>(frame + 14 + 10) ^ 0x5a);
    net.stack.inject(frame, n); injected++;
    // a bad TCP checksum, with data
    n = tcpFrame(source, <u16>(1024 + i), net.tcp.segment.ACK | net.tcp.segment.PSH, random(), 100);
    store<u8>(frame + 14 + 20 + 16, load<u8>(frame + 14 + 20 + 16) ^ 0xff);
    net.stack.inject(frame, n); injected++;
    // truncated anywhere: Ethernet, IPv4 or TCP header cut short
    n = tcpFrame(source, <u16>(1024 + i), net.tcp.segment.SYN, random(), 0);
    net.stack.inject(frame, random() % n); injected++;
    // a TCP data offset past the segment, and options running off the header
    n = tcpFrame(source, <u16>(1024 + i), net.tcp.segment.SYN, random(), 8);
    store<u8>(frame + 14 + 20 + 12, <u8>((random() % 16) << 4));
    store<u8>(frame + 14 + 20 + 20, 2);
    store<u8>(frame + 14 + 20 + 21, <u8>random());
    net.bytes.put16(frame + 14 + 20 + 16, 0);
    const tcpLength: u32 = 28;
    net.bytes.put16(frame + 14 + 20 + 16, net.bytes.finish(net.bytes.sum(frame + 34, tcpLength, net.bytes.pseudoHeader(source, net.iface.ip(), net.ipv4.PROTOCOL_TCP, tcpLength))));
    net.stack.inject(frame, n); injected++;
    // overlapping IPv4 fragments of one datagram
    n = tcpFrame(source, <u16>(1024 + i), net.tcp.segment.SYN, random(), 64);
    net.bytes.put16(frame + 14 + 6, 0x2000);                 // more fragments, offset 0
    net.bytes.put16(frame + 14 + 10, 0);
    net.bytes.put16(frame + 14 + 10, net.bytes.finish(net.bytes.sum(frame + 14, 20, 0)));
    net.stack.inject(frame, n); injected++;
    net.bytes.put16(frame + 14 + 6, 0x0002);                 // offset 16 bytes: overlaps the first
    net.bytes.put16(frame + 14 + 10, 0);
    net.bytes.put16(frame + 14 + 10, net.bytes.finish(net.bytes.sum(frame + 14, 20, 0)));
    net.stack.inject(frame, n); injected++;
    // random bytes behind a valid Ethernet header
    for (let k: usize = 14; k < 200; k++) store<u8>(frame + k, <u8>random());
    store<u8>(frame + 14, 0x45);
    net.stack.inject(frame, 14 + random() % 186); injected++;
  }
  // a SYN flood from many addresses and ports: half-open connections stay bounded
  for (let i = 0; i < SYN_FLOOD; i++) {
    const n = tcpFrame(0x0a000200 | (100 + (random() % 100)), <u16>(1024 + random() % 60000), net.tcp.segment.SYN, random(), 0);
    net.stack.inject(frame, n); injected++;
  }
  line.reset();
  line.text("AIOS net flood done frames=");
  line.decimal(injected);
  appendCounters();
  log.publish();
  if (net.tcp.listeners.halfOpenCount() > net.tcp.listeners.HALF_OPEN_LIMIT) return failure("net", "the SYN flood passed the half-open limit", 0);
  return serveUntilStopped();
}
