// files.ts — the operations on names and file contents: path resolution (relative
// to a base directory, so a capability's subtree is the root of what it can name;
// "." and ".." are not names here, so nothing escapes the base), create, read,
// write, truncate, unlink, rename, stat. Each changing operation reserves room in
// the running transaction first, so it lands in one transaction, whole or not at
// all. Data goes straight to the disk (ordered before the commit that points at it).
import { Errno } from "../../abi";
import * as clock from "../clock";
import * as bitmap from "./bitmap";
import * as cache from "./cache";
import * as device from "./device";
import { BLOCK_BYTES, BLOCK_SHIFT } from "./device";
import * as directory from "./directory";
import * as extents from "./extents";
import * as inode from "./inode";
import * as journal from "./journal";
import * as cow from "./cow";
import * as report from "./report";
import * as volume from "./volume";

const CHUNK_BLOCKS: u32 = 64;           // one write round: at most 256 KiB
const RESERVE_CREATE: i32 = 8;
const RESERVE_WRITE: i32 = 6;
const RESERVE_REMOVE: i32 = 20;
const scratch = memory.data(BLOCK_BYTES, BLOCK_BYTES);
const zeros = memory.data(BLOCK_BYTES, BLOCK_BYTES);

// ---- paths
let splitParent: u32 = 0;
let splitName: usize = 0;
let splitLength: u32 = 0;

/** Splits `path` (bytes; '/'-separated, relative to directory `base`) into its
 *  parent directory, walked, and its last name. */
function split(base: u32, path: usize, length: u32): Errno {
  let start: u32 = 0;
  while (start < length && load<u8>(path + start) == 0x2f) start++;
  let end = length;
  while (end > start && load<u8>(path + end - 1) == 0x2f) end--;
  if (start == end) return Errno.InvalidArgument;
  let dir = base;
  let i = start;
  while (true) {
    let j = i;
    while (j < end && load<u8>(path + j) != 0x2f) j++;
    if (!directory.validName(path + i, j - i)) return Errno.InvalidArgument;
    if (j == end) { splitParent = dir; splitName = path + i; splitLength = j - i; return Errno.Ok; }
    const child = directory.lookup(dir, path + i, j - i);
    if (child == 0) return directory.error();
    if (directory.lastKind() != <u8>inode.Kind.Directory) return Errno.InvalidArgument;
    dir = child;
    i = j;
    while (i < end && load<u8>(path + i) == 0x2f) i++;
  }
  return Errno.Ok;
}

/** The inode `path` names under `base` (an empty path: `base`), or -Errno. */
export function lookup(base: u32, path: usize, length: u32): i64 {
  if (!volume.mounted()) return -(<i64>Errno.NotReady);
  let only = true;
  for (let i: u32 = 0; i < length; i++) if (load<u8>(path + i) != 0x2f) only = false;
  if (only) return <i64>base;
  const r = split(base, path, length);
  if (r != Errno.Ok) return -(<i64>r);
  const ino = directory.lookup(splitParent, splitName, splitLength);
  return ino == 0 ? -(<i64>directory.error()) : <i64>ino;
}

function writable(): Errno {
  if (!volume.mounted()) return Errno.NotReady;
  return volume.readOnly() ? Errno.PermissionDenied : Errno.Ok;
}

/** Whether inode `ino` is part of a snapshot (read-only); true when unreadable too. */
export function frozen(ino: u32): bool {
  const at = inode.get(ino);
  return at == 0 || (inode.flags(at) & inode.FLAG_FROZEN) != 0;
}

/** Creates a file or directory at `path`; its inode, or -Errno (AlreadyExists). */
export function create(base: u32, path: usize, length: u32, kind: inode.Kind, owner: u32): i64 {
  let r = writable();
  if (r == Errno.Ok) r = journal.reserve(RESERVE_CREATE);
  if (r == Errno.Ok) r = split(base, path, length);
  if (r == Errno.Ok && frozen(splitParent)) r = Errno.PermissionDenied;
  if (r != Errno.Ok) return -(<i64>r);
  if (directory.lookup(splitParent, splitName, splitLength) != 0) return -(<i64>Errno.AlreadyExists);
  if (directory.error() != Errno.NotFound) return -(<i64>directory.error());
  const ino = inode.allocate(kind, splitParent, owner, clock.nanoseconds());
  if (ino == 0) return -(<i64>inode.error());
  r = directory.add(splitParent, splitName, splitLength, ino, kind);
  if (r != Errno.Ok) {
    const at = inode.get(ino);
    if (at != 0) inode.release(at);
    return -(<i64>r);
  }
  return <i64>ino;
}

