// frames.ts — the physical frame allocator: a binary buddy over 4 KiB frames,
// orders 0 (4 KiB) to MAX_ORDER (4 MiB). Only frames handed over by release()
// are ever managed; everything else (first MiB, kernel image, boot data, ACPI,
// MMIO holes, this allocator's own metadata) is simply never released.
//
// Metadata, one u16 per frame, in physical memory reached through the direct map:
//   15 HEAD (first frame of a block) | 14 FREE | 13..10 order | 9..7 owner | 6..0 sharers
// owner is the Owner of an allocated block and sharers how many module memories
// map the frame copy-on-write (0 when it has one holder; memory/sharing.ts), both
// on the head frame. The sharer count lives in bits the state and owner left
// spare, so copy-on-write costs no memory (the cap: MAX_SHARERS holders).
// Free blocks are kept on one doubly linked list per order, threaded through the
// blocks themselves: +0 next (physical, 0 = end), +8 previous.
import { Errno } from "../../abi";
import * as physical from "../physical";

export const FRAME_SIZE: u64 = 4096;
export const FRAME_SHIFT: u64 = 12;
export const MAX_ORDER: u32 = 10;
const ORDERS = <i32>MAX_ORDER + 1;
const METADATA_BYTES_PER_FRAME: u64 = 2;

const STATE_HEAD: u16 = 1 << 15;
const STATE_FREE: u16 = 1 << 14;
const ORDER_SHIFT: u16 = 10;
const ORDER_BITS: u16 = 0xf;
const STATE_MASK: u16 = STATE_HEAD | STATE_FREE | (ORDER_BITS << ORDER_SHIFT);
const OWNER_SHIFT: u16 = 7;
const OWNER_BITS: u16 = 0x7;
const SHARERS_BITS: u16 = 0x7f;
/** The most holders the sharer count records. */
export const MAX_SHARERS: u32 = SHARERS_BITS;
const LINK_NEXT: u64 = 0;
const LINK_PREVIOUS: u64 = 8;

/** Who holds a block: counted for the statistics and checked by no one else. */
export const enum Owner {
  Kernel = 1,
  PageTable = 2,
  Heap = 3,
  Stack = 4,
  ModuleMemory = 5,
  Test = 6,
}
export const OWNER_COUNT: i32 = 8;

let metadataBase: u64 = 0;          // physical address of the metadata array
let frameLimit: u64 = 0;            // frames [0, frameLimit) are described
const freeHeads = memory.data(ORDERS * 8);
const freeCounts = memory.data(ORDERS * 8);
const ownerFrames = memory.data(OWNER_COUNT * 8);
let managedFrames: u64 = 0;
let freeFrames: u64 = 0;

function word(frame: u64): u16 { return physical.read16(metadataBase + frame * METADATA_BYTES_PER_FRAME); }
function setWord(frame: u64, value: u16): void { physical.write16(metadataBase + frame * METADATA_BYTES_PER_FRAME, value); }
function stateOf(frame: u64): u16 { return word(frame) & STATE_MASK; }
function setState(frame: u64, state: u16): void { setWord(frame, (word(frame) & ~STATE_MASK) | state); }
function orderState(order: u32): u16 { return <u16>order << ORDER_SHIFT; }
function orderIn(state: u16): u32 { return <u32>((state >> ORDER_SHIFT) & ORDER_BITS); }
function setOwner(frame: u64, owner: Owner): void {
  setWord(frame, (word(frame) & ~(OWNER_BITS << OWNER_SHIFT)) | ((<u16>owner & OWNER_BITS) << OWNER_SHIFT));
}
function ownerOf(frame: u64): Owner { return <Owner>((word(frame) >> OWNER_SHIFT) & OWNER_BITS); }
function head(order: u32): u64 { return load<u64>(freeHeads + <usize>order * 8); }
function setHead(order: u32, block: u64): void { store<u64>(freeHeads + <usize>order * 8, block); }
function countFree(order: u32, delta: i64): void {
  store<u64>(freeCounts + <usize>order * 8, <u64>(<i64>load<u64>(freeCounts + <usize>order * 8) + delta));
}
function countOwner(owner: Owner, delta: i64): void {
  const at = ownerFrames + <usize>(<i32>owner & (OWNER_COUNT - 1)) * 8;
  store<u64>(at, <u64>(<i64>load<u64>(at) + delta));
}

function push(block: u64, order: u32): void {
  const first = head(order);
  physical.write64(block + LINK_NEXT, first);
  physical.write64(block + LINK_PREVIOUS, 0);
  if (first != 0) physical.write64(first + LINK_PREVIOUS, block);
  setHead(order, block);
  setState(block >> FRAME_SHIFT, STATE_HEAD | STATE_FREE | orderState(order));
  countFree(order, 1);
}

function unlink(block: u64, order: u32): void {
  const next = physical.read64(block + LINK_NEXT);
  const previous = physical.read64(block + LINK_PREVIOUS);
  if (previous != 0) physical.write64(previous + LINK_NEXT, next);
  else setHead(order, next);
  if (next != 0) physical.write64(next + LINK_PREVIOUS, previous);
  countFree(order, -1);
}

/** Bytes of metadata needed to describe physical memory up to `limit`. */
export function metadataSize(limit: u64): u64 {
  return ((limit + FRAME_SIZE - 1) >> FRAME_SHIFT) * METADATA_BYTES_PER_FRAME;
}

