// journal.ts — write-ahead metadata journal with ordered data. A transaction is
// the set of dirty blocks in the cache; commit() makes it durable in this order:
//   1. flush, when file data was written since the last commit (data before the
//      metadata that points at it: "ordered");
//   2. the descriptor (sequence, count, home block numbers), the block images and
//      the commit block (a hash over descriptor and images) into the journal
//      area, then flush: from here the transaction survives a power cut;
//   3. each image to its home block, flush; then the commit block zeroed (so the
//      next mount knows the journal was clean; losing that write only repeats an
//      idempotent replay).
// The journal holds one transaction at a time, always from its first block; a torn
// one fails its hash and is ignored at replay, as it never reached its commit.
//
//   descriptor: 0 magic  4 count  8 sequence(u64)  16 home blocks u32[count]  4092 crc
//   commit:     0 magic  4 count  8 sequence(u64)  16 hash of descriptor+images (u64)  4092 crc
//
// The transaction's check is not a CRC-32C: the blocks it covers end in their own
// CRC-32C (bitmap and directory blocks, each inode), and a block followed by its
// own CRC is a codeword, so the difference between two sealed versions of a block
// is invisible to any CRC of the same polynomial over them (found by the power-cut
// test: a torn transaction whose new bitmap image passed the old commit's CRC).
// A 64-bit multiply-xor hash over words has no such blind spot.
import { Errno } from "../../abi";
import * as cache from "./cache";
import * as crc32c from "./crc32c";
import * as device from "./device";
import { BLOCK_BYTES } from "./device";
import * as log from "../log";
import * as report from "./report";
import * as volume from "./volume";

/** The most blocks one transaction holds (it must fit the journal with its two
 *  headers, and leave the cache room to read). */
export const MAX_TRANSACTION: i32 = 24;
const DESCRIPTOR_MAGIC: u32 = 0x44534a41;   // "AJSD"
const COMMIT_MAGIC: u32 = 0x4d434a41;       // "AJCM"
const TARGETS_AT: usize = 16;
const HASH_START: u64 = 0xcbf29ce484222325;
const HASH_PRIME: u64 = 0x100000001b3;

/** Continues the transaction hash over `length` bytes (a multiple of 8) at `at`. */
function mix(h: u64, at: usize, length: usize): u64 {
  for (let i: usize = 0; i < length; i += 8) {
    h = (h ^ load<u64>(at + i)) * HASH_PRIME;
    h ^= h >> 29;
  }
  return h;
}
const CRC_AT: usize = BLOCK_BYTES - 4;

const descriptor = memory.data(BLOCK_BYTES, BLOCK_BYTES);
const commitBlock = memory.data(BLOCK_BYTES, BLOCK_BYTES);
const scratch = memory.data(BLOCK_BYTES, BLOCK_BYTES);
let sequence: u64 = 1;
let dataWritten = false;
let freed = false;
let commits: u64 = 0;

export function noteData(): void { dataWritten = true; }
/** Blocks were freed in this transaction: commit at the end of the operation, so
 *  they are not reused (and overwritten with data) before the free is durable. */
export function noteFreed(): void { freed = true; }
export function commitCount(): u64 { return commits; }

/** Before an operation that dirties up to `blocks` blocks: commits first when the
 *  running transaction has no room for them. */
export function reserve(blocks: i32): Errno {
  if (volume.readOnly()) return Errno.PermissionDenied;
  if (cache.dirtyCount() + blocks > MAX_TRANSACTION) return commit();
  return Errno.Ok;
}

/** At the end of an operation. */
export function endOperation(): Errno { return freed ? commit() : Errno.Ok; }

function writeFailed(block: u64): Errno { report.ioError(block, true); return Errno.DeviceError; }

