// telemetry.ts — the telemetry store for the ML data collector: append-only
// records in segment files of a directory (seg-00000001, seg-00000002…), a new
// segment when the current one would pass its size, and only the newest
// `keep` segments retained (the oldest unlinked). A record is framed
//   length u32 · crc32c(length, payload) u32 · payload
// so a record cut short by a power cut (its data was never fsync'd) is found by
// its CRC and the reader moves on to the next segment. Durability is the caller's
// choice: sync() is an fsync. One store open at a time.
import { Errno } from "../../abi";
import * as crc32c from "./crc32c";
import * as directory from "./directory";
import * as files from "./files";
import * as inode from "./inode";
import * as lock from "./lock";
import * as log from "../log";
import * as report from "./report";

const HEADER: u32 = 8;
export const MAX_RECORD: u32 = 60 << 10;
const NAME_BYTES: u32 = 12;                 // "seg-" and 8 digits
const names = memory.data(<i32>NAME_BYTES);
const header = memory.data(<i32>HEADER);
const entry = memory.data(64);
const stat = memory.data(32);

let root: u32 = 0;                          // the store's directory
let segmentBytes: u32 = 0;
let keep: u32 = 0;
let oldest: u32 = 0, newest: u32 = 0;       // segment numbers present (0: none)
let size: u64 = 0;                          // of the newest segment
let currentInode: u32 = 0;
let readSegment: u32 = 0;
let readOffset: u64 = 0;
let appended: u64 = 0, rotations: u64 = 0, dropped: u64 = 0;

function name(n: u32): usize {
  store<u8>(names, 0x73); store<u8>(names + 1, 0x65); store<u8>(names + 2, 0x67); store<u8>(names + 3, 0x2d);
  let v = n;
  for (let i: i32 = 7; i >= 0; i--) { store<u8>(names + 4 + <usize>i, <u8>(0x30 + v % 10)); v /= 10; }
  return names;
}

/** The segment number an entry's name gives, or 0. */
function segmentOf(at: usize): u32 {
  if (<u32>load<u8>(at + 5) != NAME_BYTES) return 0;
  const text = at + 6;
  if (load<u8>(text) != 0x73 || load<u8>(text + 1) != 0x65 || load<u8>(text + 2) != 0x67 || load<u8>(text + 3) != 0x2d) return 0;
  let n: u32 = 0;
  for (let i: usize = 4; i < NAME_BYTES; i++) {
    const c = <u32>load<u8>(text + i) - 0x30;
    if (c > 9) return 0;
    n = n * 10 + c;
  }
  return n;
}

function lookupSegment(n: u32): i64 {
  const ino = directory.lookup(root, name(n), NAME_BYTES);
  return ino == 0 ? -(<i64>directory.error()) : <i64>ino;
}

/** Opens the store in directory `path` under `base` (made if missing): segments
 *  of `bytesPerSegment`, the newest `segments` of them kept. Appends continue the
 *  newest segment found. */
function openLocked(base: u32, path: usize, length: u32, bytesPerSegment: u32, segments: u32): Errno {
  if (bytesPerSegment < HEADER + 1 || segments == 0) return Errno.InvalidArgument;
  let dir = files.lookup(base, path, length);
  if (dir == -(<i64>Errno.NotFound)) dir = files.create(base, path, length, inode.Kind.Directory, 0);
  if (dir < 0) return <Errno>(-dir);
  root = <u32>dir;
  segmentBytes = bytesPerSegment;
  keep = segments;
  oldest = 0; newest = 0; size = 0; currentInode = 0;
  for (let at = directory.next(root, 0, entry); at >= 0; at = directory.next(root, <u32>at + 1, entry)) {
    const n = segmentOf(entry);
    if (n == 0) continue;
    if (oldest == 0 || n < oldest) oldest = n;
    if (n > newest) newest = n;
  }
  if (newest != 0) {
    const ino = lookupSegment(newest);
    if (ino < 0) return <Errno>(-ino);
    currentInode = <u32>ino;
    if (files.stat(currentInode, stat) != Errno.Ok) return Errno.Malformed;
    size = load<u64>(stat + 8);
    // the newest segment ends at its last whole record: anything after it (a
    // record that never fully reached the disk) is cut off, and said so
    const valid = validEnd(currentInode, size);
    if (valid < size) {
      report.message(log.Level.Warn, "telemetry: a damaged record cut off the newest segment at byte ", valid);
      const r = files.truncate(currentInode, valid);
      if (r != Errno.Ok) return r;
      size = valid;
    }
  }
  readSegment = oldest;
  readOffset = 0;
  return Errno.Ok;
}

const scan = memory.data(<i32>MAX_RECORD);

