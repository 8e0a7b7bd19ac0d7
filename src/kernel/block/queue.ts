// queue.ts — the one request queue every block driver sits under. A caller
// submits a request (read, write or flush of whole sectors to or from a physically
// contiguous buffer); it waits in its disk's pending list until the I/O scheduler
// (iosched.ts) picks it and the disk has room (the driver's depth); the driver
// starts it and later calls complete(), from its interrupt handler or from poll()
// for a polled device, which wakes the waiter and starts the next. Partitions are
// disks of their own whose requests are moved by their offset onto the parent's
// queue. Every list and counter here is touched with interrupts off (saved and
// restored), since completions arrive in interrupt context. Submitters run on any
// CPU and device interrupts arrive on the boot CPU, all under the kernel lock
// (sync/kernellock.ts), so one CPU at a time touches the queue.
// A request's buffer is mapped for its disk's device (devices/dma.ts: through the
// IOMMU where there is one) when it is submitted and unmapped when its waiter
// collects it, both in thread context, so drivers hand the device the request's
// buffer as it is. A disk or partition joining is published on the device topic
// (retained: disks appear at boot, before any agent subscribes).
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as clock from "../clock";
import * as dma from "../devices/dma";
import * as events from "../events";
import * as scheduler from "../sched/scheduler";
import * as iosched from "./iosched";

export const MAX_DISKS: i32 = 24;
export const MAX_REQUESTS: i32 = 128;
const MAX_PENDING: i32 = 64;
export const NONE: i32 = -1;
const PENDING: i32 = -1;                 // a request's status while it is not done
const READ_DEADLINE_NS: u64 = 500_000_000;
const WRITE_DEADLINE_NS: u64 = 5_000_000_000;
const WAIT_NS: u64 = 10_000_000_000;

export const enum Op { Read = 0, Write = 1, Flush = 2 }

/** What a driver offers: start(context, request) begins a request (Ok, or an
 *  Errno that completes it at once); poll(context) reaps finished requests
 *  without waiting for an interrupt. */
export type Start = (context: u32, request: i32) => Errno;
export type Poll = (context: u32) => void;

// ---- disks
const names = memory.data(MAX_DISKS * 8);            // NUL-padded, e.g. "vda", "nvme0n1"
const sectorSizes = memory.data(MAX_DISKS * 4);
const capacities = memory.data(MAX_DISKS * 8);       // sectors
const parents = memory.data(MAX_DISKS * 4);          // NONE for a whole disk
const offsets = memory.data(MAX_DISKS * 8);          // a partition's first sector on its parent
const starts = memory.data(MAX_DISKS * 4);           // function references
const polls = memory.data(MAX_DISKS * 4);
const contexts = memory.data(MAX_DISKS * 4);
const depths = memory.data(MAX_DISKS * 4);
const maxSectors = memory.data(MAX_DISKS * 4);       // per request
const flags = memory.data(MAX_DISKS);                // 1 interrupt-driven, 2 read-only, 4 can flush
const policies = memory.data(MAX_DISKS);
const inFlight = memory.data(MAX_DISKS * 4);
const heads = memory.data(MAX_DISKS * 8);            // sector after the last one started
const pendingIds = memory.data(MAX_DISKS * MAX_PENDING * 4);
const pendingCounts = memory.data(MAX_DISKS * 4);
const dispatching = memory.data(MAX_DISKS);
const completedCounts = memory.data(MAX_DISKS * 8);
const errorCounts = memory.data(MAX_DISKS * 8);
const dmaDevices = memory.data(MAX_DISKS * 4);       // the PCI function whose DMA moves the data, or NONE
let disks: i32 = 0;

export const FLAG_INTERRUPTS: u8 = 1;
export const FLAG_READ_ONLY: u8 = 2;
export const FLAG_FLUSH: u8 = 4;

// ---- requests
const used = memory.data(MAX_REQUESTS);
const abandoned = memory.data(MAX_REQUESTS);          // its waiter gave up; freed when it completes
const mapped = memory.data(MAX_REQUESTS);             // its buffer is mapped for the device (unmap when collected)
const ops = memory.data(MAX_REQUESTS);
const diskOf = memory.data(MAX_REQUESTS * 4);
const requestSectors = memory.data(MAX_REQUESTS * 8);
const requestCounts = memory.data(MAX_REQUESTS * 4);
const buffers = memory.data(MAX_REQUESTS * 8);
const statuses = memory.data(MAX_REQUESTS * 4);
const deadlines = memory.data(MAX_REQUESTS * 8);
const waiters = memory.data(MAX_REQUESTS * 4);
const tags = memory.data(MAX_REQUESTS * 4);           // the driver's own use (its slot)

