// heap.ts — the kernel heap: small kernel objects in size classes of 16 to 2048
// bytes (powers of two), each aligned to its class size, carved from the kernel
// module's own linear memory, one 64 KiB wasm page per slab. A slab serves one
// class; empty ones are cached for any class (wasm memory never shrinks). Requests
// above 2048 bytes return 0: they will take whole pages from a page allocator.
// Not re-entrant and unlocked: no interrupt handler allocates; SMP brings a lock.
//
// Why one 64 KiB page per slab and not 4 KiB slabs: memory.grow hands out 64 KiB,
// so a slab's start is found from any object by masking, the page bitmap in
// heappages.ts is the whole ownership record, and header plus alignment cost at
// most 3% of a page (one of 32 objects of 2048 bytes; 1.7% for the 1088-byte
// header of the 16-byte class); a 4 KiB slab of 2048-byte objects would lose half.
//
// Lists: each class has a doubly linked list of its Active slabs that have a free
// object (full slabs are on no list); empty slabs beyond one per class go to the
// cache, a singly linked list. Layout of a slab: heapslab.ts.
import { Errno } from "../../abi";
import * as debug from "./heapdebug";
import * as pages from "./heappages";
import * as slabs from "./heapslab";
import { CLASS_COUNT, MAX_OBJECT, MIN_OBJECT, MIN_SHIFT, State } from "./heapslab";

const LINK_BYTES: usize = 4;           // slab offsets are wasm32 pointers
const COUNT_BYTES: usize = 4;
const classHeads = memory.data(<i32>(<usize>CLASS_COUNT * LINK_BYTES));   // first open slab per class
const openCounts = memory.data(<i32>(<usize>CLASS_COUNT * COUNT_BYTES));  // check()'s tally per class
let cacheHead: usize = 0;
let cachedSlabCount: u32 = 0;
let liveObjects: u32 = 0;
let liveBytes: usize = 0;               // counted at class size, what the objects occupy
let writesAfterFreeSeen: u32 = 0;
let refusedFreeCount: u32 = 0;

/** The size-class index serving `size` bytes, or -1 for 0 and above MAX_OBJECT. */
export function classFor(size: usize): i32 {
  if (size == 0 || size > MAX_OBJECT) return -1;
  if (size <= MIN_OBJECT) return 0;
  const bits = <u32>(sizeof<usize>() * 8) - <u32>clz<usize>(size - 1);   // ceil(log2(size))
  return <i32>(bits - <u32>MIN_SHIFT);
}

/** Bytes an allocation of `size` really occupies (its class size), 0 if none. */
export function objectSizeFor(size: usize): usize {
  const sizeClass = classFor(size);
  return sizeClass < 0 ? 0 : slabs.classSize(<u32>sizeClass);
}

function head(sizeClass: u32): usize { return <usize>load<u32>(classHeads + <usize>sizeClass * LINK_BYTES); }
function setHead(sizeClass: u32, slab: usize): void { store<u32>(classHeads + <usize>sizeClass * LINK_BYTES, <u32>slab); }

function open(slab: usize): void {
  const sizeClass = slabs.classIndex(slab);
  const first = head(sizeClass);
  slabs.setNext(slab, first);
  slabs.setPrevious(slab, 0);
  if (first != 0) slabs.setPrevious(first, slab);
  setHead(sizeClass, slab);
}

function close(slab: usize): void {
  const next = slabs.next(slab);
  const previous = slabs.previous(slab);
  if (previous != 0) slabs.setNext(previous, next);
  else setHead(slabs.classIndex(slab), next);
  if (next != 0) slabs.setPrevious(next, previous);
  slabs.setNext(slab, 0);
  slabs.setPrevious(slab, 0);
}

function cache(slab: usize): void {
  slabs.setState(slab, State.Cached);
  slabs.setNext(slab, cacheHead);
  cacheHead = slab;
  cachedSlabCount++;
}

/** Debug build: verifies the poison of every free object in a slab. A changed
 *  object in an Active slab is withheld for good; in a cached slab (about to be
 *  reformatted) it is poisoned afresh so it is reported once. */
