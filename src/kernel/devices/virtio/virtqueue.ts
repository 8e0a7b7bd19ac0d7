// virtqueue.ts — a split virtqueue (virtio spec 1.2 §2.7) in one physically
// contiguous frame block, shared by every virtio driver:
//   descriptors  16 × size : addr u64 | len u32 | flags u16 | next u16
//   available     4 + 2 × size (+2): flags u16 | idx u16 | ring[size] u16
//   used (4-aligned) 4 + 8 × size (+2): flags u16 | idx u16 | ring[size] { id u32, len u32 }
// Polled: the driver posts buffers, notifies, and waits for the used index to move.
import { Errno } from "../../../abi";
import { cpu } from "../../../hal";
import * as clock from "../../clock";
import * as dma from "../dma";
import { frames } from "../../memory";
import { DIRECT_MAP_BASE } from "../../memory/layout";
import * as physical from "../../physical";
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
}

/** Sets up queue `index` of `device` with at most MAX_SIZE entries. */
export function create(device: transport.Device, index: u16, queue: Queue): Errno {
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
  queue.notify = transport.enableQueue(device, index, size, bus, bus + (queue.available - base), bus + usedOffset);
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

/** Rings the queue's doorbell: the device looks at the available ring. */
export function notify(queue: Queue): void {
  cpu.store16(queue.notify, queue.index);
}

/** Offers one buffer on its own and rings the doorbell. */
export function post(queue: Queue, buffer: u64, length: u32, flags: u16): void {
  const slot = <u16>(queue.nextAvailable % queue.size);
  describe(queue, slot, buffer, length, flags, 0);
  offer(queue, slot);
  notify(queue);
}

/** Waits for the device to return a buffer; the length it wrote, or -Errno.Timeout. */
export function waitUsed(queue: Queue): i64 {
  const start = clock.nanoseconds();
  while (<u16>cpu.load16(DIRECT_MAP_BASE + queue.used + 2) == queue.lastUsed) {
    if (clock.nanoseconds() - start > WAIT_NS) return -(<i64>Errno.Timeout);
    cpu.pause();
  }
  const slot = <u64>(queue.lastUsed % queue.size);
  const length = cpu.load32(DIRECT_MAP_BASE + queue.used + 4 + slot * 8 + 4);
  queue.lastUsed++;
  return <i64>length;
}