// scratch for iosched.pick, filled from one disk's pending list
const pickSectors = memory.data(MAX_PENDING * 8);
const pickDeadlines = memory.data(MAX_PENDING * 8);
const pickFlushes = memory.data(MAX_PENDING);

function at32(base: usize, i: i32): usize { return base + <usize>i * 4; }
function at64(base: usize, i: i32): usize { return base + <usize>i * 8; }

export function count(): i32 { return disks; }
export function validDisk(d: i32): bool { return d >= 0 && d < disks; }
export function sectorSize(d: i32): u32 { return load<u32>(at32(sectorSizes, d)); }
export function capacity(d: i32): u64 { return load<u64>(at64(capacities, d)); }
export function parent(d: i32): i32 { return load<i32>(at32(parents, d)); }
export function offset(d: i32): u64 { return load<u64>(at64(offsets, d)); }
export function readOnly(d: i32): bool { return (load<u8>(root(d) + flags) & FLAG_READ_ONLY) != 0; }
export function canFlush(d: i32): bool { return (load<u8>(root(d) + flags) & FLAG_FLUSH) != 0; }
export function interruptDriven(d: i32): bool { return (load<u8>(root(d) + flags) & FLAG_INTERRUPTS) != 0; }
export function maxRequestSectors(d: i32): u32 { return load<u32>(at32(maxSectors, root(d))); }
export function depth(d: i32): u32 { return load<u32>(at32(depths, root(d))); }
export function policy(d: i32): iosched.Policy { return <iosched.Policy>load<u8>(root(d) + policies); }
export function completed(d: i32): u64 { return load<u64>(at64(completedCounts, d)); }
export function errors(d: i32): u64 { return load<u64>(at64(errorCounts, d)); }
/** Byte `i` of disk `d`'s name (0 past its end). */
export function nameByte(d: i32, i: i32): u8 { return i >= 0 && i < 8 ? load<u8>(names + <usize>d * 8 + <usize>i) : 0; }

/** The whole disk under `d` (itself, unless it is a partition). */
function root(d: i32): usize { const p = load<i32>(at32(parents, d)); return <usize>(p == NONE ? d : p); }

function setName(d: i32, name: string, suffix: i32): void {
  const at = names + <usize>d * 8;
  memory.fill(at, 0, 8);
  let n = 0;
  for (; n < name.length && n < 7; n++) store<u8>(at + <usize>n, <u8>name.charCodeAt(n));
  if (suffix >= 0 && n < 7) {
    if (suffix >= 10 && n < 6) { store<u8>(at + <usize>n, <u8>(0x30 + suffix / 10)); n++; }
    store<u8>(at + <usize>n, <u8>(0x30 + suffix % 10));
  }
}

/** Registers a whole disk; its index, or -1 when the table is full. */
export function addDisk(name: string, suffix: i32, sectorBytes: u32, sectors: u64, start: Start, poll: Poll, context: u32,
  queueDepth: u32, requestSectorsMax: u32, diskFlags: u8, schedule: iosched.Policy): i32 {
  if (disks == MAX_DISKS || queueDepth == 0 || requestSectorsMax == 0 || sectorBytes == 0) return NONE;
  const d = disks++;
  setName(d, name, suffix);
  store<u32>(at32(sectorSizes, d), sectorBytes);
  store<u64>(at64(capacities, d), sectors);
  store<i32>(at32(parents, d), NONE);
  store<u64>(at64(offsets, d), 0);
  store<u32>(at32(starts, d), <u32>changetype<usize>(start));
  store<u32>(at32(polls, d), <u32>changetype<usize>(poll));
  store<u32>(at32(contexts, d), context);
  store<u32>(at32(depths, d), queueDepth < <u32>MAX_PENDING ? queueDepth : <u32>MAX_PENDING);
  store<u32>(at32(maxSectors, d), requestSectorsMax);
  store<u8>(<usize>d + flags, diskFlags);
  store<u8>(<usize>d + policies, <u8>schedule);
  store<u32>(at32(inFlight, d), 0);
  store<u64>(at64(heads, d), 0);
  store<u32>(at32(pendingCounts, d), 0);
  store<u8>(<usize>d + dispatching, 0);
  store<u64>(at64(completedCounts, d), 0);
  store<u64>(at64(errorCounts, d), 0);
  store<i32>(at32(dmaDevices, d), NONE);
  events.bus.publishRetained(events.bus.Topic.Device, events.kinds.DeviceKind.DiskAdded, <u64>d, sectors);
  return d;
}