/** Reads up to `length` bytes at `offset` of file `ino` into `buffer`; the count, or -Errno. */
export function read(ino: u32, offset: u64, buffer: usize, length: u32): i64 {
  if (!volume.mounted()) return -(<i64>Errno.NotReady);
  let at = inode.get(ino);
  if (at == 0) return -(<i64>inode.error());
  if (inode.kind(at) != inode.Kind.File) return -(<i64>Errno.InvalidArgument);
  const size = inode.size(at);
  if (offset >= size || length == 0) return 0;
  const end = offset + <u64>length < size ? offset + <u64>length : size;
  let pos = offset;
  while (pos < end) {
    at = inode.get(ino);
    if (at == 0) return -(<i64>inode.error());
    const index = <u32>(pos >> BLOCK_SHIFT);
    const disk = extents.map(at, index);
    if (disk == 0) return -(<i64>Errno.Malformed);
    const within = <u32>(pos & (BLOCK_BYTES - 1));
    if (within == 0 && end - pos >= BLOCK_BYTES) {
      let run = <u32>((end - pos) >> BLOCK_SHIFT);
      const contiguous = extents.contiguousAfter() + 1;
      if (run > contiguous) run = contiguous;
      if (run > CHUNK_BLOCKS) run = CHUNK_BLOCKS;
      const r = device.read(disk, run, buffer + <usize>(pos - offset));
      if (r != Errno.Ok) return -(<i64>r);
      pos += <u64>run << BLOCK_SHIFT;
    } else {
      const r = device.read(disk, 1, scratch);
      if (r != Errno.Ok) return -(<i64>r);
      let n = BLOCK_BYTES - within;
      if (<u64>n > end - pos) n = <u32>(end - pos);
      memory.copy(buffer + <usize>(pos - offset), scratch + within, n);
      pos += n;
    }
  }
  return <i64>(end - offset);
}

/** Writes `length` bytes from `buffer` at `offset` of file `ino` (growing it;
 *  a gap reads as zeros); the count written (short when the disk fills), or -Errno. */