/** Where the last whole record of segment `ino` (of `total` bytes) ends. */
function validEnd(ino: u32, total: u64): u64 {
  let at: u64 = 0;
  while (at + HEADER <= total) {
    if (files.read(ino, at, header, HEADER) != HEADER) break;
    const length = load<u32>(header);
    if (length == 0 || length > MAX_RECORD || at + HEADER + <u64>length > total) break;
    if (files.read(ino, at + HEADER, scan, length) != <i64>length) break;
    if (crc32c.finish(crc32c.update(crc32c.update(crc32c.START, header, 4), scan, length)) != load<u32>(header + 4)) break;
    at += <u64>HEADER + <u64>length;
  }
  return at;
}

function rotate(): Errno {
  const next = newest + 1;
  const ino = files.create(root, name(next), NAME_BYTES, inode.Kind.File, 0);
  if (ino < 0) return <Errno>(-ino);
  if (oldest == 0) oldest = next;
  newest = next;
  currentInode = <u32>ino;
  size = 0;
  rotations++;
  // retention: only the newest `keep` segments stay
  while (newest - oldest + 1 > keep) {
    const r = files.unlink(root, name(oldest), NAME_BYTES);
    if (r != Errno.Ok && r != Errno.NotFound) return r;
    if (readSegment == oldest) { readSegment = oldest + 1; readOffset = 0; }
    oldest++;
    dropped++;
  }
  return Errno.Ok;
}

/** Appends one record of `length` bytes at `payload`. */
function appendLocked(payload: usize, length: u32): Errno {
  if (root == 0) return Errno.NotReady;
  if (length == 0 || length > MAX_RECORD || <u64>length + HEADER > <u64>segmentBytes) return Errno.InvalidArgument;
  if (newest == 0 || size + <u64>HEADER + <u64>length > <u64>segmentBytes) {
    const r = rotate();
    if (r != Errno.Ok) return r;
  }
  store<u32>(header, length);
  store<u32>(header + 4, crc32c.finish(crc32c.update(crc32c.update(crc32c.START, header, 4), payload, length)));
  let n = files.write(currentInode, size, header, HEADER);
  if (n == HEADER) n = files.write(currentInode, size + HEADER, payload, length);
  else if (n >= 0) n = -(<i64>Errno.ResourceExhausted);
  if (n != <i64>length) {
    // a record half written stays past the segment's logical end: cut it off
    files.truncate(currentInode, size);
    return n < 0 ? <Errno>(-n) : Errno.ResourceExhausted;
  }
  size += <u64>HEADER + <u64>length;
  appended++;
  return Errno.Ok;
}

/** Makes every record appended so far durable. */
export function sync(): Errno { lock.enter(); const r = files.sync(); lock.leave(); return r; }

/** Starts reading from the oldest record kept. */
export function rewind(): void { readSegment = oldest; readOffset = 0; }

/** The next record into `out` (at most `capacity` bytes): its length, -1 when
 *  there are no more, or -Errno. A record failing its CRC ends its segment. */
function nextLocked(out: usize, capacity: u32): i64 {
  if (root == 0) return -(<i64>Errno.NotReady);
  while (readSegment != 0 && readSegment <= newest) {
    const ino = lookupSegment(readSegment);
    if (ino > 0) {
      const got = files.read(<u32>ino, readOffset, header, HEADER);
      if (got == HEADER) {
        const length = load<u32>(header);
        if (length > 0 && length <= MAX_RECORD && length <= capacity) {
          const body = files.read(<u32>ino, readOffset + HEADER, out, length);
          const crc = crc32c.finish(crc32c.update(crc32c.update(crc32c.START, header, 4), out, length));
          if (body == <i64>length && crc == load<u32>(header + 4)) {
            readOffset += <u64>HEADER + <u64>length;
            return <i64>length;
          }
        } else if (length > capacity && length <= MAX_RECORD) return -(<i64>Errno.InvalidArgument);
      }
    }
    readSegment++;
    readOffset = 0;
  }
  return -1;
}

export function segmentsKept(): u32 { return newest == 0 ? 0 : newest - oldest + 1; }
export function oldestSegment(): u32 { return oldest; }
export function newestSegment(): u32 { return newest; }
export function appendedCount(): u64 { return appended; }
export function rotationCount(): u64 { return rotations; }
export function droppedSegments(): u64 { return dropped; }

// The public calls take the file-system lock (lock.ts): the collector runs beside agents.
/** Opens the store in directory `path` under `base` (made if missing): segments
 *  of `bytesPerSegment`, the newest `segments` of them kept. */
export function open(base: u32, path: usize, length: u32, bytesPerSegment: u32, segments: u32): Errno {
  lock.enter(); const r = openLocked(base, path, length, bytesPerSegment, segments); lock.leave(); return r;
}
/** Appends one record of `length` bytes at `payload`. */
export function append(payload: usize, length: u32): Errno { lock.enter(); const r = appendLocked(payload, length); lock.leave(); return r; }
/** The next record into `out`: its length, -1 when there are no more, or -Errno. */
export function next(out: usize, capacity: u32): i64 { lock.enter(); const r = nextLocked(out, capacity); lock.leave(); return r; }
