// The kernel heap (src/kernel/memory/heap.ts): size classes, alignment, reuse,
// statistics, a random workload against a reference model, and misuse: double
// free, bogus pointers, writes after free (the host build is the debug build),
// a damaged header, and out of memory through the page budget.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";
import { random } from "./random.ts";

const OK = 0;
const INVALID_ARGUMENT = 1;
const MALFORMED = 2;
const SLAB_SIZE = 65536;
const CLASSES = [16, 32, 64, 128, 256, 512, 1024, 2048];
const POISON = 0x6b;

function heap() {
  const machine = boot();
  const { k } = machine;
  const bytes = () => new Uint8Array((k.memory as WebAssembly.Memory).buffer);   // grow detaches old views
  const alloc = (size: number): number => k.heapAlloc(size) >>> 0;
  return { ...machine, bytes, alloc };
}

test("the host build is the heap's debug build", () => {
  const { k } = heap();
  assert.is(k.heapDebugBuild(), 1);
});

test("sizes map to their class; 0 and above 2048 bytes have none", () => {
  const { k, alloc } = heap();
  for (const [size, objectSize] of [[1, 16], [16, 16], [17, 32], [100, 128], [1024, 1024], [1025, 2048], [2048, 2048], [0, 0], [2049, 0]]) {
    assert.is(k.heapObjectSizeFor(size) >>> 0, objectSize, `size ${size}`);
  }
  assert.is(alloc(0), 0);
  assert.is(alloc(2049), 0);
  assert.is(alloc(0xffff_ffff), 0);
  assert.is(k.heapSlabPages(), 0, "a refused request takes no memory");
});

test("every class: objects are aligned, sized, freed and checked", () => {
  const { k, alloc, bytes } = heap();
  for (const size of CLASSES) {
    for (const request of [size / 2 + 1, size]) {
      const pointer = alloc(request);
      assert.ok(pointer !== 0, `alloc(${request})`);
      assert.is(pointer % size, 0, `alloc(${request}) is aligned to ${size}`);
      assert.ok(pointer + size <= bytes().length, "inside linear memory");
      bytes().fill(0xee, pointer, pointer + size);                    // the whole class size is usable
      assert.is(k.heapBytesInUse() >>> 0, size);
      assert.is(k.heapFree(pointer), OK);
    }
  }
  assert.is(k.heapSlabPages(), CLASSES.length, "one slab per class");
  assert.is(k.heapCheck(), OK);
});

test("a freed object is handed out again", () => {
  const { k, alloc } = heap();
  const first = alloc(48);
  const second = alloc(48);
  assert.is(second, first + 64);
  assert.is(k.heapFree(first), OK);
  assert.is(alloc(64), first, "the lowest free object of the class comes first");
  assert.is(alloc(33), second + 64);
  assert.is(k.heapSlabPages(), 1);
  assert.is(k.heapCheck(), OK);
});

test("a full slab is followed by another, and empty slabs are cached for any class", () => {
  const { k, alloc } = heap();
  const objects: number[] = [];
  while (k.heapSlabPages() < 3) objects.push(alloc(16));
  assert.is(new Set(objects).size, objects.length, "all distinct");
  const perSlab = objects.length - 1;                                  // the last one opened slab 3
  assert.ok(perSlab / 2 > 4000 && perSlab / 2 < 4096, `${perSlab / 2} objects of 16 bytes in a slab`);
  assert.is(k.heapCheck(), OK);
  for (const pointer of objects) assert.is(k.heapFree(pointer), OK);
  assert.is(k.heapObjectsInUse(), 0);
  assert.is(k.heapCachedSlabs(), 2, "one empty slab stays with its class, the others are cached");
  const large = [alloc(2048), alloc(2048), alloc(2048)];
  assert.ok(large.every((p) => p !== 0 && p % 2048 === 0));
  assert.is(k.heapSlabPages(), 3, "a cached slab served the new class: no growth");
  assert.is(k.heapCachedSlabs(), 1);
  assert.is(k.heapCheck(), OK);
});

test("statistics follow allocations and return to zero", () => {
  const { k, alloc } = heap();
  const sizes = [1, 20, 40, 100, 200, 300, 600, 1500, 2000, 16];
  const objects = sizes.map((size) => alloc(size));
  const expected = sizes.reduce((sum, size) => sum + k.heapObjectSizeFor(size), 0);
  assert.is(k.heapObjectsInUse(), sizes.length);
  assert.is(k.heapBytesInUse() >>> 0, expected);
  const pages = k.heapSlabPages();
  assert.is(pages, 8, "one slab per class used");
  for (const pointer of objects) assert.is(k.heapFree(pointer), OK);
  assert.is(k.heapObjectsInUse(), 0);
  assert.is(k.heapBytesInUse() >>> 0, 0);
  assert.is(k.heapSlabPages(), pages, "pages are kept: wasm memory cannot shrink");
  assert.is(k.heapCheck(), OK);
});

