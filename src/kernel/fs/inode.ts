// inode.ts — the inode table: 128-byte inodes, 32 to a block, each with its own
// CRC-32C (sealed whenever it changes). Inode 0 is never used; 1 is the root
// directory. A free inode is all zeros. Addresses returned point into the cache
// (cache.ts says how long they stay valid).
//
//   0 kind u16 (0 free, 1 file, 2 directory)  2 links u16  4 extent count u16
//   6 flags u16 (1: indirect extents)   8 size u64   16 parent u32 (its directory)
//  20 generation u32   24 modified ns u64   32 extents: 10 × (start u32, count u32),
// 112 the indirect extent block u32 (extents.ts), 116 zero
// 120 owner u32 (the agent charged for its blocks)   124 crc32c of bytes 0..124
import { Errno } from "../../abi";
import * as cache from "./cache";
import * as crc32c from "./crc32c";
import { INODE_BYTES, INODES_PER_BLOCK } from "./superblock";
import * as report from "./report";
import * as volume from "./volume";

export const enum Kind { Free = 0, File = 1, Directory = 2 }
export const KIND: usize = 0;
export const LINKS: usize = 2;
export const EXTENT_COUNT: usize = 4;
export const FLAGS: usize = 6;
/** Flags: 1 indirect extents (extents.ts); SHARED: its blocks may have other
 *  owners (copy before writing in place); FROZEN: part of a snapshot, read-only. */
export const FLAG_SHARED: u16 = 2;
export const FLAG_FROZEN: u16 = 4;
@inline export function flags(at: usize): u16 { return load<u16>(at + FLAGS); }
export const SIZE: usize = 8;
export const PARENT: usize = 16;
export const GENERATION: usize = 20;
export const MODIFIED: usize = 24;
export const EXTENTS: usize = 32;
export const OWNER: usize = 120;
const CRC: usize = 124;

let lastError: Errno = Errno.Ok;
let hint: u32 = 2;
let generation: u32 = 1;
export function error(): Errno { return lastError; }
/** At mount: generations continue above every one on the disk, so an inode number
 *  reused is never the same (inode, generation) pair as before. */
export function seedGeneration(next: u32): void { generation = next == 0 ? 1 : next; }

function blockOf(ino: u32): u32 { return volume.inodeStart() + ino / INODES_PER_BLOCK; }

/** Whether an inode's bytes check out: all zeros (free) or a matching CRC. */
export function valid(at: usize): bool {
  if (load<u16>(at + KIND) == Kind.Free) {
    for (let i: usize = 0; i < INODE_BYTES; i += 8) if (load<u64>(at + i) != 0) return false;
    return true;
  }
  return load<u32>(at + CRC) == crc32c.checksum(at, CRC);
}

/** The cached inode `ino`, checked; 0 when out of range, unreadable or corrupt. */
export function get(ino: u32): usize {
  if (ino == 0 || ino >= volume.inodes()) { lastError = Errno.InvalidArgument; return 0; }
  const block = cache.get(blockOf(ino), cache.Kind.Plain);
  if (block == 0) { lastError = cache.error(); return 0; }
  const at = block + <usize>(ino % INODES_PER_BLOCK) * INODE_BYTES;
  if (!valid(at)) { lastError = Errno.Malformed; report.inodeChecksum(ino); return 0; }
  return at;
}

/** Seals inode `at` after a change and adds its block to the transaction. */
export function put(at: usize): void {
  if (load<u16>(at + KIND) != Kind.Free) store<u32>(at + CRC, crc32c.checksum(at, CRC));
  cache.dirty(at & ~(<usize>4095));
}

@inline export function kind(at: usize): Kind { return <Kind>load<u16>(at + KIND); }
@inline export function size(at: usize): u64 { return load<u64>(at + SIZE); }
@inline export function parent(at: usize): u32 { return load<u32>(at + PARENT); }
@inline export function extentCount(at: usize): u32 { return <u32>load<u16>(at + EXTENT_COUNT); }

/** A free inode made `kind` in directory `parent`, owned by `owner`; its number, or 0. */
export function allocate(kind: Kind, parentIno: u32, owner: u32, now: u64): u32 {
  const total = volume.inodes();
  let ino = hint;
  for (let scanned: u32 = 0; scanned < total; scanned++) {
    if (ino < 2 || ino >= total) ino = 2;
    const at = get(ino);
    if (at == 0) return 0;
    if (load<u16>(at + KIND) == Kind.Free) {
      memory.fill(at, 0, INODE_BYTES);
      store<u16>(at + KIND, <u16>kind);
      store<u16>(at + LINKS, 1);
      store<u32>(at + PARENT, parentIno);
      store<u32>(at + GENERATION, generation++);
      store<u64>(at + MODIFIED, now);
      store<u32>(at + OWNER, owner);
      put(at);
      hint = ino + 1;
      return ino;
    }
    ino++;
  }
  lastError = Errno.ResourceExhausted;
  return 0;
}

/** Returns inode `at` (its blocks already released) to the free pool. */
export function release(at: usize): void {
  memory.fill(at, 0, INODE_BYTES);
  put(at);
}

/** The root directory, written by mkfs. */
export function formatRoot(at: usize): void {
  memory.fill(at, 0, INODE_BYTES);
  store<u16>(at + KIND, <u16>Kind.Directory);
  store<u16>(at + LINKS, 1);
  store<u32>(at + PARENT, 1);
  store<u32>(at + GENERATION, 1);
  store<u32>(at + CRC, crc32c.checksum(at, CRC));
}