/** Starts empty, describing frames below `limit`, metadata at physical `metadata`
 *  (metadataSize(limit) bytes, which the caller keeps out of every release()). */
export function init(limit: u64, metadata: u64): void {
  metadataBase = metadata;
  frameLimit = (limit + FRAME_SIZE - 1) >> FRAME_SHIFT;
  physical.zero(metadata, metadataSize(limit));
  memory.fill(freeHeads, 0, ORDERS * 8);
  memory.fill(freeCounts, 0, ORDERS * 8);
  memory.fill(ownerFrames, 0, OWNER_COUNT * 8);
  managedFrames = 0;
  freeFrames = 0;
}

/** Hands the frames inside [start, end) to the allocator. */
export function release(start: u64, end: u64): void {
  let frame = (start + FRAME_SIZE - 1) >> FRAME_SHIFT;
  let last = end >> FRAME_SHIFT;
  if (last > frameLimit) last = frameLimit;
  while (frame < last) {
    let order: u32 = MAX_ORDER;
    while (order > 0 && ((frame & ((<u64>1 << order) - 1)) != 0 || frame + (<u64>1 << order) > last)) order--;
    setState(frame, STATE_HEAD | orderState(order));     // as if allocated, then freed: merges with neighbours
    setOwner(frame, Owner.Kernel);
    managedFrames += <u64>1 << order;
    countOwner(Owner.Kernel, <i64>(1 << order));
    free(frame << FRAME_SHIFT);
    frame += <u64>1 << order;
  }
}

/** A block of 2^order frames, zeroed or not as the caller needs; 0 when none is left. */
export function alloc(order: u32, owner: Owner): u64 {
  if (order > MAX_ORDER) return 0;
  let found = order;
  while (found <= MAX_ORDER && head(found) == 0) found++;
  if (found > MAX_ORDER) return 0;
  const block = head(found);
  unlink(block, found);
  while (found > order) {                      // split: the upper half goes back
    found--;
    push(block + (FRAME_SIZE << <u64>found), found);
  }
  setState(block >> FRAME_SHIFT, STATE_HEAD | orderState(order));
  setOwner(block >> FRAME_SHIFT, owner);
  setSharers(block, 0);
  freeFrames -= <u64>1 << order;
  countOwner(owner, <i64>(1 << order));
  return block;
}

/** Returns a block from alloc(). A pointer that is not the head of an allocated
 *  block (a double free, a stray address) is refused and changes nothing. */
export function free(block: u64): Errno {
  if ((block & (FRAME_SIZE - 1)) != 0) return Errno.InvalidArgument;
  let frame = block >> FRAME_SHIFT;
  if (frame >= frameLimit) return Errno.InvalidArgument;
  const state = stateOf(frame);
  if ((state & (STATE_HEAD | STATE_FREE)) != STATE_HEAD) return Errno.InvalidArgument;
  let order = orderIn(state);
  countOwner(ownerOf(frame), -(<i64>(1 << order)));
  freeFrames += <u64>1 << order;
  setState(frame, 0);
  while (order < MAX_ORDER) {
    const buddy = frame ^ (<u64>1 << order);
    if (buddy >= frameLimit || stateOf(buddy) != (STATE_HEAD | STATE_FREE | orderState(order))) break;
    unlink(buddy << FRAME_SHIFT, order);
    setState(buddy, 0);
    if (buddy < frame) frame = buddy;
    order++;
  }
  push(frame << FRAME_SHIFT, order);
  return Errno.Ok;
}

/** The order of the allocated block at `block`, or -1 if it is not one. */
export function orderOf(block: u64): i32 {
  const frame = block >> FRAME_SHIFT;
  if ((block & (FRAME_SIZE - 1)) != 0 || frame >= frameLimit) return -1;
  const state = stateOf(frame);
  return (state & (STATE_HEAD | STATE_FREE)) == STATE_HEAD ? <i32>orderIn(state) : -1;
}

/** The smallest order whose block holds `bytes`, or -1 above the largest. */
export function orderFor(bytes: u64): i32 {
  let order: u32 = 0;
  while (order <= MAX_ORDER && (FRAME_SIZE << <u64>order) < bytes) order++;
  return order > MAX_ORDER ? -1 : <i32>order;
}

/** The copy-on-write holder count of the allocated frame at `frame` (see the
 *  metadata layout above); 0 for a frame outside the allocator. */
export function sharers(frame: u64): u32 {
  const index = frame >> FRAME_SHIFT;
  return index < frameLimit ? <u32>(word(index) & SHARERS_BITS) : 0;
}

/** Sets the holder count of `frame`, saturating at MAX_SHARERS (callers check first). */
export function setSharers(frame: u64, count: u32): void {
  const index = frame >> FRAME_SHIFT;
  if (index >= frameLimit) return;
  const value = <u16>(count > MAX_SHARERS ? MAX_SHARERS : count);
  setWord(index, (word(index) & ~SHARERS_BITS) | value);
}

export function totalFrames(): u64 { return managedFrames; }
export function freeFrameCount(): u64 { return freeFrames; }
export function freeBlocks(order: u32): u64 { return load<u64>(freeCounts + <usize>order * 8); }
export function framesOwnedBy(owner: Owner): u64 { return load<u64>(ownerFrames + <usize>(<i32>owner & (OWNER_COUNT - 1)) * 8); }
export function limit(): u64 { return frameLimit << FRAME_SHIFT; }