function scanFreeObjects(slab: usize): void {
  const size = slabs.objectSize(slab);
  for (let index: u32 = 0; index < slabs.capacity(slab); index++) {
    if (slabs.isAllocated(slab, index)) continue;
    const object = slabs.object(slab, index);
    const changed = debug.firstChanged(object, size);
    if (changed == debug.INTACT) continue;
    writesAfterFreeSeen++;
    debug.reportWriteAfterFree(object, size, changed);
    if (slabs.state(slab) == State.Cached) {
      debug.poison(object, size);
    } else {
      slabs.withhold(slab, index);
      if (slabs.full(slab)) close(slab);
    }
  }
}

/** A slab for `sizeClass` with every object free, opened on its list; 0 when out of memory. */
function obtain(sizeClass: u32): usize {
  let slab = cacheHead;
  if (slab != 0) {
    cacheHead = slabs.next(slab);
    cachedSlabCount--;
    if (debug.DEBUG) scanFreeObjects(slab);
  } else {
    slab = pages.grow();
    if (slab == 0) return 0;
  }
  slabs.format(slab, sizeClass);
  if (debug.DEBUG) debug.poison(slabs.object(slab, 0), <usize>slabs.capacity(slab) * slabs.objectSize(slab));
  open(slab);
  return slab;
}

/** An object of at least `size` bytes aligned to its class size, contents
 *  undefined (poison in the debug build); 0 for 0 bytes, above MAX_OBJECT, or
 *  when memory is exhausted. */
export function alloc(size: usize): usize {
  const sizeClass = classFor(size);
  if (sizeClass < 0) return 0;
  while (true) {                          // each pass hands out or uses up one object or slab
    let slab = head(<u32>sizeClass);
    if (slab == 0) slab = obtain(<u32>sizeClass);
    if (slab == 0) return 0;
    const index = slabs.lowestFree(slab);
    if (index < 0) { close(slab); continue; }     // counts and bitmap disagree: check() reports it
    const object = slabs.object(slab, <u32>index);
    const objectSize = slabs.objectSize(slab);
    if (debug.DEBUG) {
      const changed = debug.firstChanged(object, objectSize);
      if (changed != debug.INTACT) {
        writesAfterFreeSeen++;
        debug.reportWriteAfterFree(object, objectSize, changed);
        slabs.withhold(slab, <u32>index);
        if (slabs.full(slab)) close(slab);
        continue;
      }
    }
    slabs.mark(slab, <u32>index);
    if (slabs.full(slab)) close(slab);
    liveObjects++;
    liveBytes += objectSize;
    return object;
  }
}

function refuse(pointer: usize, why: string): Errno {
  refusedFreeCount++;
  debug.reportInvalidFree(pointer, why);
  return Errno.InvalidArgument;
}

/** Returns an object from alloc(). Anything else — null, outside the heap, not the
 *  start of an object, already free, withheld — is refused with InvalidArgument
 *  and changes nothing; a slab header found damaged gives Malformed. */
export function free(pointer: usize): Errno {
  if (pointer == 0 || !pages.owns(pointer)) return refuse(pointer, "not a heap object");
  const slab = slabs.slabOf(pointer);
  if (!slabs.headerValid(slab)) {
    debug.reportDamage("slab header", slab);
    return Errno.Malformed;
  }
  if (slabs.state(slab) != State.Active) return refuse(pointer, "in an empty slab");
  const index = slabs.indexOf(slab, pointer);
  if (index < 0) return refuse(pointer, "not the start of an object");
  if (!slabs.isAllocated(slab, <u32>index)) return refuse(pointer, "double free");
  if (slabs.isQuarantined(slab, <u32>index)) return refuse(pointer, "double free of an object written after free");
  const wasFull = slabs.full(slab);
  const objectSize = slabs.objectSize(slab);
  slabs.release(slab, <u32>index);
  if (debug.DEBUG) debug.poison(pointer, objectSize);
  liveObjects--;
  liveBytes -= objectSize;
  if (wasFull) {
    open(slab);
  } else if (slabs.empty(slab) && (head(slabs.classIndex(slab)) != slab || slabs.next(slab) != 0)) {
    close(slab);                        // the class keeps another open slab: this one can go
    cache(slab);
  }
  return Errno.Ok;
}

