// Copy-on-write between module memories on the fake machine's page tables: the
// sharer count's rules; shareFrom maps the same frames read-only in both memories
// (a page the source never touched is dropped, a foreign page copied); a write
// fault gives the writer a copy, or write access back to the last holder; clones of
// clones count up; destroying the memories in any order frees each frame exactly
// once, and every frame comes back.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";

const u = (v: bigint) => BigInt.asUintN(64, v);
const MiB = 1n << 20n;
const PAGE = 4096n;
const DIRECT_MAP_BASE = 0xffff_8000_0000_0000n;
const ADDRESS_MASK = 0x000f_ffff_ffff_f000n;
const PRESENT = 1n, WRITABLE = 2n, COPY_ON_WRITE = 1n << 9n, FOREIGN = 1n << 10n;
const READ = 0, READ_WRITE = 1;
const COPY = 0, RECLAIM = 1;
const MAPPED = 1, GUARD_HIT = 2, READ_ONLY = 4, NOT_MODULE_MEMORY = 0;
const MAX_SHARERS = 127;                   // the bits frames.ts's metadata has spare
const WASM_PAGES = 4;                       // 64 frames per memory

test("sharer count rules", () => {
  const { k } = boot();
  assert.is(k.sharingAfterJoin(0), 2, "a private frame shared once has two holders");
  assert.is(k.sharingAfterJoin(1), 2, "the last holder of a shared frame shares it again");
  assert.is(k.sharingAfterJoin(2), 3);
  assert.is(k.sharingAfterLeave(3), 2);
  assert.is(k.sharingAfterLeave(2), 1, "one holder left, still read-only until it writes");
  assert.is(k.sharingAfterLeave(1), 0, "the last holder frees it");
  assert.is(k.sharingAfterLeave(0), 0, "a private frame frees at once");
  assert.is(k.sharingWriteAction(3), COPY);
  assert.is(k.sharingWriteAction(2), COPY);
  assert.is(k.sharingWriteAction(1), RECLAIM);
  assert.is(k.sharingWriteAction(0), RECLAIM);
  assert.ok(k.sharingCanJoin(MAX_SHARERS - 1));
  assert.not.ok(k.sharingCanJoin(MAX_SHARERS));
});

function machine() {
  const b = boot();
  b.k.framesInit(64n * MiB, 0x100000n);
  b.k.framesRelease(2n * MiB, 64n * MiB);
  b.k.poolsInit();
  b.k.poolsSetCommitLimit(16384n);
  const root = b.k.ptNewTable() as bigint;
  b.k.mmInit(root);
  const m = b.machine as any;
  const leaf = (address: bigint) => u(b.k.ptLeaf(root, address));
  const frameOf = (address: bigint) => leaf(address) & ADDRESS_MASK;
  const read32 = (address: bigint) => Number(m.read(DIRECT_MAP_BASE + frameOf(address) + (address % PAGE), 4));
  const write32 = (address: bigint, value: number) => m.write(DIRECT_MAP_BASE + frameOf(address) + (address % PAGE), 4, BigInt(value));
  // a warm-up memory leaves the page tables above the slots in place
  const warm = b.k.mmCreate(1, 1);
  b.k.mmFault(warm);
  b.k.mmDestroy(warm);
  return { ...b, root, leaf, frameOf, read32, write32 };
}

