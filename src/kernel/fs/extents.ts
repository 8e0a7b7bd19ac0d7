// extents.ts — where a file's blocks are: up to inode.MAX_EXTENTS runs (start,
// count) in the inode, in file order, no holes (a file of n bytes owns exactly
// ceil(n / 4096) blocks). Growing extends the last run when the next block is free,
// else starts a run; a file needing a 12th run is refused (ResourceExhausted).
import { Errno } from "../../abi";
import * as bitmap from "./bitmap";
import * as inode from "./inode";

/** Blocks the file at inode address `at` owns. */
export function blocks(at: usize): u32 {
  let total: u32 = 0;
  for (let i: u32 = 0; i < inode.extentCount(at); i++) total += inode.extentLength(at, i);
  return total;
}

let runLeft: u32 = 0;
/** After map(): how many blocks after the one returned follow it on the disk. */
export function contiguousAfter(): u32 { return runLeft; }

/** The disk block holding block `index` of the file, or 0 past its end. */
export function map(at: usize, index: u32): u32 {
  let base: u32 = 0;
  for (let i: u32 = 0; i < inode.extentCount(at); i++) {
    const length = inode.extentLength(at, i);
    if (index < base + length) { runLeft = base + length - index - 1; return inode.extentStart(at, i) + (index - base); }
    base += length;
  }
  runLeft = 0;
  return 0;
}

/** Adds up to `want` blocks to the end of the file (the inode is changed and
 *  put); how many, 0 on failure (error() says why). */
let lastError: Errno = Errno.Ok;
export function error(): Errno { return lastError; }
export function grow(at: usize, want: u32): u32 {
  const n = inode.extentCount(at);
  const lastEnd = n == 0 ? 0 : inode.extentStart(at, n - 1) + inode.extentLength(at, n - 1);
  if (n == inode.MAX_EXTENTS) {
    // only an extension of the last run is possible
    if (bitmap.used(lastEnd) != 0) { lastError = Errno.ResourceExhausted; return 0; }
  }
  const start = bitmap.allocate(lastEnd, want);
  if (start == 0) { lastError = bitmap.error(); return 0; }
  const got = bitmap.allocated();
  if (n > 0 && start == lastEnd) {
    store<u32>(at + inode.EXTENTS + <usize>(n - 1) * 8 + 4, inode.extentLength(at, n - 1) + got);
  } else if (n < inode.MAX_EXTENTS) {
    store<u32>(at + inode.EXTENTS + <usize>n * 8, start);
    store<u32>(at + inode.EXTENTS + <usize>n * 8 + 4, got);
    store<u16>(at + inode.EXTENT_COUNT, <u16>(n + 1));
  } else {
    bitmap.release(start, got);
    lastError = Errno.ResourceExhausted;
    return 0;
  }
  inode.put(at);
  return got;
}

/** Drops the file's blocks from block `keep` on (freed in the bitmap). */
export function shrink(at: usize, keep: u32): Errno {
  let base: u32 = 0;
  let kept: u32 = 0;
  for (let i: u32 = 0; i < inode.extentCount(at); i++) {
    const start = inode.extentStart(at, i);
    const length = inode.extentLength(at, i);
    if (base + length <= keep) { kept = i + 1; base += length; continue; }
    const stay = keep > base ? keep - base : 0;
    const result = bitmap.release(start + stay, length - stay);
    if (result != Errno.Ok) return result;
    if (stay > 0) { store<u32>(at + inode.EXTENTS + <usize>i * 8 + 4, stay); kept = i + 1; }
    else { store<u64>(at + inode.EXTENTS + <usize>i * 8, 0); }
    base += length;
  }
  store<u16>(at + inode.EXTENT_COUNT, <u16>kept);
  inode.put(at);
  return Errno.Ok;
}