function openCount(sizeClass: u32): u32 { return load<u32>(openCounts + <usize>sizeClass * COUNT_BYTES); }

/** Walks a class list; false if it breaks (foreign slab, wrong class or state, bad
 *  back link, a full slab, a cycle) or its length differs from the open slabs seen. */
function classListSound(sizeClass: u32, slabCount: u32): bool {
  let previous: usize = 0;
  let length: u32 = 0;
  for (let slab = head(sizeClass); slab != 0; slab = slabs.next(slab)) {
    if (!pages.owns(slab) || !slabs.headerValid(slab) || slabs.state(slab) != State.Active ||
        slabs.classIndex(slab) != sizeClass || slabs.full(slab) || slabs.previous(slab) != previous ||
        ++length > slabCount) {
      debug.reportDamage("class list", slab);
      return false;
    }
    previous = slab;
  }
  if (length == openCount(sizeClass)) return true;
  debug.reportDamage("an open slab missing from its class list", head(sizeClass));
  return false;
}

function cacheListSound(slabCount: u32): bool {
  let length: u32 = 0;
  for (let slab = cacheHead; slab != 0; slab = slabs.next(slab)) {
    if (!pages.owns(slab) || slabs.state(slab) != State.Cached || ++length > slabCount) {
      debug.reportDamage("cache list", slab);
      return false;
    }
  }
  if (length == cachedSlabCount) return true;
  debug.reportDamage("cache list length", cacheHead);
  return false;
}

/** Validates every slab, both kinds of list and the statistics; in the debug build
 *  also the poison of every free object. Malformed if anything is broken, and from
 *  the first write after free on (sticky: the heap was misused). */
export function check(): Errno {
  let result = Errno.Ok;
  let slabCount: u32 = 0;
  let cached: u32 = 0;
  let objects: u32 = 0;
  let bytes: usize = 0;
  memory.fill(openCounts, 0, <usize>CLASS_COUNT * COUNT_BYTES);
  for (let slab = pages.nextAfter(0); slab != 0; slab = pages.nextAfter(slab)) {
    slabCount++;
    if (!slabs.consistent(slab)) {
      debug.reportDamage("slab", slab);
      result = Errno.Malformed;
      continue;
    }
    if (debug.DEBUG) scanFreeObjects(slab);
    if (slabs.state(slab) == State.Cached) { cached++; continue; }
    objects += slabs.used(slab);
    bytes += <usize>slabs.used(slab) * slabs.objectSize(slab);
    if (!slabs.full(slab)) {
      const at = openCounts + <usize>slabs.classIndex(slab) * COUNT_BYTES;
      store<u32>(at, load<u32>(at) + 1);
    }
  }
  if (slabCount != pages.count() || cached != cachedSlabCount || objects != liveObjects || bytes != liveBytes) {
    debug.reportDamage("statistics differ from the slabs", 0);
    result = Errno.Malformed;
  }
  for (let sizeClass: u32 = 0; sizeClass < CLASS_COUNT; sizeClass++) {
    if (!classListSound(sizeClass, slabCount)) result = Errno.Malformed;
  }
  if (!cacheListSound(slabCount)) result = Errno.Malformed;
  if (writesAfterFreeSeen != 0) result = Errno.Malformed;
  return result;
}

export function objectsInUse(): u32 { return liveObjects; }
export function bytesInUse(): usize { return liveBytes; }
export function slabPages(): u32 { return pages.count(); }
export function cachedSlabs(): u32 { return cachedSlabCount; }
/** Free objects found written to (debug build); each is withheld and reported. */
export function writesAfterFree(): u32 { return writesAfterFreeSeen; }
export function refusedFrees(): u32 { return refusedFreeCount; }
export function debugBuild(): bool { return debug.DEBUG; }
/** Caps the slab pages the heap may hold; see heappages.setBudget. */
export function setPageBudget(count: u32): void { pages.setBudget(count); }