test("shareFrom, write faults, clones of clones, teardown in any order", () => {
  const { k, root, leaf, frameOf, read32, write32 } = machine();
  const free = k.framesFreeCount();
  const a = u(k.mmCreate(WASM_PAGES, 16));
  for (let i = 0n; i < 10n; i++) {
    assert.is(k.mmFault(a + i * PAGE), MAPPED);
    write32(a + i * PAGE + 16n, 1000 + Number(i));
  }
  const b = u(k.mmCreate(WASM_PAGES, 16));
  assert.is(k.mmFault(b + 12n * PAGE), MAPPED, "the clone's own page (its data segment), where a has none");
  assert.is(k.mmFault(b), MAPPED, "and one where a has one");
  const beforeShare = k.framesFreeCount();
  assert.is(k.mmShareFrom(a, b), 10n);
  assert.is(k.framesFreeCount(), beforeShare + 2n, "b's two own frames freed, nothing copied");
  for (let i = 0n; i < 10n; i++) {
    assert.is(frameOf(b + i * PAGE), frameOf(a + i * PAGE), `page ${i} is one frame`);
    assert.is(leaf(a + i * PAGE) & (WRITABLE | COPY_ON_WRITE), COPY_ON_WRITE, "a read-only, copy-on-write");
    assert.is(leaf(b + i * PAGE) & (WRITABLE | COPY_ON_WRITE), COPY_ON_WRITE, "b read-only, copy-on-write");
    assert.is(k.framesSharers(frameOf(a + i * PAGE)), 2);
    assert.is(read32(b + i * PAGE + 16n), 1000 + Number(i));
  }
  assert.is(leaf(b + 12n * PAGE) & PRESENT, 0n, "a page a never touched is unmapped in b");

  // b writes page 3: a copy for b, a keeps the frame (one holder left)
  const shared3 = frameOf(a + 3n * PAGE);
  const copies = k.sharingCopies();
  assert.is(k.mmWriteFault(b + 3n * PAGE + 20n), MAPPED);
  assert.is(k.sharingCopies(), copies + 1n);
  assert.is.not(frameOf(b + 3n * PAGE), shared3);
  assert.is(leaf(b + 3n * PAGE) & (WRITABLE | COPY_ON_WRITE), WRITABLE);
  assert.is(read32(b + 3n * PAGE + 16n), 1003, "the copy holds the data");
  write32(b + 3n * PAGE + 16n, 7);
  assert.is(read32(a + 3n * PAGE + 16n), 1003, "a does not see b's write");
  assert.is(k.framesSharers(shared3), 1);
  // a writes page 3 now: the last holder, no copy
  const reclaims = k.sharingReclaims();
  const freeNow = k.framesFreeCount();
  assert.is(k.mmWriteFault(a + 3n * PAGE), MAPPED);
  assert.is(k.sharingReclaims(), reclaims + 1n);
  assert.is(k.framesFreeCount(), freeNow, "no frame taken");
  assert.is(frameOf(a + 3n * PAGE), shared3);
  assert.is(leaf(a + 3n * PAGE) & (WRITABLE | COPY_ON_WRITE), WRITABLE);
  assert.is(k.framesSharers(shared3), 0);
  assert.is(k.mmWriteFault(a + 3n * PAGE), MAPPED, "a stale fault on a page already writable resumes");

  // c clones b: frames b still shares with a get a third holder
  const c = u(k.mmCreate(WASM_PAGES, 16));
  assert.is(k.mmShareFrom(b, c), 10n);
  assert.is(k.framesSharers(frameOf(a + 5n * PAGE)), 3);
  assert.is(frameOf(c + 5n * PAGE), frameOf(a + 5n * PAGE));
  assert.is(k.framesSharers(frameOf(b + 3n * PAGE)), 2, "b's private copy is now shared with c");
  assert.is(read32(c + 3n * PAGE + 16n), 7);

  // a foreign page (a fabric region's) is not shared: the clone gets a copy, and a
  // write to a read-only foreign page is the writer's error
  const region = k.framesAlloc(0, 5);
  k.mmDropPage(a, a + 20n * PAGE);
  assert.is(k.ptMapSoftware(root, a + 20n * PAGE, region, READ, FOREIGN), 0);
  assert.is(k.mmWriteFault(a + 20n * PAGE), READ_ONLY);
  const d = u(k.mmCreate(WASM_PAGES, 16));
  assert.is(k.mmShareFrom(a, d), 10n, "a's ten own pages; the foreign one is copied");
  assert.is.not(frameOf(d + 20n * PAGE), region);
  assert.is(leaf(d + 20n * PAGE) & (WRITABLE | COPY_ON_WRITE | FOREIGN), WRITABLE);
  assert.is(k.mmWriteFault(0xffff_a000_0000_0000n - PAGE), NOT_MODULE_MEMORY);
  assert.is(k.mmFault(a + 64n * PAGE), GUARD_HIT, "past the size");

  // teardown: the parent first, the region's page unmapped by its owner (the fabric's hook)
  k.ptUnmap(root, a + 20n * PAGE);
  k.framesFree(region);
  k.mmDestroy(a);
  assert.is(read32(c + 5n * PAGE + 16n), 1005, "the clones keep the frames the parent shared");
  assert.is(k.framesSharers(frameOf(c + 5n * PAGE)), 3, "a, b, c and d held it; a is gone");
  k.mmDestroy(c);
  assert.is(k.framesSharers(frameOf(b + 5n * PAGE)), 2);
  k.mmDestroy(d);
  assert.is(k.framesSharers(frameOf(b + 5n * PAGE)), 1);
  k.mmDestroy(b);
  assert.is(k.mmLive(), 0);
  assert.is(k.framesFreeCount(), free, "every frame back, each freed once");
});

test("a frame at the most holders the count records is copied, not shared", () => {
  const { k, leaf, frameOf, write32, read32 } = machine();
  const free = k.framesFreeCount();
  const a = u(k.mmCreate(1, 1));
  k.mmFault(a);
  k.mmFault(a + PAGE);
  write32(a + PAGE + 4n, 99);
  const b = u(k.mmCreate(1, 1));
  assert.is(k.mmShareFrom(a, b), 2n);
  const full = frameOf(a + PAGE);
  k.framesSetSharers(full, MAX_SHARERS);       // as if 125 more clones held it
  const c = u(k.mmCreate(1, 1));
  assert.is(k.mmShareFrom(a, c), 1n, "page 0 shared, page 1 copied");
  assert.is.not(frameOf(c + PAGE), full);
  assert.is(leaf(c + PAGE) & (WRITABLE | COPY_ON_WRITE), WRITABLE);
  assert.is(read32(c + PAGE + 4n), 99);
  k.framesSetSharers(full, 2);
  k.mmDestroy(c);
  k.mmDestroy(a);
  k.mmDestroy(b);
  assert.is(k.framesFreeCount(), free);
});

test("grow keeps shared pages and adds private ones", () => {
  const { k, leaf, frameOf, write32, read32 } = machine();
  const free = k.framesFreeCount();
  const a = u(k.mmCreate(1, 16));
  k.mmFault(a);
  write32(a + 8n, 42);
  const b = u(k.mmCreate(1, 16));
  assert.is(k.mmShareFrom(a, b), 1n);
  assert.ok(k.mmGrow(b, 1, 2));
  assert.is(k.mmFault(b + 16n * PAGE), MAPPED, "a grown page is demand-mapped, private");
  assert.is(leaf(b + 16n * PAGE) & (WRITABLE | COPY_ON_WRITE), WRITABLE);
  assert.is(frameOf(b), frameOf(a), "the old page still shared");
  assert.is(read32(b + 8n), 42);
  k.mmDestroy(b);
  k.mmDestroy(a);
  assert.is(k.framesFreeCount(), free);
});

test.run();
