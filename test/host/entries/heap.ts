// Test exports for the kernel heap (src/kernel/memory/heap.ts). The host-test
// build is the heap's debug build: this global is what `--use HEAP_DEBUG=1` would
// define (asc refuses both at once as a duplicate, which is the wanted outcome).
import * as heap from "../../../src/kernel/memory/heap";

// @lazy: compiled where first used, whichever file asc reaches first.
// @ts-ignore: decorator
@global @lazy const HEAP_DEBUG: i32 = 1;

export function heapAlloc(size: usize): usize { return heap.alloc(size); }
export function heapFree(pointer: usize): i32 { return heap.free(pointer); }
export function heapCheck(): i32 { return heap.check(); }
export function heapObjectSizeFor(size: usize): usize { return heap.objectSizeFor(size); }
export function heapObjectsInUse(): u32 { return heap.objectsInUse(); }
export function heapBytesInUse(): usize { return heap.bytesInUse(); }
export function heapSlabPages(): u32 { return heap.slabPages(); }
export function heapCachedSlabs(): u32 { return heap.cachedSlabs(); }
export function heapWritesAfterFree(): u32 { return heap.writesAfterFree(); }
export function heapRefusedFrees(): u32 { return heap.refusedFrees(); }
export function heapDebugBuild(): bool { return heap.debugBuild(); }
export function heapSetPageBudget(count: u32): void { heap.setPageBudget(count); }
