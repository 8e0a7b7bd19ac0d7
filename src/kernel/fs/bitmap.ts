// bitmap.ts — free-space management: one bit per block (set = in use) in the
// bitmap blocks, each sealed with a CRC-32C in its last 4 bytes (by the journal at
// commit). Allocation takes the first free run at or after a goal (the block after
// a file's last extent, so files stay contiguous), at most `want` blocks long. The
// free count is counted at mount and kept current here.
import { Errno } from "../../abi";
import * as cache from "./cache";
import * as journal from "./journal";
import * as share from "./share";
import { BITS_PER_BITMAP_BLOCK } from "./superblock";
import * as volume from "./volume";

let freeCount: u32 = 0;
let hint: u32 = 0;
let runLength: u32 = 0;
let lastError: Errno = Errno.Ok;

export function free(): u32 { return freeCount; }
export function error(): Errno { return lastError; }
/** The length of the run the last allocate() returned. */
export function allocated(): u32 { return runLength; }

function bitBlock(block: u32): usize {
  return cache.get(volume.bitmapStart() + block / BITS_PER_BITMAP_BLOCK, cache.Kind.Sealed);
}

/** Whether `block` is marked in use; -1 when its bitmap block cannot be read. */
export function used(block: u32): i32 {
  if (block >= volume.blocks()) return 1;
  const at = bitBlock(block);
  if (at == 0) return -1;
  const bit = block % BITS_PER_BITMAP_BLOCK;
  return (load<u8>(at + <usize>(bit >> 3)) >> <u8>(bit & 7)) & 1;
}

function set(block: u32, value: bool): bool {
  const at = bitBlock(block);
  if (at == 0) return false;
  const bit = block % BITS_PER_BITMAP_BLOCK;
  const byte = at + <usize>(bit >> 3);
  const mask = <u8>(<u32>1 << (bit & 7));
  store<u8>(byte, value ? load<u8>(byte) | mask : load<u8>(byte) & ~mask);
  cache.dirty(at);
  return true;
}

/** Counts free blocks (at mount); false when a bitmap block fails its CRC. */
export function count(): bool {
  let free: u32 = 0;
  for (let b: u32 = 0; b < volume.blocks(); b++) {
    const u = used(b);
    if (u < 0) return false;
    if (u == 0) free++;
  }
  freeCount = free;
  hint = volume.dataStart();
  return true;
}

/** Allocates a run of 1..want free blocks, the first at or after `goal` when it can;
 *  its first block, with allocated() its length; 0 when the disk is full or the
 *  bitmap cannot be read (error() says which). */
export function allocate(goal: u32, want: u32): u32 {
  runLength = 0;
  if (freeCount == 0) { lastError = Errno.ResourceExhausted; return 0; }
  const first = volume.dataStart();
  const end = volume.blocks();
  let at = goal >= first && goal < end ? goal : (hint >= first && hint < end ? hint : first);
  for (let scanned: u32 = 0; scanned < end - first; scanned++) {
    const u = used(at);
    if (u < 0) { lastError = cache.error(); return 0; }
    if (u == 0) {
      let length: u32 = 0;
      while (length < want && at + length < end) {
        const v = used(at + length);
        if (v < 0) { lastError = cache.error(); return 0; }
        if (v != 0) break;
        if (!set(at + length, true)) { lastError = cache.error(); return 0; }
        length++;
      }
      runLength = length;
      freeCount -= length;
      hint = at + length;
      return at;
    }
    at++;
    if (at >= end) at = first;
  }
  lastError = Errno.ResourceExhausted;
  return 0;
}

/** Marks `count` blocks from `start` free again (committed at the operation's end). */
export function release(start: u32, count: u32): Errno {
  for (let i: u32 = 0; i < count; i++) {
    const block = start + i;
    if (block < volume.dataStart() || block >= volume.blocks()) continue;
    // a block another file (a snapshot) still owns only loses this owner
    const shared = share.extra(block);
    if (shared < 0) return cache.error();
    if (shared > 0) { const r = share.drop(block); if (r != Errno.Ok) return r; continue; }
    const u = used(block);
    if (u < 0) return cache.error();
    if (u == 1) { if (!set(block, false)) return cache.error(); freeCount++; }
  }
  journal.noteFreed();
  return Errno.Ok;
}
