// virtqueue.ts — a split virtqueue (virtio spec 1.2 §2.7) in one physically
// contiguous frame block, shared by every virtio driver:
//   descriptors  16 × size : addr u64 | len u32 | flags u16 | next u16
//   available     4 + 2 × size + 2: flags u16 | idx u16 | ring[size] u16 | used_event u16
//   used (4-aligned) 4 + 8 × size + 2: flags u16 | idx u16 | ring[size] { id u32, len u32 } | avail_event u16
// The driver offers chains, rings the doorbell, and reaps what the device used.
// With VIRTIO_F_EVENT_IDX (§2.7.10) each side says how far the other may run
// before it wants a doorbell or an interrupt, so a busy queue needs few of
// either. A queue given an interrupt vector (MSI-X, see transport.ts) lets its
// waiter sleep in the scheduler until the device interrupts; one without is polled.
import { Errno } from "../../../abi";
import { cpu } from "../../../hal";
import * as clock from "../../clock";
import * as dma from "../dma";
import { frames } from "../../memory";
import { DIRECT_MAP_BASE } from "../../memory/layout";
import * as physical from "../../physical";
import * as vectors from "../../interrupts/vectors";
import * as apic from "../../platform/apic";
import * as scheduler from "../../sched/scheduler";
import * as msi from "../msi";
import * as transport from "./transport";

export const DESC_WRITE: u16 = 2;          // the device writes this buffer
const DESCRIPTOR_BYTES: u64 = 16;
const MAX_SIZE: u16 = 256;
const WAIT_NS: u64 = 1_000_000_000;

@unmanaged export class Queue {
  base: u64;          // physical
  size: u16;
  descriptors: u64;   // physical addresses of the three areas
  available: u64;
  used: u64;
  notify: u64;        // virtual address to write the queue index to
  index: u16;
  nextAvailable: u16;
  lastUsed: u16;
  eventIndex: bool;   // VIRTIO_F_EVENT_IDX negotiated
  kicked: u16;        // nextAvailable at the last doorbell
  vector: u32;        // interrupt vector (0: polled)
  waiter: i32;        // thread asleep in waitUsed, or -1
  interrupts: u32;    // interrupts taken
  doorbells: u32;     // doorbells rung (event index skips some)
  usedId: u32;        // the last element reaped: its head descriptor
  usedLength: u32;    //   and the bytes the device wrote
}

export const NO_THREAD: i32 = -1;

/** Gives `queue` (index `index`) an interrupt: MSI-X entry index + 1 (entry 0 is
 *  left for configuration changes) on a fresh vector. The entry, or NO_MSIX
 *  when the device has no MSI-X, too few entries or no vector is free. */
function attachInterrupt(device: transport.Device, index: u16, queue: Queue, handler: vectors.Handler): u16 {
  const entry = <u32>index + 1;
  if (entry >= msi.msixEntries(device.pciIndex)) return transport.NO_MSIX;
  const vector = vectors.allocate();
  if (vector == 0) return transport.NO_MSIX;
  if (vectors.register(vector, handler, <u32>changetype<usize>(queue)) != Errno.Ok) {
    vectors.release(vector);
    return transport.NO_MSIX;
  }
  if (msi.enableMsix(device.pciIndex, entry, vector, apic.bootCpuApicId()) != Errno.Ok) {
    detachInterrupt(vector, queue, handler);
    return transport.NO_MSIX;
  }
  queue.vector = vector;
  return <u16>entry;
}

function detachInterrupt(vector: u32, queue: Queue, handler: vectors.Handler): void {
  vectors.unregister(vector, handler, <u32>changetype<usize>(queue));
  vectors.release(vector);
  queue.vector = 0;
}

/** Sets up queue `index` of `device` with at most MAX_SIZE entries, interrupting
 *  through MSI-X where the device offers it, polled where not. The interrupt runs
 *  `handler` with the Queue's address as context: by default interrupt(), which
 *  wakes a thread in waitPending(); a driver that completes requests itself in
 *  interrupt context gives its own. */
export function create(device: transport.Device, index: u16, queue: Queue, handler: vectors.Handler = interrupt): Errno {
  let size = transport.queueSize(device, index);
  if (size == 0) return Errno.NotSupported;           // a queue of size 0: refused
  if (size > MAX_SIZE) size = MAX_SIZE;
  const usedOffset = (DESCRIPTOR_BYTES * <u64>size + 6 + 2 * <u64>size + 3) & ~<u64>3;
  const bytes = usedOffset + 6 + 8 * <u64>size;
  const order = frames.orderFor(bytes);
  const base = order < 0 ? 0 : frames.alloc(<u32>order, frames.Owner.Kernel);
  if (base == 0) return Errno.ResourceExhausted;
  physical.zero(base, bytes);
  // The device reads the descriptors and the available ring and writes the used ring.
  const bus = dma.map(device.pciIndex, base, bytes, true);
  if (bus == dma.MAP_FAILED) { frames.free(base); return Errno.ResourceExhausted; }
  queue.base = base;
  queue.size = size;
  queue.descriptors = base;
  queue.available = base + DESCRIPTOR_BYTES * <u64>size;
  queue.used = base + usedOffset;
  queue.index = index;
  queue.nextAvailable = 0;
  queue.lastUsed = 0;
  queue.kicked = 0;
  queue.eventIndex = (device.features & transport.FEATURE_EVENT_INDEX) != 0;
  queue.vector = 0;
  queue.waiter = NO_THREAD;
  queue.interrupts = 0;
  queue.doorbells = 0;
  const entry = attachInterrupt(device, index, queue, handler);
  queue.notify = transport.enableQueue(device, index, size, bus, bus + (queue.available - base), bus + usedOffset, entry);
  if (entry != transport.NO_MSIX && transport.queueMsix(device, index) != entry) {
    msi.maskMsix(device.pciIndex, entry);
    detachInterrupt(queue.vector, queue, handler);   // the device would not take it: polled
  }
  return Errno.Ok;
}