/** Makes the running transaction, and all file data written before it, durable. */
export function commit(): Errno {
  if (volume.readOnly()) return Errno.PermissionDenied;
  const count = cache.dirtyCount();
  if (count == 0) {
    if (!dataWritten) return Errno.Ok;
    dataWritten = false;
    return device.flush() == Errno.Ok ? Errno.Ok : writeFailed(0);
  }
  if (<u32>count + 2 > volume.journalBlocks()) {
    // an operation dirtied more than its reservation allowed for: never write past
    // the journal; what is in memory cannot be made durable, so stop writing
    report.message(log.Level.Error, "a transaction outgrew the journal; read-only. blocks=", <u64>count);
    volume.fail("transaction larger than the journal");
    return Errno.ResourceExhausted;
  }
  if (dataWritten && device.flush() != Errno.Ok) return writeFailed(0);
  dataWritten = false;
  const start = <u64>volume.journalStart();
  // the descriptor, then the images, then the commit block
  memory.fill(descriptor, 0, BLOCK_BYTES);
  store<u32>(descriptor, DESCRIPTOR_MAGIC);
  store<u32>(descriptor + 4, <u32>count);
  store<u64>(descriptor + 8, sequence);
  let n = 0;
  for (let s = cache.dirtySlot(0); s >= 0; s = cache.dirtySlot(s + 1)) {
    const block = cache.slotBlockNumber(s);
    // bitmap and directory blocks are sealed here, once per commit
    if (!volume.isInodeBlock(block)) cache.seal(cache.address(s));
    store<u32>(descriptor + TARGETS_AT + <usize>n * 4, block);
    n++;
  }
  store<u32>(descriptor + CRC_AT, crc32c.checksum(descriptor, CRC_AT));
  let hash = mix(HASH_START, descriptor, BLOCK_BYTES);
  if (device.write(start, 1, descriptor) != Errno.Ok) return writeFailed(start);
  n = 0;
  for (let s = cache.dirtySlot(0); s >= 0; s = cache.dirtySlot(s + 1)) {
    hash = mix(hash, cache.address(s), BLOCK_BYTES);
    if (device.write(start + 1 + <u64>n, 1, cache.address(s)) != Errno.Ok) return writeFailed(start + 1 + <u64>n);
    n++;
  }
  memory.fill(commitBlock, 0, BLOCK_BYTES);
  store<u32>(commitBlock, COMMIT_MAGIC);
  store<u32>(commitBlock + 4, <u32>count);
  store<u64>(commitBlock + 8, sequence);
  store<u64>(commitBlock + 16, hash);
  store<u32>(commitBlock + CRC_AT, crc32c.checksum(commitBlock, CRC_AT));
  const commitAt = start + 1 + <u64>count;
  if (device.write(commitAt, 1, commitBlock) != Errno.Ok) return writeFailed(commitAt);
  if (device.flush() != Errno.Ok) return writeFailed(commitAt);
  // durable: now the checkpoint to the home locations
  for (let s = cache.dirtySlot(0); s >= 0; s = cache.dirtySlot(s + 1)) {
    const home = <u64>cache.slotBlockNumber(s);
    if (device.write(home, 1, cache.address(s)) != Errno.Ok) return writeFailed(home);
  }
  if (device.flush() != Errno.Ok) return writeFailed(0);
  memory.fill(commitBlock, 0, BLOCK_BYTES);
  if (device.write(commitAt, 1, commitBlock) != Errno.Ok) return writeFailed(commitAt);
  cache.cleanAll();
  sequence++;
  commits++;
  freed = false;
  return Errno.Ok;
}

export const enum Replay { Clean = 0, Replayed = 1, Failed = 2 }
let replayedBlocks: u32 = 0;
export function lastReplayBlocks(): u32 { return replayedBlocks; }
export function lastSequence(): u64 { return sequence - 1; }

/** At mount: finds a committed transaction in the journal and writes its images
 *  home (again: replay is idempotent). A descriptor or commit that does not check
 *  out is a transaction that never committed, and is ignored. */
export function replay(writable: bool): Replay {
  replayedBlocks = 0;
  dataWritten = false;
  freed = false;
  const start = <u64>volume.journalStart();
  if (device.read(start, 1, descriptor) != Errno.Ok) return Replay.Failed;
  const count = load<u32>(descriptor + 4);
  const seq = load<u64>(descriptor + 8);
  sequence = seq + 1;
  if (load<u32>(descriptor) != DESCRIPTOR_MAGIC || load<u32>(descriptor + CRC_AT) != crc32c.checksum(descriptor, CRC_AT)) return Replay.Clean;
  if (count == 0 || count > <u32>MAX_TRANSACTION || count + 2 > volume.journalBlocks()) return Replay.Clean;
  const commitAt = start + 1 + <u64>count;
  if (device.read(commitAt, 1, commitBlock) != Errno.Ok) return Replay.Failed;
  if (load<u32>(commitBlock) != COMMIT_MAGIC || load<u32>(commitBlock + CRC_AT) != crc32c.checksum(commitBlock, CRC_AT)) return Replay.Clean;
  if (load<u32>(commitBlock + 4) != count || load<u64>(commitBlock + 8) != seq) return Replay.Clean;
  let hash = mix(HASH_START, descriptor, BLOCK_BYTES);
  for (let i: u32 = 0; i < count; i++) {
    const home = load<u32>(descriptor + TARGETS_AT + <usize>i * 4);
    if (home < volume.bitmapStart() || home >= volume.blocks()) return Replay.Clean;   // never over the superblock or journal
    if (device.read(start + 1 + <u64>i, 1, scratch) != Errno.Ok) return Replay.Failed;
    hash = mix(hash, scratch, BLOCK_BYTES);
  }
  if (hash != load<u64>(commitBlock + 16)) return Replay.Clean;
  if (!writable) return Replay.Failed;
  for (let i: u32 = 0; i < count; i++) {
    const home = <u64>load<u32>(descriptor + TARGETS_AT + <usize>i * 4);
    if (device.read(start + 1 + <u64>i, 1, scratch) != Errno.Ok) return Replay.Failed;
    if (device.write(home, 1, scratch) != Errno.Ok) return Replay.Failed;
  }
  if (device.flush() != Errno.Ok) return Replay.Failed;
  memory.fill(commitBlock, 0, BLOCK_BYTES);
  if (device.write(commitAt, 1, commitBlock) != Errno.Ok || device.flush() != Errno.Ok) return Replay.Failed;
  replayedBlocks = count;
  return Replay.Replayed;
}