export function write(ino: u32, offset: u64, buffer: usize, length: u32): i64 {
  const w = writable();
  if (w != Errno.Ok) return -(<i64>w);
  let at = inode.get(ino);
  if (at == 0) return -(<i64>inode.error());
  if (inode.kind(at) != inode.Kind.File) return -(<i64>Errno.InvalidArgument);
  if ((inode.flags(at) & inode.FLAG_FROZEN) != 0) return -(<i64>Errno.PermissionDenied);
  if (offset + <u64>length > (<u64>0xffffffff << BLOCK_SHIFT)) return -(<i64>Errno.InvalidArgument);
  if ((inode.flags(at) & inode.FLAG_SHARED) != 0) {
    const u = cow.unshare(ino);
    if (u != Errno.Ok) return -(<i64>u);
  }
  let done: u32 = 0;
  let failure = Errno.Ok;
  let failedAt: u32 = 0;
  while (done < length && failure == Errno.Ok) {
    failure = journal.reserve(RESERVE_WRITE);
    if (failure != Errno.Ok) break;
    at = inode.get(ino);
    if (at == 0) { failure = inode.error(); break; }
    const pos = offset + <u64>done;
    let wanted = offset + <u64>length;
    if (wanted - pos > <u64>(CHUNK_BLOCKS << BLOCK_SHIFT)) wanted = pos + <u64>(CHUNK_BLOCKS << BLOCK_SHIFT);
    const needBlocks = <u32>((wanted + BLOCK_BYTES - 1) >> BLOCK_SHIFT);
    const oldBlocks = extents.blocks(at);
    const oldSize = inode.size(at);
    let have = oldBlocks;
    let short = Errno.Ok;               // why the file could not grow as far as wanted
    while (have < needBlocks && cache.dirtyCount() < journal.MAX_TRANSACTION - 3) {
      const got = extents.grow(at, needBlocks - have);
      at = inode.get(ino);
      if (got == 0) { short = extents.error(); break; }
      have += got;
      if (at == 0) break;
    }
    if (at == 0) { failure = inode.error(); break; }
    if (have > oldBlocks) inode.put(at);
    let end = wanted;
    if (end > <u64>have << BLOCK_SHIFT) end = <u64>have << BLOCK_SHIFT;
    if (end <= pos) { failure = short != Errno.Ok ? short : Errno.ResourceExhausted; break; }
    // the old last block's bytes past the old end, when the write leaves a gap
    // after them, become file contents: zeros (a truncate left them as they were)
    const oldTail = <u32>(oldSize & (BLOCK_BYTES - 1));
    if (oldTail != 0 && pos > oldSize && (pos >> BLOCK_SHIFT) > (oldSize >> BLOCK_SHIFT)) {
      const disk = extents.map(at, <u32>(oldSize >> BLOCK_SHIFT));
      failure = device.read(disk, 1, scratch);
      if (failure == Errno.Ok) { memory.fill(scratch + oldTail, 0, BLOCK_BYTES - oldTail); failure = device.write(disk, 1, scratch); }
      if (failure != Errno.Ok) { failedAt = disk; break; }
    }
    // blocks newly added before the write's first block (a gap) read as zeros
    for (let b = oldBlocks; <u64>b < (pos >> BLOCK_SHIFT); b++) {
      const r = device.write(extents.map(at, b), 1, zeros);
      if (r != Errno.Ok) { failure = r; break; }
    }
    let p = pos;
    while (p < end && failure == Errno.Ok) {
      const index = <u32>(p >> BLOCK_SHIFT);
      const disk = extents.map(at, index);
      const within = <u32>(p & (BLOCK_BYTES - 1));
      if (within == 0 && end - p >= BLOCK_BYTES) {
        let run = <u32>((end - p) >> BLOCK_SHIFT);
        const contiguous = extents.contiguousAfter() + 1;
        if (run > contiguous) run = contiguous;
        failure = device.write(disk, run, buffer + <usize>(p - offset));
        if (failure != Errno.Ok) failedAt = disk;
        p += <u64>run << BLOCK_SHIFT;
      } else {
        // a partial block: what the file had there (zeros past its old end)
        const blockStart = <u64>index << BLOCK_SHIFT;
        if (index < oldBlocks && blockStart < oldSize) {
          failure = device.read(disk, 1, scratch);
          if (oldSize - blockStart < BLOCK_BYTES) memory.fill(scratch + <usize>(oldSize - blockStart), 0, BLOCK_BYTES - <u32>(oldSize - blockStart));
        } else memory.fill(scratch, 0, BLOCK_BYTES);
        let n = BLOCK_BYTES - within;
        if (<u64>n > end - p) n = <u32>(end - p);
        memory.copy(scratch + within, buffer + <usize>(p - offset), n);
        if (failure == Errno.Ok) failure = device.write(disk, 1, scratch);
        if (failure != Errno.Ok) failedAt = disk;
        p += n;
      }
    }
    journal.noteData();
    at = inode.get(ino);
    if (at == 0) { failure = inode.error(); break; }
    const written = failure == Errno.Ok ? end : p;   // on a failed write, not past what may be missing
    if (failure == Errno.Ok && written > inode.size(at)) store<u64>(at + inode.SIZE, written);
    store<u64>(at + inode.MODIFIED, clock.nanoseconds());
    inode.put(at);
    if (failure == Errno.Ok) done += <u32>(end - pos);
    if (failure == Errno.Ok && short != Errno.Ok && done < length) failure = short;
  }
  if (failure == Errno.DeviceError) report.ioError(failedAt, true);
  const ended = journal.endOperation();
  if (done == 0 && failure != Errno.Ok) return -(<i64>failure);
  if (done == 0 && ended != Errno.Ok) return -(<i64>ended);
  return <i64>done;
}

/** Sets file `ino`'s size to `size` (only shrinks or keeps; growing is a write). */
export function truncate(ino: u32, size: u64): Errno {
  let r = writable();
  if (r == Errno.Ok) r = journal.reserve(RESERVE_REMOVE);
  if (r != Errno.Ok) return r;
  let at = inode.get(ino);
  if (at == 0) return inode.error();
  if (inode.kind(at) != inode.Kind.File || size > inode.size(at)) return Errno.InvalidArgument;
  if ((inode.flags(at) & inode.FLAG_FROZEN) != 0) return Errno.PermissionDenied;
  // the kept last block's tail is left as it is: bytes past the end are never read,
  // and a write that later extends the file zeroes them first (zeroTail)
  const keep = <u32>((size + BLOCK_BYTES - 1) >> BLOCK_SHIFT);
  r = extents.shrink(at, keep);
  if (r != Errno.Ok) return r;
  at = inode.get(ino);
  if (at == 0) return inode.error();
  store<u64>(at + inode.SIZE, size);
  store<u64>(at + inode.MODIFIED, clock.nanoseconds());
  inode.put(at);
  // committed now: a later write past the new end rewrites the last block in
  // place, and must not change bytes a committed, longer size still shows
  journal.noteFreed();
  return journal.endOperation();
}