export const DESC_NEXT: u16 = 1;          // the chain goes on at `next`

/** Fills descriptor `index`: one buffer (its bus address from dma.map, length, flags) and,
 *  with DESC_NEXT in `flags`, the descriptor that follows it in the chain. */
export function describe(queue: Queue, index: u16, address: u64, length: u32, flags: u16, next: u16): void {
  const descriptor = DIRECT_MAP_BASE + queue.descriptors + <u64>index * DESCRIPTOR_BYTES;
  cpu.store64(descriptor, address);
  cpu.store32(descriptor + 8, length);
  cpu.store16(descriptor + 12, flags);
  cpu.store16(descriptor + 14, next);
}

/** Puts the chain that starts at descriptor `head` in the available ring, then
 *  the index the device reads (x86 keeps the two stores in order). The device
 *  is not told until notify(), so several chains can share one doorbell. */
export function offer(queue: Queue, head: u16): void {
  const slot = <u64>(queue.nextAvailable % queue.size);
  cpu.store16(DIRECT_MAP_BASE + queue.available + 4 + slot * 2, head);
  queue.nextAvailable++;
  cpu.store16(DIRECT_MAP_BASE + queue.available + 2, queue.nextAvailable);
}

function availableEvent(queue: Queue): u64 { return DIRECT_MAP_BASE + queue.used + 4 + 8 * <u64>queue.size; }
function usedEvent(queue: Queue): u64 { return DIRECT_MAP_BASE + queue.available + 4 + 2 * <u64>queue.size; }

/** True when moving an index from `old` to `now` passes `event` (§2.7.10's
 *  vring_need_event, in 16-bit wrapping arithmetic). */
export function passes(event: u16, now: u16, old: u16): bool {
  return <u16>(now - event - 1) < <u16>(now - old);
}

/** Rings the queue's doorbell so the device looks at the available ring —
 *  unless, with the event index, the device said it does not need one yet. */
export function notify(queue: Queue): void {
  const old = queue.kicked;
  queue.kicked = queue.nextAvailable;
  if (queue.eventIndex) {
    cpu.memoryFence();                   // our idx store before the device's avail_event load
    if (!passes(cpu.load16(availableEvent(queue)), queue.nextAvailable, old)) return;
  }
  queue.doorbells++;
  cpu.store16(queue.notify, queue.index);
}

/** Offers one buffer on its own and rings the doorbell. */
export function post(queue: Queue, buffer: u64, length: u32, flags: u16): void {
  const slot = <u16>(queue.nextAvailable % queue.size);
  describe(queue, slot, buffer, length, flags, 0);
  offer(queue, slot);
  notify(queue);
}

/** Takes the next element the device has used, if there is one: its head
 *  descriptor and length land in usedId / usedLength. With the event index,
 *  also asks for an interrupt at the next element after it. */
export function reap(queue: Queue): bool {
  if (<u16>cpu.load16(DIRECT_MAP_BASE + queue.used + 2) == queue.lastUsed) return false;
  const slot = <u64>(queue.lastUsed % queue.size);
  const element = DIRECT_MAP_BASE + queue.used + 4 + slot * 8;
  queue.usedId = cpu.load32(element);
  queue.usedLength = cpu.load32(element + 4);
  queue.lastUsed++;
  if (queue.eventIndex) cpu.store16(usedEvent(queue), queue.lastUsed);
  return true;
}

/** True when the device has used something not yet reaped. Re-checks after
 *  publishing used_event, so an element that landed meanwhile is not missed. */
export function pending(queue: Queue): bool {
  if (<u16>cpu.load16(DIRECT_MAP_BASE + queue.used + 2) != queue.lastUsed) return true;
  if (!queue.eventIndex) return false;
  cpu.store16(usedEvent(queue), queue.lastUsed);
  cpu.memoryFence();
  return <u16>cpu.load16(DIRECT_MAP_BASE + queue.used + 2) != queue.lastUsed;
}

/** The queue's interrupt handler (context: the Queue's address): wakes the thread
 *  waiting on it. Reaping stays with that thread, so elements keep their order. */
export function interrupt(vector: u32, context: u32): void {
  const queue = changetype<Queue>(<usize>context);
  queue.interrupts++;
  if (queue.waiter != NO_THREAD) scheduler.wakeThread(queue.waiter);
}

/** Waits up to `timeoutNs` for the device to use something: asleep in the
 *  scheduler when the queue has an interrupt and threads are running, polling
 *  otherwise. False on timeout. */
export function waitPending(queue: Queue, timeoutNs: u64 = WAIT_NS): bool {
  const start = clock.nanoseconds();
  if (queue.vector != 0 && scheduler.running()) {
    while (true) {
      cpu.disableInterrupts();           // no interrupt between the check and the sleep
      if (pending(queue)) break;
      const spent = clock.nanoseconds() - start;
      if (spent >= timeoutNs) break;
      queue.waiter = scheduler.currentThread();
      scheduler.block(timeoutNs - spent);
      queue.waiter = NO_THREAD;
      cpu.enableInterrupts();
    }
    cpu.enableInterrupts();
    return pending(queue);
  }
  while (!pending(queue)) {
    if (clock.nanoseconds() - start > timeoutNs) return false;
    cpu.pause();
  }
  return true;
}

/** Waits for the device to return a buffer; the length it wrote, or -Errno.Timeout. */
export function waitUsed(queue: Queue): i64 {
  if (!waitPending(queue) || !reap(queue)) return -(<i64>Errno.Timeout);
  return <i64>queue.usedLength;
}
