// net.ts — guest scenarios for virtio-net. Through QEMU user networking the
// gateway answers an ARP request and 20 ICMP echoes (slirp offers no checksum
// offload). Through a tap device (the host at 10.0.3.1, us at 10.0.3.15), which
// does offer it, half of the echoes leave their ICMP checksum to the device: the
// host's kernel drops a request whose checksum is wrong, so an answer proves the
// device filled it.
import * as devices from "../devices";
import { Errno } from "../../abi";
import * as line from "../line";
import * as log from "../log";
import * as netframes from "./netframes";
import * as scheduler from "../sched/scheduler";
import * as clock from "../clock";
import { cpu } from "../../hal";

function virtioSend(source: usize, length: u32, checksumStart: u32, checksumOffset: u32): Errno {
  return devices.virtio.net.send(source, length, checksumStart, checksumOffset);
}
function virtioReceive(destination: usize, capacity: u32, timeoutNs: u64): i32 {
  return devices.virtio.net.receive(destination, capacity, timeoutNs);
}

const PINGS: u16 = 20;

const TAP_GUEST_IP: u32 = 0x0a00030f;      // 10.0.3.15
const TAP_HOST_IP: u32 = 0x0a000301;       // 10.0.3.1

export function virtioNet(): bool { return pings(false); }

export function virtioNetTap(): bool {
  netframes.setAddresses(TAP_GUEST_IP, TAP_HOST_IP);
  return pings(true);
}

function pings(offload: bool): bool {
  if (!devices.virtio.net.available()) return false;
  if (offload && !devices.virtio.net.checksumOffload()) return false;
  for (let i = 0; i < 6; i++) netframes.setMac(i, devices.virtio.net.mac(i));
  const arp = netframes.arpGateway(virtioSend, virtioReceive);
  let answered: u16 = 0;
  for (let n: u16 = 0; n < PINGS && arp; n++) {
    if (netframes.pingGateway(virtioSend, virtioReceive, n, offload && (n & 1) != 0)) answered++;
  }
  line.reset();
  line.text("AIOS virtio-net link=");
  line.text(devices.virtio.net.linkUp() ? "up" : "down");
  line.text(" arp_reply=");
  for (let i = 0; i < 6; i++) {
    if (i > 0) line.text(":");
    line.hexDigits(arp ? netframes.gatewayMacByte(i) : 0, 2);
  }
  line.text(" pings=");
  line.decimal(answered);
  line.text("/");
  line.decimal(PINGS);
  line.text(" sent=");
  line.decimal(devices.virtio.net.sent());
  line.text(" received=");
  line.decimal(devices.virtio.net.received());
  line.text(" offload=");
  line.text(offload ? "yes" : "no");
  line.text(" interrupts=");
  line.decimal(devices.virtio.net.interrupts());
  log.publish();
  return arp && answered == PINGS;
}

const LINK_WAIT_MS: i32 = 5000;
const BENCH_FRAMES: u32 = 20_000;
const BENCH_DRAIN_NS: u64 = 5_000_000_000;

/** Every buffer busy: sleep until the device finishes one (send() takes it back). */
function awaitTransmit(): void { devices.virtio.net.waitTransmit(10_000_000); }

/** Benchmark: BENCH_FRAMES minimum-size UDP frames to the slirp gateway, from the
 *  first send until the device has used the last; frames per second. */
export function virtioNetBenchmark(): bool {
  if (!devices.virtio.net.available()) return false;
  for (let i = 0; i < 6; i++) netframes.setMac(i, devices.virtio.net.mac(i));
  if (!netframes.arpGateway(virtioSend, virtioReceive)) return false;
  const start = clock.nanoseconds();
  const sent = netframes.udpFlood(virtioSend, awaitTransmit, BENCH_FRAMES);
  while (devices.virtio.net.transmitting() != 0 && clock.nanoseconds() - start < BENCH_DRAIN_NS) cpu.pause();
  const elapsed = clock.nanoseconds() - start;
  line.reset();
  line.text("AIOS bench virtio-net frames=");
  line.decimal(sent);
  line.text(" ns=");
  line.decimal(elapsed);
  line.text(" fps=");
  line.decimal(elapsed == 0 ? 0 : <u64>sent * 1_000_000_000 / elapsed);
  line.text(" interrupts=");
  line.decimal(devices.virtio.net.interrupts());
  line.text(" doorbells=");
  line.decimal(devices.virtio.net.doorbells());
  log.publish();
  return sent == BENCH_FRAMES && devices.virtio.net.transmitting() == 0;
}

/** The host takes the link down (QEMU's set_link, sent when it sees the waiting
 *  line): the device raises a configuration-change interrupt and reports it. */
export function virtioNetLink(): bool {
  if (!devices.virtio.net.available() || !devices.virtio.net.linkUp()) return false;
  const before = devices.virtio.net.configInterrupts();
  line.reset();
  line.text("AIOS virtio-net-link waiting");
  log.publish();
  let waited = 0;
  while (devices.virtio.net.linkUp() && waited < LINK_WAIT_MS) {
    scheduler.sleep(10_000_000);
    waited += 10;
  }
  line.reset();
  line.text("AIOS virtio-net-link link=");
  line.text(devices.virtio.net.linkUp() ? "up" : "down");
  line.text(" config_interrupts=");
  line.decimal(devices.virtio.net.configInterrupts() - before);
  log.publish();
  return !devices.virtio.net.linkUp() && devices.virtio.net.configInterrupts() > before;
}
