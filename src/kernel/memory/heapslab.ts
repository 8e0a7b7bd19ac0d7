// heapslab.ts — one slab of the kernel heap: a 64 KiB wasm page holding objects
// of one size class, its header, and the bitmaps that say which objects are out.
// The bitmaps, not the objects, carry all allocation state, so a freed object's
// bytes are free to hold the debug poison and a double free is always visible.
// Invariant: popcount(allocated) == used + quarantined, quarantined ⊆ allocated,
// no bit at or beyond capacity is set, and no free object lies below word `hint`.
//
//   slab (64 KiB aligned offset in linear memory)
//   +0   u32 magic        SLAB_MAGIC, to catch a header that was overwritten
//   +4   u16 state        State.Active (serves a class) | State.Cached (empty, reusable)
//   +6   u16 class        size-class index; object size = MIN_OBJECT << class
//   +8   u32 objectSize
//   +12  u32 capacity     objects in this slab
//   +16  u32 first        offset of object 0, a multiple of objectSize
//   +20  u32 used         objects handed out and not yet freed
//   +24  u32 quarantined  objects withheld for good (written after free, debug build)
//   +28  u32 hint         bitmap word where the search for a free object starts
//   +32  u32 next         list links (class list or cache list), 0 = none
//   +36  u32 previous
//   +40  reserved, up to 64
//   +64  allocated bitmap, ceil(SLAB_SIZE / objectSize / 64) u64 words; 1 = out
//   +..  quarantine bitmap, same size; 1 = withheld
//   first: object 0, object 1, ... object capacity-1, ending exactly at +64 KiB
//          (first is a multiple of the object size, and so is 64 KiB)

export const SLAB_SHIFT: usize = 16;                // one wasm page
export const SLAB_SIZE: usize = 1 << SLAB_SHIFT;
export const MIN_SHIFT: usize = 4;                  // 16 bytes: SSE-aligned
export const MIN_OBJECT: usize = 1 << MIN_SHIFT;
export const CLASS_COUNT: u32 = 8;                  // 16, 32, ... 2048
export const MAX_OBJECT: usize = MIN_OBJECT << (CLASS_COUNT - 1);

const SLAB_MAGIC: u32 = 0x4b534c42;                 // "BLSK" in memory
export const enum State { Active = 1, Cached = 2 }

const MAGIC = 0;
const STATE = 4;
const CLASS = 6;
const OBJECT_SIZE = 8;
const CAPACITY = 12;
const FIRST = 16;
const USED = 20;
const QUARANTINED = 24;
const HINT = 28;
const NEXT = 32;
const PREVIOUS = 36;
const BITMAPS = 64;
const BITS_PER_WORD: u32 = 64;
const WORD_BYTES: usize = 8;

export function classSize(sizeClass: u32): usize { return MIN_OBJECT << sizeClass; }

/** Bitmap words for a class: enough for a slab with no header at all. */
function words(sizeClass: u32): u32 {
  return (<u32>(SLAB_SIZE / classSize(sizeClass)) + BITS_PER_WORD - 1) / BITS_PER_WORD;
}

/** Offset of object 0: past both bitmaps, aligned to the object size. */
function firstOffset(sizeClass: u32): usize {
  const size = classSize(sizeClass);
  return (<usize>BITMAPS + 2 * <usize>words(sizeClass) * WORD_BYTES + size - 1) & ~(size - 1);
}

function capacityOf(sizeClass: u32): u32 { return <u32>((SLAB_SIZE - firstOffset(sizeClass)) / classSize(sizeClass)); }

export function slabOf(pointer: usize): usize { return pointer & ~(SLAB_SIZE - 1); }

function magicValid(slab: usize): bool { return load<u32>(slab + MAGIC) == SLAB_MAGIC; }
export function state(slab: usize): State { return <State>load<u16>(slab + STATE); }
export function setState(slab: usize, value: State): void { store<u16>(slab + STATE, <u16>value); }
export function classIndex(slab: usize): u32 { return <u32>load<u16>(slab + CLASS); }
export function objectSize(slab: usize): usize { return <usize>load<u32>(slab + OBJECT_SIZE); }
export function capacity(slab: usize): u32 { return load<u32>(slab + CAPACITY); }
export function used(slab: usize): u32 { return load<u32>(slab + USED); }
export function quarantined(slab: usize): u32 { return load<u32>(slab + QUARANTINED); }
export function next(slab: usize): usize { return <usize>load<u32>(slab + NEXT); }
export function previous(slab: usize): usize { return <usize>load<u32>(slab + PREVIOUS); }
export function setNext(slab: usize, value: usize): void { store<u32>(slab + NEXT, <u32>value); }
export function setPrevious(slab: usize, value: usize): void { store<u32>(slab + PREVIOUS, <u32>value); }
export function full(slab: usize): bool { return used(slab) + quarantined(slab) >= capacity(slab); }
export function empty(slab: usize): bool { return used(slab) == 0 && quarantined(slab) == 0; }

/** Address of object `index` (not checked against capacity). */
export function object(slab: usize, index: u32): usize {
  return slab + <usize>load<u32>(slab + FIRST) + <usize>index * objectSize(slab);
}

/** Index of the object at `pointer`, or -1 when it is not exactly the start of one. */
export function indexOf(slab: usize, pointer: usize): i32 {
  const first = slab + <usize>load<u32>(slab + FIRST);
  const size = objectSize(slab);
  if (pointer < first || ((pointer - first) & (size - 1)) != 0) return -1;
  const index = (pointer - first) / size;
  return index < <usize>capacity(slab) ? <i32>index : -1;
}

