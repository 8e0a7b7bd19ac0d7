// publishers.ts — guest scenario for the event bus's real publishers: an agent
// subscribes (capability-checked, through the ABI) to the device, interrupt and
// performance topics. The device events of the boot — virtio-blk claimed, its disk
// and partition added, a legacy-only virtio-rng claimed and refused — reach it by
// replay of the retained events; the disk's MSI-X vector's first interrupt too.
// Reads of the disk then make interrupts, which arrive as at most one Count a
// second however many there were, and a performance sample arrives every second.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as agents from "../agents";
import * as block from "../block";
import * as caps from "../caps";
import * as clock from "../clock";
import * as devices from "../devices";
import * as events from "../events";
import * as interrupts from "../interrupts";
import { endpoints } from "../ipc";
import * as line from "../line";
import * as report from "./report";
import * as log from "../log";
import { frames } from "../memory";
import * as modules from "../modules";
import { probe } from "../modules";
import * as scheduler from "../sched/scheduler";
import { linearToVirtual } from "../physical";
import * as probeAgent from "./probeagent";

const received = memory.data(<i32>events.bus.EVENT_BYTES);
const VENDOR_VIRTIO: u16 = 0x1af4;
const DEVICE_RNG_TRANSITIONAL: u16 = 0x1005;
const READS: i32 = 64;
const READ_SECTORS: u64 = 64;
const READ_ORDER: u32 = 3;                   // 32 KiB
const WAIT_STEP_NS: u64 = 100_000_000;
const WAIT_STEPS: i32 = 40;                  // 4 s at most
const DRIVER_SHIFT: u64 = 32;
const LOW_32: u64 = 0xffff_ffff;

function spec(): agents.lifecycle.Spec { return probeAgent.idleSpec(probe.id(), probe.ProbeFunction.Size, 64); }

function fail(what: string, value: i64): bool { return report.failure("publishers", what, value); }

/** The next event on `endpoint` into `received`; false when there is none. */
function next(endpoint: i32): bool {
  const address = linearToVirtual(received);
  return endpoints.receive(endpoint, address, events.bus.EVENT_BYTES, endpoints.Wait.NoWait) == <i64>events.bus.EVENT_BYTES;
}
function kind(): u32 { return load<u32>(received + 4); }
function subject(): u64 { return load<u64>(received + 8); }
function detail(): u64 { return load<u64>(received + 16); }

/** Subscribes `watcher` to `topic` on a new endpoint through the ABI; the endpoint, or -1. */
function subscribe(watcher: i32, topic: events.bus.Topic): i32 {
  const inbox = endpoints.create();
  const now = clock.nanoseconds();
  const topicHandle = <u32>caps.createRoot(watcher, caps.ObjectKind.EventTopic, <u64>topic, caps.Rights.Subscribe, caps.NO_EXPIRY, now);
  const box = <u32>caps.createRoot(watcher, caps.ObjectKind.IpcEndpoint, <u64>inbox, caps.Rights.Receive, caps.NO_EXPIRY, now);
  const result = modules.call(agents.registry.instanceOf(watcher), probe.ProbeFunction.Subscribe, topicHandle, box);
  return result == 0 ? inbox : -1;
}

// what arrived
let blkClaimed = false, rngRefused = false, diskAdded = false, partitionAdded = false;
let firstInterrupt = false, countEvents: u32 = 0, countedInterrupts: u64 = 0;
let idleSamples: u32 = 0, framesFree: u64 = 0, switchesSeen: u64 = 0;

function drainDevices(endpoint: i32, blkDisk: i32): void {
  while (next(endpoint)) {
    const s = <i32>subject();
    if (kind() == events.kinds.DeviceKind.Claimed && (detail() >> DRIVER_SHIFT) == 2
      && devices.registry.vendor(s) == VENDOR_VIRTIO) blkClaimed = true;
    if (kind() == events.kinds.DeviceKind.Refused && devices.registry.deviceId(s) == DEVICE_RNG_TRANSITIONAL
      && (detail() & LOW_32) == <u64>Errno.NotSupported) rngRefused = true;
    if (kind() == events.kinds.DeviceKind.DiskAdded && s == blkDisk && detail() == block.queue.capacity(blkDisk)) diskAdded = true;
    if (kind() == events.kinds.DeviceKind.PartitionAdded && (detail() >> DRIVER_SHIFT) == <u64>blkDisk && (detail() & LOW_32) == 1) partitionAdded = true;
  }
}

