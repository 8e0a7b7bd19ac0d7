// heappages.ts — the wasm pages the kernel heap holds: it grows the kernel module's
// linear memory one 64 KiB page at a time and remembers, in a bitmap indexed by
// page number, which pages are heap slabs. free() trusts only this bitmap to say
// whether a pointer is inside the heap (a header in memory can be forged or
// overwritten). Pages are never given back: wasm memory cannot shrink. In the
// kernel, memory.grow past the boot window is backed by frames that
// memory/kernelspace.ts maps, so the heap is usable once memory.init() has run.
// Invariant: count() == number of bits set == pages ever grown for the heap.

const PAGE_SHIFT: usize = 16;                     // a wasm page is 64 KiB
const MAX_PAGES: u32 = 65536;                     // wasm32: 4 GiB of linear memory
const OWNED_BYTES: i32 = <i32>(MAX_PAGES / 8);
const GROW_FAILED: i32 = -1;

const owned = memory.data(OWNED_BYTES);           // bit p set: page p is a heap slab
let held: u32 = 0;
let budget: u32 = MAX_PAGES;

function byteOf(page: u32): usize { return owned + <usize>(page >> 3); }
function maskOf(page: u32): u8 { return <u8>(<u32>1 << (page & 7)); }

/** One more page for the heap; its offset, or 0 when the budget or memory is exhausted. */
export function grow(): usize {
  if (held >= budget) return 0;
  const previous = memory.grow(1);
  if (previous == GROW_FAILED) return 0;
  const page = <u32>previous;
  store<u8>(byteOf(page), load<u8>(byteOf(page)) | maskOf(page));
  held++;
  return <usize>page << PAGE_SHIFT;
}

/** Whether `pointer` lies in a page the heap grew. */
export function owns(pointer: usize): bool {
  const page = <u32>(pointer >> PAGE_SHIFT);
  return page < MAX_PAGES && (load<u8>(byteOf(page)) & maskOf(page)) != 0;
}

/** The first heap page after `pointer`'s page, 0 when there is none: walks over
 *  every slab start from 0 (page 0 holds the module's data, never the heap). */
export function nextAfter(pointer: usize): usize {
  const end = <u32>memory.size();
  for (let page = <u32>(pointer >> PAGE_SHIFT) + 1; page < end; page++) {
    if (load<u8>(byteOf(page)) == 0) { page |= 7; continue; }      // skip 8 pages at once
    if ((load<u8>(byteOf(page)) & maskOf(page)) != 0) return <usize>page << PAGE_SHIFT;
  }
  return 0;
}

export function count(): u32 { return held; }

/** Caps the pages the heap may hold (tests provoke out-of-memory with it; later a
 *  memory budget for the kernel). Pages already held are kept. */
export function setBudget(pages: u32): void { budget = pages < MAX_PAGES ? pages : MAX_PAGES; }