test("random allocations and frees agree with a reference model", () => {
  const { k, alloc, bytes } = heap();
  const next = random(0x41105);
  const live = new Map<number, { size: number; seed: number }>();     // pointer -> object
  const fill = (pointer: number, size: number, seed: number) => {
    const memory = bytes();
    for (let i = 0; i < size; i++) memory[pointer + i] = (seed + i * 31) & 0xff;
  };
  const intact = (pointer: number, size: number, seed: number) => {
    const memory = bytes();
    for (let i = 0; i < size; i++) if (memory[pointer + i] !== ((seed + i * 31) & 0xff)) return false;
    return true;
  };
  const release = (pointer: number) => {
    const object = live.get(pointer)!;
    assert.ok(intact(pointer, object.size, object.seed), `object ${pointer} kept its contents`);
    assert.is(k.heapFree(pointer), OK);
    live.delete(pointer);
  };
  for (let step = 0; step < 6000; step++) {
    const growing = step < 4000 ? 0.6 : 0.35;                          // build up, then drain
    if (live.size === 0 || next() < growing) {
      // small objects are the common case, but every class is reached
      const size = next() < 0.7 ? 1 + Math.floor(next() * 128) : 1 + Math.floor(next() * 2048);
      const pointer = alloc(size);
      assert.ok(pointer !== 0, `step ${step}: alloc(${size})`);
      const span = k.heapObjectSizeFor(size);
      assert.is(pointer % span, 0, "aligned to its class");
      for (const [other, object] of live) {                            // whole class spans must not overlap
        const otherSpan = k.heapObjectSizeFor(object.size);
        assert.ok(pointer + span <= other || other + otherSpan <= pointer, `step ${step}: ${pointer} overlaps ${other}`);
      }
      const seed = Math.floor(next() * 256);
      fill(pointer, size, seed);
      live.set(pointer, { size, seed });
    } else {
      const pointers = [...live.keys()];
      release(pointers[Math.floor(next() * pointers.length)]);
    }
    if (step % 500 === 0) {
      assert.is(k.heapCheck(), OK, `check at step ${step}`);
      assert.is(k.heapObjectsInUse(), live.size);
      const inUse = [...live.values()].reduce((sum, o) => sum + k.heapObjectSizeFor(o.size), 0);
      assert.is(k.heapBytesInUse() >>> 0, inUse);
    }
  }
  for (const pointer of [...live.keys()]) release(pointer);
  assert.is(k.heapObjectsInUse(), 0);
  assert.is(k.heapBytesInUse() >>> 0, 0);
  assert.is(k.heapCheck(), OK);
  assert.is(k.heapRefusedFrees(), 0);
});

test("a double free is refused and changes nothing", () => {
  const { k, alloc, machine } = heap();
  const first = alloc(100);
  const second = alloc(100);
  assert.is(k.heapFree(first), OK);
  const objects = k.heapObjectsInUse();
  const inUse = k.heapBytesInUse();
  assert.is(k.heapFree(first), INVALID_ARGUMENT);
  assert.is(k.heapObjectsInUse(), objects);
  assert.is(k.heapBytesInUse(), inUse);
  assert.is(k.heapRefusedFrees(), 1);
  assert.match(machine.serial, /heap: free of 0x[0-9a-f]+ refused: double free/);
  assert.is(k.heapCheck(), OK);
  assert.is(alloc(100), first, "handed out once, not twice");
  assert.is(alloc(100), second + 128);
  assert.is(k.heapFree(second), OK);
  assert.is(k.heapFree(second), INVALID_ARGUMENT);
  assert.is(k.heapCheck(), OK);
});