function drainInterrupts(endpoint: i32, vector: u32): void {
  while (next(endpoint)) {
    if (subject() != <u64>vector) continue;
    if (kind() == events.kinds.InterruptKind.First) firstInterrupt = true;
    if (kind() == events.kinds.InterruptKind.Count) { countEvents++; countedInterrupts += detail(); }
  }
}

function drainPerformance(endpoint: i32): void {
  while (next(endpoint)) {
    if (kind() == events.kinds.PerformanceKind.CpuIdle && detail() <= 1000) idleSamples++;
    if (kind() == events.kinds.PerformanceKind.FramesFree) framesFree = detail();
    if (kind() == events.kinds.PerformanceKind.ContextSwitches) switchesSeen = subject();
  }
}

export function publishers(): bool {
  const vector = devices.virtio.blk.vector();
  const disk = devices.virtio.blk.diskIndex();
  if (vector == 0 || disk < 0) return fail("no interrupt-driven virtio disk", <i64>vector);
  const watcher = agents.lifecycle.spawn(spec());
  if (watcher < 0) return fail("spawn", watcher);
  const deviceBox = subscribe(watcher, events.bus.Topic.Device);
  const interruptBox = subscribe(watcher, events.bus.Topic.Interrupt);
  const performanceBox = subscribe(watcher, events.bus.Topic.Performance);
  if (deviceBox < 0 || interruptBox < 0 || performanceBox < 0) return fail("subscribe", 0);
  drainDevices(deviceBox, disk);

  // interrupts: reads of the disk, then at most one Count a second
  const started = clock.nanoseconds();
  const interruptsBefore = interrupts.count(vector);
  const buffer = frames.alloc(READ_ORDER, frames.Owner.Test);
  for (let i = 0; i < READS; i++) {
    if (block.read(disk, <u64>i * READ_SECTORS, buffer, READ_SECTORS) != Errno.Ok) return fail("disk read", i);
  }
  frames.free(buffer);
  const taken = interrupts.count(vector) - interruptsBefore;
  // the Counts after the reads cover every interrupt they made (and the boot's)
  for (let step = 0; step < WAIT_STEPS && (countedInterrupts < taken || idleSamples == 0 || !firstInterrupt); step++) {
    scheduler.sleep(WAIT_STEP_NS);
    drainInterrupts(interruptBox, vector);
    drainPerformance(performanceBox);
  }
  const waitedMs = (clock.nanoseconds() - started) / 1_000_000;
  const seconds = <u32>(waitedMs / 1000) + 1;       // Counts a vector may have had meanwhile, at most

  line.reset();
  line.text("AIOS publishers blk_claimed=");
  line.text(blkClaimed ? "yes" : "no");
  line.text(" rng_refused=");
  line.text(rngRefused ? "yes" : "no");
  line.text(" disk_added=");
  line.text(diskAdded ? "yes" : "no");
  line.text(" partition_added=");
  line.text(partitionAdded ? "yes" : "no");
  line.text(" first_interrupt=");
  line.text(firstInterrupt ? "yes" : "no");
  line.text(" interrupts_taken=");
  line.decimal(taken);
  line.text(" count_events=");
  line.decimal(countEvents);
  line.text(" counted=");
  line.decimal(countedInterrupts);
  line.text(" idle_samples=");
  line.decimal(idleSamples);
  line.text(" frames_free=");
  line.decimal(framesFree);
  line.text(" switches=");
  line.decimal(switchesSeen);
  line.text(" waited_ms=");
  line.decimal(waitedMs);
  log.publish();

  events.bus.unsubscribe(events.bus.Topic.Device, deviceBox);
  events.bus.unsubscribe(events.bus.Topic.Interrupt, interruptBox);
  events.bus.unsubscribe(events.bus.Topic.Performance, performanceBox);
  agents.lifecycle.kill(watcher);
  endpoints.destroy(deviceBox);
  endpoints.destroy(interruptBox);
  endpoints.destroy(performanceBox);
  const devicesOk = blkClaimed && rngRefused && diskAdded && partitionAdded;
  const interruptsOk = firstInterrupt && taken > 0 && countEvents >= 1 && countEvents <= seconds && countedInterrupts >= taken;
  const performanceOk = idleSamples >= 1 && framesFree > 0 && switchesSeen > 0;
  return devicesOk && interruptsOk && performanceOk;
}
