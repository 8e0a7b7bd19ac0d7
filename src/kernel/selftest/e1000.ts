// e1000.ts — guest scenarios for the Intel 8254x NIC against QEMU's user-mode
// network (slirp: the guest is 10.0.2.15, the gateway 10.0.2.2): the gateway
// answers an ARP request and an ICMP echo (frames from netframes.ts); the link
// goes down when the test harness says so from the QEMU monitor; and a transmit
// benchmark.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as devices from "../devices";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import * as netframes from "./netframes";

const LINK_WAIT_NS: u64 = 1_000_000_000;
const LINK_DOWN_WAIT_NS: u64 = 10_000_000_000;
const BENCH_FRAMES: u32 = 20_000;
const BENCH_DRAIN_NS: u64 = 5_000_000_000;
const scratch = memory.data(1536);

function send(source: usize, length: u32, checksumStart: u32, checksumOffset: u32): Errno {
  return devices.e1000.send(source, <i32>length);     // no offload on this device
}

function receive(destination: usize, capacity: u32, timeoutNs: u64): i32 {
  return devices.e1000.receiveWait(destination, <i32>capacity, timeoutNs);
}

function reclaim(): void {
  devices.e1000.poll();
  while (devices.e1000.receive(scratch, 1536) > 0) {}    // whatever slirp sends back
}

function waitForLink(): bool {
  const start = clock.nanoseconds();
  while (!devices.e1000.linkUp() && clock.nanoseconds() - start < LINK_WAIT_NS) cpu.pause();
  return devices.e1000.linkUp();
}

function prepare(): bool {
  for (let i = 0; i < 6; i++) netframes.setMac(i, devices.e1000.mac(i));
  return waitForLink();
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
  line.text(" interrupts=");
  line.decimal(devices.e1000.interrupts());
  log.publish();
}

/** ARP for the gateway, then ping it; frames outside 14..1514 bytes refused. */
export function arpAndPing(): bool {
  if (!devices.e1000.available()) return false;
  const link = prepare();
  const tooShort = devices.e1000.send(scratch, 13);
  const tooLong = devices.e1000.send(scratch, 1515);
  const resolved = link && netframes.arpGateway(send, receive);
  const pinged = resolved && netframes.pingGateway(send, receive, 1, false);
  line.reset();
  line.text("AIOS e1000 link=");
  line.text(link ? "up" : "down");
  line.text(" arp_reply=");
  for (let i = 0; i < 6; i++) {
    if (i > 0) line.text(":");
    line.hexDigits(resolved ? netframes.gatewayMacByte(i) : 0, 2);
  }
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
  const before = prepare();
  log.info("AIOS e1000-link waiting for the link to go down");
  const start = clock.nanoseconds();
  while (devices.e1000.linkUp() && clock.nanoseconds() - start < LINK_DOWN_WAIT_NS) cpu.pause();
  const after = devices.e1000.linkUp();
  const speed = devices.e1000.speedMbps();
  memory.fill(scratch, 0, 60);
  const sent = devices.e1000.send(scratch, 60);
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

/** Benchmark: BENCH_FRAMES minimum-size frames sent back to back, from the first
 *  send() until the device has reported the last one done; frames per second. */
export function transmitBenchmark(): bool {
  if (!devices.e1000.available() || !prepare() || !netframes.arpGateway(send, receive)) return false;
  devices.e1000.poll();
  const sentBefore = devices.e1000.framesSent() + devices.e1000.transmitErrors();
  const deviceBefore = devices.e1000.deviceFramesSent();
  const start = clock.nanoseconds();
  const queued = netframes.udpFlood(send, reclaim, BENCH_FRAMES);
  let ok = queued == BENCH_FRAMES;
  while (ok && devices.e1000.framesSent() + devices.e1000.transmitErrors() - sentBefore < <u64>queued) {
    if (clock.nanoseconds() - start > BENCH_DRAIN_NS) { ok = false; break; }
    devices.e1000.poll();
  }
  const elapsed = clock.nanoseconds() - start;
  devices.e1000.poll();
  const done = devices.e1000.framesSent() + devices.e1000.transmitErrors() - sentBefore;
  line.reset();
  line.text("AIOS bench e1000 frames=");
  line.decimal(done);
  line.text(" ns=");
  line.decimal(elapsed);
  line.text(" fps=");
  line.decimal(elapsed == 0 ? 0 : done * 1_000_000_000 / elapsed);
  line.text(" device_sent=");
  line.decimal(devices.e1000.deviceFramesSent() - deviceBefore);
  line.text(" errors=");
  line.decimal(devices.e1000.transmitErrors());
  log.publish();
  return ok && done == <u64>BENCH_FRAMES && devices.e1000.transmitErrors() == 0;
}