function allocatedWord(slab: usize, word: u32): usize { return slab + BITMAPS + <usize>word * WORD_BYTES; }
function quarantineWord(slab: usize, word: u32): usize {
  return slab + BITMAPS + (<usize>words(classIndex(slab)) + <usize>word) * WORD_BYTES;
}
function bit(index: u32): u64 { return <u64>1 << <u64>(index % BITS_PER_WORD); }

export function isAllocated(slab: usize, index: u32): bool {
  return (load<u64>(allocatedWord(slab, index / BITS_PER_WORD)) & bit(index)) != 0;
}
export function isQuarantined(slab: usize, index: u32): bool {
  return (load<u64>(quarantineWord(slab, index / BITS_PER_WORD)) & bit(index)) != 0;
}

/** Writes a fresh header for `sizeClass`: every object free, no links. */
export function format(slab: usize, sizeClass: u32): void {
  store<u32>(slab + MAGIC, SLAB_MAGIC);
  setState(slab, State.Active);
  store<u16>(slab + CLASS, <u16>sizeClass);
  store<u32>(slab + OBJECT_SIZE, <u32>classSize(sizeClass));
  store<u32>(slab + CAPACITY, capacityOf(sizeClass));
  store<u32>(slab + FIRST, <u32>firstOffset(sizeClass));
  store<u32>(slab + USED, 0);
  store<u32>(slab + QUARANTINED, 0);
  store<u32>(slab + HINT, 0);
  setNext(slab, 0);
  setPrevious(slab, 0);
  memory.fill(slab + BITMAPS, 0, 2 * <usize>words(sizeClass) * WORD_BYTES);
}

/** Index of the lowest free object, -1 if there is none. Words below the one
 *  found are full, so it becomes the new hint. */
export function lowestFree(slab: usize): i32 {
  const count = words(classIndex(slab));
  for (let word = load<u32>(slab + HINT); word < count; word++) {
    const bits = load<u64>(allocatedWord(slab, word));
    if (bits == ~(<u64>0)) continue;
    store<u32>(slab + HINT, word);
    const index = word * BITS_PER_WORD + <u32>ctz(~bits);
    return index < capacity(slab) ? <i32>index : -1;
  }
  return -1;
}

function setBit(at: usize, index: u32): void { store<u64>(at, load<u64>(at) | bit(index)); }

/** Hands out a free object. */
export function mark(slab: usize, index: u32): void {
  setBit(allocatedWord(slab, index / BITS_PER_WORD), index);
  store<u32>(slab + USED, used(slab) + 1);
}

/** Takes a free object out of service for good (it was written after free). */
export function withhold(slab: usize, index: u32): void {
  setBit(allocatedWord(slab, index / BITS_PER_WORD), index);
  setBit(quarantineWord(slab, index / BITS_PER_WORD), index);
  store<u32>(slab + QUARANTINED, quarantined(slab) + 1);
}

/** Returns an object that is out (and not withheld) to the free objects. */
export function release(slab: usize, index: u32): void {
  const word = index / BITS_PER_WORD;
  const at = allocatedWord(slab, word);
  store<u64>(at, load<u64>(at) & ~bit(index));
  if (word < load<u32>(slab + HINT)) store<u32>(slab + HINT, word);
  store<u32>(slab + USED, used(slab) - 1);
}

/** Whether the header's fixed fields are what format() wrote: checked before any
 *  of them is used to find an object, so a damaged header cannot misdirect free(). */
export function headerValid(slab: usize): bool {
  const current = state(slab);
  if (!magicValid(slab) || (current != State.Active && current != State.Cached)) return false;
  const sizeClass = classIndex(slab);
  return sizeClass < CLASS_COUNT && objectSize(slab) == classSize(sizeClass) &&
    capacity(slab) == capacityOf(sizeClass) && <usize>load<u32>(slab + FIRST) == firstOffset(sizeClass);
}

/** Bits set in a word. Not the popcnt builtin: wasm2c turns it into
 *  __builtin_popcountll, which gcc (no -mpopcnt) makes a call to libgcc's
 *  __popcountdi2, and the kernel links without libgcc. */
function bitCount(value: u64): u32 {
  let v = value - ((value >> 1) & 0x5555_5555_5555_5555);
  v = (v & 0x3333_3333_3333_3333) + ((v >> 2) & 0x3333_3333_3333_3333);
  v = (v + (v >> 4)) & 0x0f0f_0f0f_0f0f_0f0f;
  return <u32>((v * 0x0101_0101_0101_0101) >> 56);
}

/** Checks the header and bitmaps against the invariants above; false if broken. */
export function consistent(slab: usize): bool {
  if (!headerValid(slab)) return false;
  const current = state(slab);
  const sizeClass = classIndex(slab);
  const count = words(sizeClass);
  const hint = load<u32>(slab + HINT);
  if (hint > count) return false;
  let allocated: u32 = 0;
  let withheld: u32 = 0;
  for (let word: u32 = 0; word < count; word++) {
    const bits = load<u64>(allocatedWord(slab, word));
    const held = load<u64>(quarantineWord(slab, word));
    if ((held & ~bits) != 0) return false;
    const base = word * BITS_PER_WORD;
    if (base + BITS_PER_WORD > capacity(slab)) {
      const valid = capacity(slab) > base ? capacity(slab) - base : 0;
      if ((bits | held) >> <u64>valid != 0) return false;     // valid < 64 here
      if (word < hint && valid != 0 && bits != (~(<u64>0) >> <u64>(BITS_PER_WORD - valid))) return false;
    } else if (word < hint && bits != ~(<u64>0)) {
      return false;
    }
    allocated += bitCount(bits);
    withheld += bitCount(held);
  }
  if (withheld != quarantined(slab) || allocated != used(slab) + withheld) return false;
  return current == State.Active || empty(slab);
}
