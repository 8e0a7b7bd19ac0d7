// extents.ts — where a file's blocks are: runs (start, count) in file order, no
// holes (a file of n bytes owns exactly ceil(n / 4096) blocks). The first INLINE
// runs are in the inode; past them an indirect block (its number in the inode's
// last extent slot, flag INDIRECT) holds PER_BLOCK more, sealed with a CRC-32C
// like every metadata block. Growing extends the last run when the next block is
// free, else starts a run; a file needing more than MAX runs is refused
// (ResourceExhausted). The indirect block is owned by the file and freed with it.
import { Errno } from "../../abi";
import * as bitmap from "./bitmap";
import * as cache from "./cache";
import { BLOCK_BYTES } from "./device";
import * as inode from "./inode";

export const INLINE: u32 = 10;
export const PER_BLOCK: u32 = (BLOCK_BYTES - 4) / 8;
export const MAX: u32 = INLINE + PER_BLOCK;
const INDIRECT_AT: usize = inode.EXTENTS + <usize>INLINE * 8;
export const FLAG_INDIRECT: u16 = 1;

let lastError: Errno = Errno.Ok;
export function error(): Errno { return lastError; }

/** The file's indirect extent block, or 0. */
export function indirectBlock(at: usize): u32 {
  return (load<u16>(at + inode.FLAGS) & FLAG_INDIRECT) != 0 ? load<u32>(at + INDIRECT_AT) : 0;
}

/** The address of run `i`'s 8 bytes (in the inode or its indirect block), marked
 *  dirty when `change`; 0 when the indirect block is missing or unreadable. */
function slot(at: usize, i: u32, change: bool): usize {
  if (i < INLINE) return at + inode.EXTENTS + <usize>i * 8;
  const b = indirectBlock(at);
  if (b == 0) { lastError = Errno.Malformed; return 0; }
  const data = cache.get(b, cache.Kind.Sealed);
  if (data == 0) { lastError = cache.error(); return 0; }
  if (change) cache.dirty(data);
  return data + <usize>(i - INLINE) * 8;
}

export function start(at: usize, i: u32): u32 { const s = slot(at, i, false); return s == 0 ? 0 : load<u32>(s); }
export function length(at: usize, i: u32): u32 { const s = slot(at, i, false); return s == 0 ? 0 : load<u32>(s + 4); }

/** Blocks the file at inode address `at` owns (its indirect block not counted). */
export function blocks(at: usize): u32 {
  let total: u32 = 0;
  for (let i: u32 = 0; i < inode.extentCount(at); i++) total += length(at, i);
  return total;
}

let runLeft: u32 = 0;
/** After map(): how many blocks after the one returned follow it on the disk. */
export function contiguousAfter(): u32 { return runLeft; }

/** The disk block holding block `index` of the file, or 0 past its end. */
export function map(at: usize, index: u32): u32 {
  let base: u32 = 0;
  for (let i: u32 = 0; i < inode.extentCount(at); i++) {
    const n = length(at, i);
    if (n == 0) break;
    if (index < base + n) { runLeft = base + n - index - 1; return start(at, i) + (index - base); }
    base += n;
  }
  runLeft = 0;
  return 0;
}

/** Gives the file its indirect block when it has none (its 11th run is coming). */
function ensureIndirect(at: usize): bool {
  if (indirectBlock(at) != 0) return true;
  const b = bitmap.allocate(0, 1);
  if (b == 0) { lastError = bitmap.error(); return false; }
  const data = cache.fresh(b);
  if (data == 0) { bitmap.release(b, 1); lastError = cache.error(); return false; }
  cache.dirty(data);
  store<u32>(at + INDIRECT_AT, b);
  store<u32>(at + INDIRECT_AT + 4, 0);
  store<u16>(at + inode.FLAGS, load<u16>(at + inode.FLAGS) | FLAG_INDIRECT);
  inode.put(at);
  return true;
}

