// device.ts — the only way the file system reaches its disk: three function
// references (read, write, flush of whole 4 KiB blocks to and from kernel linear
// memory), set by whoever mounts or formats. The kernel binds them to the block
// layer (fs/disk.ts); the host tests and tools bind them to a disk in Node. Counts
// of each kind of I/O are kept for the benchmark and the tests.
import { Errno } from "../../abi";

export const BLOCK_BYTES: u32 = 4096;
export const BLOCK_SHIFT: u32 = 12;

export type Transfer = (block: u64, count: u32, buffer: usize) => Errno;
export type Barrier = () => Errno;

function unbound(block: u64, count: u32, buffer: usize): Errno { return Errno.NotReady; }
function unboundFlush(): Errno { return Errno.NotReady; }

let reader: Transfer = unbound;
let writer: Transfer = unbound;
let flusher: Barrier = unboundFlush;
let total: u64 = 0;              // the device's size in blocks
let reads: u64 = 0, writes: u64 = 0, flushes: u64 = 0;

export function bind(blocks: u64, read: Transfer, write: Transfer, flush: Barrier): void {
  total = blocks; reader = read; writer = write; flusher = flush;
}
export function unbind(): void { total = 0; reader = unbound; writer = unbound; flusher = unboundFlush; }
export function blocks(): u64 { return total; }

export function read(block: u64, count: u32, buffer: usize): Errno {
  if (count == 0 || block >= total || <u64>count > total - block) return Errno.InvalidArgument;
  reads += count;
  return reader(block, count, buffer);
}
export function write(block: u64, count: u32, buffer: usize): Errno {
  if (count == 0 || block >= total || <u64>count > total - block) return Errno.InvalidArgument;
  writes += count;
  return writer(block, count, buffer);
}
/** A barrier: every write completed before it is durable when it returns Ok. */
export function flush(): Errno { flushes++; return flusher(); }

export function readCount(): u64 { return reads; }
export function writeCount(): u64 { return writes; }
export function flushCount(): u64 { return flushes; }