function release(ino: u32): Errno {
  let at = inode.get(ino);
  if (at == 0) return inode.error();
  const r = extents.shrink(at, 0);
  if (r != Errno.Ok) return r;
  at = inode.get(ino);
  if (at == 0) return inode.error();
  inode.release(at);
  return Errno.Ok;
}

/** Removes `path` (a file, or an empty directory). */
export function unlink(base: u32, path: usize, length: u32): Errno {
  let r = writable();
  if (r == Errno.Ok) r = journal.reserve(RESERVE_REMOVE);
  if (r == Errno.Ok) r = split(base, path, length);
  if (r == Errno.Ok && frozen(splitParent)) r = Errno.PermissionDenied;
  if (r != Errno.Ok) return r;
  return removeEntry(splitParent, splitName, splitLength);
}

/** Removes entry `name` of directory `parent` (a file, or an empty directory). */
export function removeEntry(parent: u32, name: usize, nameLength: u32): Errno {
  const ino = directory.lookup(parent, name, nameLength);
  if (ino == 0) return directory.error();
  if (directory.lastKind() == <u8>inode.Kind.Directory) {
    const e = directory.empty(ino);
    if (e < 0) return directory.error();
    if (e == 0) return Errno.AlreadyExists;     // not empty
  }
  if (directory.remove(parent, name, nameLength) == 0) return directory.error();
  const r = release(ino);
  const ended = journal.endOperation();
  return r != Errno.Ok ? r : ended;
}

/** Whether directory `dir` is `ancestor` or lies under it. */
export function within(dir: u32, ancestor: u32): bool {
  let at = dir;
  for (let depth: u32 = 0; depth < volume.inodes(); depth++) {
    if (at == ancestor) return true;
    const node = inode.get(at);
    if (node == 0 || at == 1) return false;
    at = inode.parent(node);
  }
  return true;   // a loop: treat as inside, refuse
}

/** Moves `from` to `to` (both under `base`); a file already at `to` is replaced. */
export function rename(base: u32, from: usize, fromLength: u32, to: usize, toLength: u32): Errno {
  let r = writable();
  if (r == Errno.Ok) r = journal.reserve(RESERVE_REMOVE);
  if (r == Errno.Ok) r = split(base, from, fromLength);
  if (r != Errno.Ok) return r;
  const fromParent = splitParent, fromName = splitName, fromNameLength = splitLength;
  if (frozen(fromParent)) return Errno.PermissionDenied;
  const ino = directory.lookup(fromParent, fromName, fromNameLength);
  if (ino == 0) return directory.error();
  const kind = <inode.Kind>directory.lastKind();
  r = split(base, to, toLength);
  if (r != Errno.Ok) return r;
  if (frozen(splitParent)) return Errno.PermissionDenied;
  if (kind == inode.Kind.Directory && within(splitParent, ino)) return Errno.InvalidArgument;
  const existing = directory.lookup(splitParent, splitName, splitLength);
  if (existing == ino) return Errno.Ok;
  if (existing != 0) {
    if (kind != inode.Kind.File || directory.lastKind() != <u8>inode.Kind.File) return Errno.AlreadyExists;
    directory.remove(splitParent, splitName, splitLength);
    r = release(existing);
    if (r != Errno.Ok) return r;
  } else if (directory.error() != Errno.NotFound) return directory.error();
  if (directory.remove(fromParent, fromName, fromNameLength) == 0) return directory.error();
  r = directory.add(splitParent, splitName, splitLength, ino, kind);
  if (r != Errno.Ok) return r;
  const at = inode.get(ino);
  if (at == 0) return inode.error();
  store<u32>(at + inode.PARENT, splitParent);
  inode.put(at);
  return journal.endOperation();
}

export const STAT_BYTES: u32 = 32;
/** Fills `out`: 0 kind u32, 4 blocks u32, 8 size u64, 16 modified u64, 24 inode u32, 28 owner u32. */
export function stat(ino: u32, out: usize): Errno {
  if (!volume.mounted()) return Errno.NotReady;
  const at = inode.get(ino);
  if (at == 0) return inode.error();
  if (inode.kind(at) == inode.Kind.Free) return Errno.NotFound;
  store<u32>(out, <u32>inode.kind(at));
  store<u32>(out + 4, extents.blocks(at));
  store<u64>(out + 8, inode.size(at));
  store<u64>(out + 16, load<u64>(at + inode.MODIFIED));
  store<u32>(out + 24, ino);
  store<u32>(out + 28, load<u32>(at + inode.OWNER));
  return Errno.Ok;
}

/** fsync: everything written so far durable. */
export function sync(): Errno {
  const r = writable();
  return r != Errno.Ok ? r : journal.commit();
}

export function freeBlocks(): u32 { return bitmap.free(); }
