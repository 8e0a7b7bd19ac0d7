// cache.ts — the metadata block cache: SLOTS blocks of 4 KiB in static memory,
// least recently used evicted first. Every metadata block (bitmap, inode table,
// directory) is read and changed only here; a changed block is "dirty", pinned in
// its slot until the journal commits it (journal.ts), so the cache is also the
// running transaction. An address from get() stays valid while fewer than
// SLOTS - journal.MAX_TRANSACTION other blocks are fetched: callers fetch again
// after any loop over many blocks. Blocks with a whole-block CRC (bitmap,
// directory) are checked as they are read; a mismatch makes the volume read-only.
import { Errno } from "../../abi";
import * as crc32c from "./crc32c";
import * as device from "./device";
import { BLOCK_BYTES } from "./device";
import * as volume from "./volume";
import * as report from "./report";

export const SLOTS: i32 = 48;
const NONE: u32 = 0xffffffff;
const enum State { Empty = 0, Clean = 1, Dirty = 2 }

/** How a block is checked when read: not at all, or by its trailing CRC. */
export const enum Kind { Plain = 0, Sealed = 1 }

const data = memory.data(SLOTS * <i32>BLOCK_BYTES, BLOCK_BYTES);
const slotBlock = memory.data(SLOTS * 4);
const slotState = memory.data(SLOTS);
const slotUse = memory.data(SLOTS * 8);
let clock: u64 = 0;
let dirtySlots: i32 = 0;
let lastError: Errno = Errno.Ok;

@inline function blockAt(s: i32): u32 { return load<u32>(slotBlock + <usize>s * 4); }
@inline function stateAt(s: i32): State { return <State>load<u8>(slotState + <usize>s); }
@inline export function address(s: i32): usize { return data + <usize>s * BLOCK_BYTES; }

export function reset(): void {
  for (let s = 0; s < SLOTS; s++) { store<u32>(slotBlock + <usize>s * 4, NONE); store<u8>(slotState + <usize>s, State.Empty); }
  dirtySlots = 0;
}

export function error(): Errno { return lastError; }
export function dirtyCount(): i32 { return dirtySlots; }

/** Seals a block with its whole-block CRC (bitmap and directory blocks). */
export function seal(at: usize): void { store<u32>(at + BLOCK_BYTES - 4, crc32c.checksum(at, BLOCK_BYTES - 4)); }
export function sealed(at: usize): bool { return load<u32>(at + BLOCK_BYTES - 4) == crc32c.checksum(at, BLOCK_BYTES - 4); }

function slotOf(block: u32): i32 {
  for (let s = 0; s < SLOTS; s++) if (blockAt(s) == block && stateAt(s) != State.Empty) return s;
  return -1;
}

function victim(): i32 {
  let best = -1;
  let bestUse: u64 = 0xffffffffffffffff;
  for (let s = 0; s < SLOTS; s++) {
    const state = stateAt(s);
    if (state == State.Empty) return s;
    const use = load<u64>(slotUse + <usize>s * 8);
    if (state == State.Clean && use < bestUse) { best = s; bestUse = use; }
  }
  return best;
}

/** The cached copy of `block`, read from the disk if need be; 0 on an I/O error,
 *  a CRC mismatch or a full cache (error() says which). */
export function get(block: u32, kind: Kind): usize {
  let s = slotOf(block);
  if (s < 0) {
    s = victim();
    if (s < 0) { lastError = Errno.ResourceExhausted; return 0; }
    store<u8>(slotState + <usize>s, State.Empty);
    const result = device.read(block, 1, address(s));
    if (result != Errno.Ok) { lastError = result; report.ioError(block, false); return 0; }
    if (kind == Kind.Sealed && !sealed(address(s))) {
      lastError = Errno.Malformed;
      report.checksum(block);
      return 0;
    }
    store<u32>(slotBlock + <usize>s * 4, block);
    store<u8>(slotState + <usize>s, State.Clean);
  }
  store<u64>(slotUse + <usize>s * 8, ++clock);
  return address(s);
}

/** A slot for `block` whose old contents do not matter (a block just allocated). */
export function fresh(block: u32): usize {
  let s = slotOf(block);
  if (s < 0) {
    s = victim();
    if (s < 0) { lastError = Errno.ResourceExhausted; return 0; }
    store<u32>(slotBlock + <usize>s * 4, block);
    store<u8>(slotState + <usize>s, State.Clean);
  }
  memory.fill(address(s), 0, BLOCK_BYTES);
  store<u64>(slotUse + <usize>s * 8, ++clock);
  return address(s);
}

/** Marks the cached block at `at` (an address from get/fresh) part of the running transaction. */
export function dirty(at: usize): void {
  const s = <i32>((at - data) / BLOCK_BYTES);
  if (stateAt(s) != State.Dirty) { store<u8>(slotState + <usize>s, State.Dirty); dirtySlots++; }
}

/** Dirty slots, for the journal: the n-th dirty slot's index, or -1. */
export function dirtySlot(from: i32): i32 {
  for (let s = from; s < SLOTS; s++) if (stateAt(s) == State.Dirty) return s;
  return -1;
}
export function slotBlockNumber(s: i32): u32 { return blockAt(s); }
/** After a commit has reached the disk: every dirty slot is clean again. */
export function cleanAll(): void {
  for (let s = 0; s < SLOTS; s++) if (stateAt(s) == State.Dirty) store<u8>(slotState + <usize>s, State.Clean);
  dirtySlots = 0;
}
/** Forgets a block (freed directory block): its slot becomes empty unless dirty. */
export function forget(block: u32): void {
  const s = slotOf(block);
  if (s >= 0 && stateAt(s) == State.Clean) store<u8>(slotState + <usize>s, State.Empty);
}