test("pointers that are not heap objects are refused", () => {
  const { k, alloc } = heap();
  const object = alloc(64);
  const slab = object - (object % SLAB_SIZE);
  const emptied = alloc(16);                                           // its slab goes to the cache below
  const filler: number[] = [];
  while (k.heapSlabPages() < 4) filler.push(alloc(16));
  for (const pointer of [emptied, ...filler]) assert.is(k.heapFree(pointer), OK);
  assert.ok(k.heapCachedSlabs() >= 1);
  const cached = emptied;
  const bogus = [
    0,                                // null
    k.scratchBuffer() >>> 0,          // the module's static data
    object + 8,                       // inside an object
    object + 1,                       // misaligned
    slab,                             // the slab header
    slab + 64,                        // the bitmaps
    slab + SLAB_SIZE - 16,            // inside the slab's last object
    0xffff_fff0,                      // beyond linear memory
    cached,                           // a slab that is cached, empty
  ];
  for (const pointer of bogus) assert.is(k.heapFree(pointer), INVALID_ARGUMENT, `free(${pointer.toString(16)})`);
  assert.is(k.heapObjectsInUse(), 1);
  assert.is(k.heapCheck(), OK);
  assert.is(k.heapFree(object), OK);
});

test("a write after free is found by check() and the object is withheld", () => {
  const { k, alloc, bytes, machine } = heap();
  const object = alloc(64);
  const neighbour = alloc(64);
  assert.is(k.heapFree(object), OK);
  assert.ok(bytes().subarray(object, object + 64).every((b) => b === POISON), "freed objects hold poison");
  bytes()[object + 12] = 0x00;                                         // a stale pointer writes
  assert.is(k.heapCheck(), MALFORMED);
  assert.is(k.heapWritesAfterFree(), 1);
  assert.match(machine.serial, /heap: use after free: object 0x[0-9a-f]+ \(64 bytes\) changed at byte 12/);
  for (let i = 0; i < 100; i++) assert.not.equal(alloc(64), object, "never handed out again");
  assert.is(k.heapFree(object), INVALID_ARGUMENT, "nor freed again");
  assert.is(k.heapFree(neighbour), OK);
  assert.is(k.heapCheck(), MALFORMED, "the heap stays marked as misused");
  assert.is(k.heapWritesAfterFree(), 1, "reported once");
});

test("a write after free is found when the object would be handed out again", () => {
  const { k, alloc, bytes, machine } = heap();
  const object = alloc(2048);
  assert.is(k.heapFree(object), OK);
  bytes()[object + 2047] ^= 0xff;
  const replacement = alloc(2048);
  assert.ok(replacement !== 0 && replacement !== object, "the changed object is skipped");
  assert.is(k.heapWritesAfterFree(), 1);
  assert.match(machine.serial, /use after free: object 0x[0-9a-f]+ \(2048 bytes\) changed at byte 2047/);
  assert.is(k.heapObjectsInUse(), 1);
  assert.is(k.heapCheck(), MALFORMED);
});

test("a write into an object of a cached slab is found when the slab is reused", () => {
  const { k, alloc, bytes } = heap();
  const objects: number[] = [];
  while (k.heapSlabPages() < 2) objects.push(alloc(1024));
  for (const pointer of objects) assert.is(k.heapFree(pointer), OK);
  assert.is(k.heapCachedSlabs(), 1);
  bytes()[objects[0] + 5] = 1;                                         // the first slab was cached
  assert.ok(alloc(16) !== 0, "the cached slab is reformatted for another class");
  assert.is(k.heapWritesAfterFree(), 1);
  assert.is(k.heapCheck(), MALFORMED);
});

test("a damaged slab header fails check() and free()", () => {
  const { k, alloc, bytes } = heap();
  const object = alloc(256);
  const slab = object - (object % SLAB_SIZE);
  assert.is(k.heapCheck(), OK);
  bytes()[slab] ^= 0xff;                                               // the magic
  assert.is(k.heapCheck(), MALFORMED);
  assert.is(k.heapFree(object), MALFORMED);
  bytes()[slab] ^= 0xff;
  assert.is(k.heapCheck(), OK);
  new DataView(bytes().buffer).setUint32(slab + 20, 7, true);          // the used count
  assert.is(k.heapCheck(), MALFORMED);
});

test("out of memory: alloc returns 0 cleanly and recovers after a free", () => {
  const { k, alloc } = heap();
  k.heapSetPageBudget(2);
  const objects: number[] = [];
  for (let pointer = alloc(2048); pointer !== 0; pointer = alloc(2048)) objects.push(pointer);
  assert.is(k.heapSlabPages(), 2);
  assert.is(objects.length, 2 * 31, "31 objects of 2048 bytes per slab");
  assert.is(alloc(16), 0, "no page left for another class either");
  assert.is(k.heapCheck(), OK);
  assert.is(k.heapFree(objects[7]), OK);
  assert.is(alloc(2000), objects[7]);
  assert.is(k.heapCheck(), OK);
});

test.run();