/** Appends the run (`first`, `count`) of blocks the caller owns to the file's
 *  runs (extending the last when it ends at `first`); the inode is put. */
export function appendRun(at: usize, first: u32, count: u32): Errno {
  const n = inode.extentCount(at);
  if (n > 0) {
    const s = slot(at, n - 1, false);
    if (s == 0) return lastError;
    if (load<u32>(s) + load<u32>(s + 4) == first) {
      const w = slot(at, n - 1, true);
      store<u32>(w + 4, load<u32>(w + 4) + count);
      inode.put(at);
      return Errno.Ok;
    }
  }
  if (n >= MAX) return Errno.ResourceExhausted;
  if (n == INLINE && !ensureIndirect(at)) return lastError;
  const s = slot(at, n, true);
  if (s == 0) return lastError;
  store<u32>(s, first);
  store<u32>(s + 4, count);
  store<u16>(at + inode.EXTENT_COUNT, <u16>(n + 1));
  inode.put(at);
  return Errno.Ok;
}

/** Adds up to `want` blocks to the end of the file (the inode is changed and
 *  put); how many, 0 on failure (error() says why). */
export function grow(at: usize, want: u32): u32 {
  const n = inode.extentCount(at);
  const lastEnd = n == 0 ? 0 : start(at, n - 1) + length(at, n - 1);
  if (n == MAX && bitmap.used(lastEnd) != 0) { lastError = Errno.ResourceExhausted; return 0; }
  if (n == INLINE && bitmap.used(lastEnd) != 0 && !ensureIndirect(at)) return 0;
  const first = bitmap.allocate(lastEnd, want);
  if (first == 0) { lastError = bitmap.error(); return 0; }
  const got = bitmap.allocated();
  const r = appendRun(at, first, got);
  if (r != Errno.Ok) { bitmap.release(first, got); lastError = r; return 0; }
  return got;
}

/** Forgets every run without freeing a block (their owner is changing hands);
 *  the indirect block, never shared, is freed. The inode is put. */
export function forgetRuns(at: usize): Errno {
  const indirect = indirectBlock(at);
  for (let i: usize = 0; i < 88; i += 8) store<u64>(at + inode.EXTENTS + i, 0);
  store<u16>(at + inode.EXTENT_COUNT, 0);
  store<u16>(at + inode.FLAGS, load<u16>(at + inode.FLAGS) & ~FLAG_INDIRECT);
  inode.put(at);
  return indirect != 0 ? bitmap.release(indirect, 1) : Errno.Ok;
}

/** Drops the file's blocks from block `keep` on (freed in the bitmap), and the
 *  indirect block once no run needs it. */
export function shrink(at: usize, keep: u32): Errno {
  let base: u32 = 0;
  let kept: u32 = 0;
  const count = inode.extentCount(at);
  for (let i: u32 = 0; i < count; i++) {
    const s = slot(at, i, true);
    if (s == 0) return lastError;
    const first = load<u32>(s);
    const n = load<u32>(s + 4);
    if (base + n <= keep) { kept = i + 1; base += n; continue; }
    const stay = keep > base ? keep - base : 0;
    const result = bitmap.release(first + stay, n - stay);
    if (result != Errno.Ok) return result;
    if (stay > 0) { store<u32>(s + 4, stay); kept = i + 1; }
    else store<u64>(s, 0);
    base += n;
  }
  store<u16>(at + inode.EXTENT_COUNT, <u16>kept);
  const indirect = indirectBlock(at);
  if (kept <= INLINE && indirect != 0) {
    const result = bitmap.release(indirect, 1);
    if (result != Errno.Ok) return result;
    store<u64>(at + INDIRECT_AT, 0);
    store<u16>(at + inode.FLAGS, load<u16>(at + inode.FLAGS) & ~FLAG_INDIRECT);
  }
  inode.put(at);
  return Errno.Ok;
}
