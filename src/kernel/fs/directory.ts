// directory.ts — directories: the directory's file blocks hold 63 entries of 64
// bytes each; the 64th slot is the block's trailer, whose last 4 bytes are a
// CRC-32C of the block (sealed at commit, checked when read). No "." or ".."
// entries: each directory inode records its parent instead.
//
//   entry: 0 inode u32 (0 = empty)  4 kind u8  5 name length u8  6 name[58]
import { Errno } from "../../abi";
import * as cache from "./cache";
import { BLOCK_BYTES } from "./device";
import * as extents from "./extents";
import * as inode from "./inode";

export const ENTRY_BYTES: u32 = 64;
export const ENTRIES_PER_BLOCK: u32 = BLOCK_BYTES / ENTRY_BYTES - 1;
export const NAME_MAX: u32 = 58;
const NAME: usize = 6;

let lastError: Errno = Errno.Ok;
let foundKind: u8 = 0;
export function error(): Errno { return lastError; }
export function lastKind(): u8 { return foundKind; }

/** A valid name: 1..NAME_MAX bytes, no '/' or NUL, not "." or "..". */
export function validName(name: usize, length: u32): bool {
  if (length == 0 || length > NAME_MAX) return false;
  for (let i: u32 = 0; i < length; i++) { const c = load<u8>(name + i); if (c == 0x2f || c == 0) return false; }
  if (load<u8>(name) == 0x2e && (length == 1 || (length == 2 && load<u8>(name + 1) == 0x2e))) return false;
  return true;
}

function sameName(entry: usize, name: usize, length: u32): bool {
  if (<u32>load<u8>(entry + 5) != length) return false;
  for (let i: u32 = 0; i < length; i++) if (load<u8>(entry + NAME + i) != load<u8>(name + i)) return false;
  return true;
}

/** The block of directory `dir` holding its `index`-th block, read and checked; 0 on error. */
function dirBlock(dir: u32, index: u32): usize {
  const at = inode.get(dir);
  if (at == 0) { lastError = inode.error(); return 0; }
  const block = extents.map(at, index);
  if (block == 0) { lastError = Errno.NotFound; return 0; }
  const data = cache.get(block, cache.Kind.Sealed);
  if (data == 0) lastError = cache.error();
  return data;
}

let foundBlock: usize = 0;
let foundSlot: u32 = 0;

/** The inode named `name` in directory `dir`, or 0 (error(): NotFound or why). */
export function lookup(dir: u32, name: usize, length: u32): u32 {
  const at = inode.get(dir);
  if (at == 0) { lastError = inode.error(); return 0; }
  if (inode.kind(at) != inode.Kind.Directory) { lastError = Errno.InvalidArgument; return 0; }
  const count = extents.blocks(at);
  for (let b: u32 = 0; b < count; b++) {
    const data = dirBlock(dir, b);
    if (data == 0) return 0;
    for (let e: u32 = 0; e < ENTRIES_PER_BLOCK; e++) {
      const entry = data + <usize>e * ENTRY_BYTES;
      const ino = load<u32>(entry);
      if (ino != 0 && sameName(entry, name, length)) {
        foundBlock = data; foundSlot = e; foundKind = load<u8>(entry + 4);
        return ino;
      }
    }
  }
  lastError = Errno.NotFound;
  return 0;
}

/** Adds entry `name` → `ino` (of `kind`) to directory `dir` (the name is not
 *  there: the caller looked). Grows the directory by a block when it is full. */
export function add(dir: u32, name: usize, length: u32, ino: u32, kind: inode.Kind): Errno {
  let at = inode.get(dir);
  if (at == 0) return inode.error();
  const count = extents.blocks(at);
  let target: usize = 0;
  let slot: u32 = 0;
  for (let b: u32 = 0; b < count && target == 0; b++) {
    const data = dirBlock(dir, b);
    if (data == 0) return lastError;
    for (let e: u32 = 0; e < ENTRIES_PER_BLOCK; e++) {
      if (load<u32>(data + <usize>e * ENTRY_BYTES) == 0) { target = data; slot = e; break; }
    }
  }
  if (target == 0) {
    at = inode.get(dir);
    if (at == 0) return inode.error();
    if (extents.grow(at, 1) == 0) return extents.error();
    store<u64>(at + inode.SIZE, <u64>(count + 1) * BLOCK_BYTES);
    inode.put(at);
    target = cache.fresh(extents.map(at, count));
    if (target == 0) return cache.error();
    slot = 0;
  }
  const entry = target + <usize>slot * ENTRY_BYTES;
  store<u32>(entry, ino);
  store<u8>(entry + 4, <u8>kind);
  store<u8>(entry + 5, <u8>length);
  memory.fill(entry + NAME, 0, NAME_MAX);
  memory.copy(entry + NAME, name, length);
  cache.dirty(target);
  return Errno.Ok;
}

/** Removes entry `name` from directory `dir`; the inode it named, or 0. */
export function remove(dir: u32, name: usize, length: u32): u32 {
  const ino = lookup(dir, name, length);
  if (ino == 0) return 0;
  memory.fill(foundBlock + <usize>foundSlot * ENTRY_BYTES, 0, ENTRY_BYTES);
  cache.dirty(foundBlock);
  return ino;
}

/** Whether directory `dir` has no entries (-1 on error). */
export function empty(dir: u32): i32 {
  const at = inode.get(dir);
  if (at == 0) { lastError = inode.error(); return -1; }
  const count = extents.blocks(at);
  for (let b: u32 = 0; b < count; b++) {
    const data = dirBlock(dir, b);
    if (data == 0) return -1;
    for (let e: u32 = 0; e < ENTRIES_PER_BLOCK; e++) if (load<u32>(data + <usize>e * ENTRY_BYTES) != 0) return 0;
  }
  return 1;
}

/** Directory listing: the first entry at or after position `from` (block ×
 *  ENTRIES_PER_BLOCK + slot); its position, or -1 at the end, or -(Errno) - 2.
 *  The entry is copied to `out` (64 bytes, the on-disk layout). */
export function next(dir: u32, from: u32, out: usize): i64 {
  const at = inode.get(dir);
  if (at == 0) return -2 - <i64>inode.error();
  if (inode.kind(at) != inode.Kind.Directory) return -2 - <i64>Errno.InvalidArgument;
  const count = extents.blocks(at);
  for (let b = from / ENTRIES_PER_BLOCK; b < count; b++) {
    const data = dirBlock(dir, b);
    if (data == 0) return -2 - <i64>lastError;
    for (let e = b == from / ENTRIES_PER_BLOCK ? from % ENTRIES_PER_BLOCK : 0; e < ENTRIES_PER_BLOCK; e++) {
      const entry = data + <usize>e * ENTRY_BYTES;
      if (load<u32>(entry) != 0) { memory.copy(out, entry, ENTRY_BYTES); return <i64>(b * ENTRIES_PER_BLOCK + e); }
    }
  }
  return -1;
}