/** Names the PCI function (registry index) whose DMA moves whole disk `d`'s
 *  data: each request's buffer is then mapped for it (devices/dma.ts). */
export function setDmaDevice(d: i32, pciIndex: i32): void {
  if (validDisk(d) && parent(d) == NONE) store<i32>(at32(dmaDevices, d), pciIndex);
}

/** Registers partition `number` of disk `whole`: `sectors` from `first`. */
export function addPartition(whole: i32, number: i32, first: u64, sectors: u64): i32 {
  if (disks == MAX_DISKS || !validDisk(whole) || parent(whole) != NONE) return NONE;
  if (first >= capacity(whole) || sectors > capacity(whole) - first) return NONE;
  const d = disks++;
  const base = names + <usize>whole * 8;
  let n = 0;
  while (n < 6 && load<u8>(base + <usize>n) != 0) n++;
  memory.copy(names + <usize>d * 8, base, 8);
  // "vda" → "vda1"; a name ending in a digit ("nvme0n1") takes "p": "nvme0n1p1"
  const last = n > 0 ? load<u8>(base + <usize>n - 1) : 0;
  if (last >= 0x30 && last <= 0x39 && n < 6) { store<u8>(names + <usize>d * 8 + <usize>n, 0x70); n++; }
  if (n < 8) store<u8>(names + <usize>d * 8 + <usize>n, <u8>(0x30 + number % 10));
  store<u32>(at32(sectorSizes, d), sectorSize(whole));
  store<u64>(at64(capacities, d), sectors);
  store<i32>(at32(parents, d), whole);
  store<u64>(at64(offsets, d), first);
  store<u64>(at64(completedCounts, d), 0);
  store<u64>(at64(errorCounts, d), 0);
  store<i32>(at32(dmaDevices, d), NONE);
  events.bus.publishRetained(events.bus.Topic.Device, events.kinds.DeviceKind.PartitionAdded, <u64>d, (<u64>(<u32>whole) << 32) | <u64>(<u32>number));
  return d;
}

/** Chooses disk `d`'s I/O scheduler (a partition's is its disk's). */
export function setPolicy(d: i32, schedule: iosched.Policy): void {
  if (validDisk(d)) store<u8>(root(d) + policies, <u8>schedule);
}

/** Changes a whole disk's queue depth (1..64), e.g. to make the scheduler's
 *  order visible in a test. */
export function setDepth(d: i32, queueDepth: u32): void {
  if (validDisk(d) && queueDepth > 0) store<u32>(at32(depths, root(d)), queueDepth < <u32>MAX_PENDING ? queueDepth : <u32>MAX_PENDING);
}

// ---- request accessors for drivers
export function requestOp(r: i32): Op { return <Op>load<u8>(<usize>r + ops); }
/** The sector on the whole disk (partition offsets already applied). */
export function requestSector(r: i32): u64 { return load<u64>(at64(requestSectors, r)); }
export function requestCount(r: i32): u32 { return load<u32>(at32(requestCounts, r)); }
export function requestBuffer(r: i32): u64 { return load<u64>(at64(buffers, r)); }
export function requestTag(r: i32): i32 { return load<i32>(at32(tags, r)); }
export function setRequestTag(r: i32, tag: i32): void { store<i32>(at32(tags, r), tag); }
export function status(r: i32): i32 { return load<i32>(at32(statuses, r)); }
export function done(r: i32): bool { return status(r) != PENDING; }

/** A request for `count` sectors of disk `d` from `sector` to or from physical
 *  `buffer`: checked (InvalidArgument past the end or empty, PermissionDenied
 *  writing a read-only disk, NotSupported flushing one that cannot), queued and
 *  started when the disk has room. Its id, or -Errno. */
export function submit(d: i32, op: Op, sector: u64, count: u32, buffer: u64): i32 {
  return enqueue(d, op, sector, count, buffer, true);
}

/** For the IOMMU test only: a request whose buffer is NOT mapped for the device
 *  (its DMA must be blocked). */
export function submitUnmappedForTest(d: i32, sector: u64, count: u32, buffer: u64): i32 {
  return enqueue(d, Op.Read, sector, count, buffer, false);
}

function bytesOf(r: i32): u64 { return <u64>requestCount(r) * <u64>sectorSize(load<i32>(at32(diskOf, r))); }

function enqueue(d: i32, op: Op, sector: u64, count: u32, buffer: u64, mapBuffer: bool): i32 {
  if (!validDisk(d)) return -(<i32>Errno.NotFound);
  if (op == Op.Flush) {
    if (!canFlush(d)) return -(<i32>Errno.NotSupported);
  } else {
    if (count == 0 || count > maxRequestSectors(d) || sector >= capacity(d) || <u64>count > capacity(d) - sector) return -(<i32>Errno.InvalidArgument);
    if (op == Op.Write && readOnly(d)) return -(<i32>Errno.PermissionDenied);
  }
  const whole = <i32>root(d);
  const pciIndex = load<i32>(at32(dmaDevices, whole));
  let bus = buffer;
  const bytes = <u64>count * <u64>sectorSize(d);
  if (mapBuffer && op != Op.Flush && pciIndex != NONE) {
    bus = dma.map(pciIndex, buffer, bytes, op == Op.Read);     // a read: the device writes it
    if (bus == dma.MAP_FAILED) return -(<i32>Errno.ResourceExhausted);
  }
  const flagsSaved = cpu.saveInterrupts();
  if (<i32>load<u32>(at32(pendingCounts, whole)) == MAX_PENDING) {
    cpu.restoreInterrupts(flagsSaved);
    unmapIf(pciIndex, mapBuffer && op != Op.Flush, bus, bytes);
    return -(<i32>Errno.ResourceExhausted);
  }
  let r = 0;
  while (r < MAX_REQUESTS && load<u8>(<usize>r + used) != 0) r++;
  if (r == MAX_REQUESTS) {
    cpu.restoreInterrupts(flagsSaved);
    unmapIf(pciIndex, mapBuffer && op != Op.Flush, bus, bytes);
    return -(<i32>Errno.ResourceExhausted);
  }
  store<u8>(<usize>r + used, 1);
  store<u8>(<usize>r + mapped, mapBuffer && op != Op.Flush && pciIndex != NONE ? 1 : 0);
  store<u8>(<usize>r + abandoned, 0);
  store<u8>(<usize>r + ops, <u8>op);
  store<i32>(at32(diskOf, r), d);
  store<u64>(at64(requestSectors, r), op == Op.Flush ? 0 : sector + offset(d));
  store<u32>(at32(requestCounts, r), op == Op.Flush ? 0 : count);
  store<u64>(at64(buffers, r), bus);
  store<i32>(at32(statuses, r), PENDING);
  store<u64>(at64(deadlines, r), clock.nanoseconds() + (op == Op.Read ? READ_DEADLINE_NS : WRITE_DEADLINE_NS));
  store<i32>(at32(waiters, r), NONE);
  store<i32>(at32(tags, r), NONE);
  const n = <i32>load<u32>(at32(pendingCounts, whole));
  store<i32>(pendingIds + (<usize>whole * MAX_PENDING + <usize>n) * 4, r);
  store<u32>(at32(pendingCounts, whole), n + 1);
  dispatch(whole);
  cpu.restoreInterrupts(flagsSaved);
  return r;
}

function startOf(d: i32): Start { return changetype<Start>(<usize>load<u32>(at32(starts, d))); }
function pollOf(d: i32): Poll { return changetype<Poll>(<usize>load<u32>(at32(polls, d))); }

/** Starts what the scheduler picks while the disk has room. Interrupts off. A
 *  driver that completes inside start() re-enters through complete(), which
 *  then leaves the starting to this loop. */
function dispatch(d: i32): void {
  if (load<u8>(<usize>d + dispatching) != 0) return;
  store<u8>(<usize>d + dispatching, 1);
  const list = pendingIds + <usize>d * MAX_PENDING * 4;
  while (load<u32>(at32(inFlight, d)) < load<u32>(at32(depths, d))) {
    const n = <i32>load<u32>(at32(pendingCounts, d));
    if (n == 0) break;
    for (let i = 0; i < n; i++) {
      const r = load<i32>(list + <usize>i * 4);
      store<u64>(pickSectors + <usize>i * 8, requestSector(r));
      store<u64>(pickDeadlines + <usize>i * 8, load<u64>(at64(deadlines, r)));
      store<u8>(pickFlushes + <usize>i, requestOp(r) == Op.Flush ? 1 : 0);
    }
    const pick = iosched.pick(policy(d), n, pickSectors, pickDeadlines, pickFlushes, load<u64>(at64(heads, d)), clock.nanoseconds());
    if (pick < 0) break;
    const r = load<i32>(list + <usize>pick * 4);
    if (requestOp(r) == Op.Flush && load<u32>(at32(inFlight, d)) != 0) break;   // a barrier: after what went before it is done
    memory.copy(list + <usize>pick * 4, list + <usize>(pick + 1) * 4, <usize>(n - pick - 1) * 4);
    store<u32>(at32(pendingCounts, d), n - 1);
    store<u32>(at32(inFlight, d), load<u32>(at32(inFlight, d)) + 1);
    if (requestOp(r) != Op.Flush) store<u64>(at64(heads, d), requestSector(r) + <u64>requestCount(r));
    const started = startOf(d)(load<u32>(at32(contexts, d)), r);
    if (started != Errno.Ok) finish(r, <i32>started);
    // a flush goes alone: nothing after it starts until it completes
    if (requestOp(r) == Op.Flush && !done(r)) break;
  }
  store<u8>(<usize>d + dispatching, 0);
}

/** Records the outcome and wakes the waiter. Interrupts off. */
function finish(r: i32, result: i32): void {
  const d = load<i32>(at32(diskOf, r));
  const whole = <i32>root(d);
  store<i32>(at32(statuses, r), result);
  store<u32>(at32(inFlight, whole), load<u32>(at32(inFlight, whole)) - 1);
  store<u64>(at64(completedCounts, d), completed(d) + 1);
  if (result != <i32>Errno.Ok) store<u64>(at64(errorCounts, d), errors(d) + 1);
  if (load<u8>(<usize>r + abandoned) != 0) { store<u8>(<usize>r + used, 0); return; }
  const waiter = load<i32>(at32(waiters, r));
  if (waiter != NONE) scheduler.wakeThread(waiter);
}

/** Called by the driver when request `r` is done (Errno.Ok or the error), from
 *  its interrupt handler or its poll(); starts what waits next. */
export function complete(r: i32, result: Errno): void {
  if (r < 0 || r >= MAX_REQUESTS || load<u8>(<usize>r + used) == 0 || done(r)) return;
  const flagsSaved = cpu.saveInterrupts();
  finish(r, <i32>result);
  dispatch(<i32>root(load<i32>(at32(diskOf, r))));
  cpu.restoreInterrupts(flagsSaved);
}

/** Waits for request `r` and frees it: its Errno. Asleep in the scheduler when
 *  the disk interrupts, polling the driver otherwise. A request that does not
 *  finish in time is abandoned (freed when the driver finally completes it) and
 *  the caller gets Timeout. */
export function wait(r: i32): Errno {
  if (r < 0 || r >= MAX_REQUESTS || load<u8>(<usize>r + used) == 0) return Errno.InvalidArgument;
  const d = <i32>root(load<i32>(at32(diskOf, r)));
  const start = clock.nanoseconds();
  const sleeps = interruptDriven(d) && scheduler.running();
  while (!done(r)) {
    const spent = clock.nanoseconds() - start;
    if (spent > WAIT_NS) {
      const flagsSaved = cpu.saveInterrupts();
      const late = !done(r);
      if (late) store<u8>(<usize>r + abandoned, 1);
      cpu.restoreInterrupts(flagsSaved);
      if (late) return Errno.Timeout;
      break;
    }
    if (sleeps) {
      cpu.disableInterrupts();
      if (!done(r)) {
        store<i32>(at32(waiters, r), scheduler.currentThread());
        scheduler.block(WAIT_NS - spent);
        store<i32>(at32(waiters, r), NONE);
      }
      cpu.enableInterrupts();
    } else {
      pollOf(d)(load<u32>(at32(contexts, d)));
      if (!done(r)) cpu.pause();
    }
  }
  const result = <Errno>status(r);
  if (load<u8>(<usize>r + mapped) != 0) dma.unmap(load<i32>(at32(dmaDevices, d)), requestBuffer(r), bytesOf(r));
  store<u8>(<usize>r + used, 0);
  return result;
}

function unmapIf(pciIndex: i32, wasMapped: bool, bus: u64, bytes: u64): void {
  if (wasMapped && pciIndex != NONE) dma.unmap(pciIndex, bus, bytes);
}

/** Requests in use (for tests: all are freed once waited for). */
export function requestsInUse(): i32 {
  let n = 0;
  for (let r = 0; r < MAX_REQUESTS; r++) if (load<u8>(<usize>r + used) != 0) n++;
  return n;
}
