// The buddy frame allocator against a reference model under long random
// alloc/free sequences: blocks never overlap, stay inside released memory, are
// aligned to their size; frees merge back so an empty allocator is whole again.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";

const FRAME = 4096n;
const MiB = 1n << 20n;
const OK = 0, INVALID = 1, TEST_OWNER = 6, PAGE_TABLE_OWNER = 2;

function setup(ranges: [bigint, bigint][], limit = 64n * MiB, metadata = 0x100000n) {
  const b = boot();
  b.k.framesInit(limit, metadata);
  for (const [start, end] of ranges) b.k.framesRelease(start, end);
  return b;
}

function random(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

test("released frames are counted and merge into the largest blocks", () => {
  const { k } = setup([[2n * MiB, 34n * MiB]]);
  assert.is(k.framesTotal(), 32n * MiB / FRAME);
  assert.is(k.framesFreeCount(), 32n * MiB / FRAME);
  assert.is(k.framesFreeBlocks(10), 7n, "4 MiB blocks 4..32 MiB; the 2 MiB ends stay order 9");
  assert.is(k.framesFreeBlocks(9), 2n);
});

test("unaligned ranges are cut to whole frames and split into aligned blocks", () => {
  const { k } = setup([[0x100123n, 0x2ff000n + 5n]]);
  assert.is(k.framesTotal(), (0x2ff000n - 0x101000n) / FRAME);
  const block = k.framesAlloc(0, TEST_OWNER);
  assert.ok(block >= 0x101000n && block < 0x2ff000n);
});

test("random alloc/free against a reference model", () => {
  const ranges: [bigint, bigint][] = [[1n * MiB, 9n * MiB], [12n * MiB, 13n * MiB + 0x5000n], [20n * MiB, 36n * MiB]];
  const { k } = setup(ranges);
  const total = k.framesTotal();
  const next = random(7);
  const live = new Map<bigint, number>();          // block -> order
  const inRanges = (a: bigint, size: bigint) => ranges.some(([s, e]) => a >= s && a + size <= e);
  let allocated = 0n;
  for (let step = 0; step < 4000; step++) {
    if (live.size > 0 && next() < 0.45) {
      const blocks = [...live.keys()];
      const block = blocks[Math.floor(next() * blocks.length)];
      assert.is(k.framesFree(block), OK);
      allocated -= 1n << BigInt(live.get(block)!);
      live.delete(block);
    } else {
      const order = Math.floor(next() * next() * 11);
      const block: bigint = k.framesAlloc(order, TEST_OWNER);
      const size = FRAME << BigInt(order);
      if (block === 0n) {
        assert.ok(k.framesFreeCount() < (1n << BigInt(order)) || k.framesFreeBlocks(order) === 0n, "failed only when no block fits");
        continue;
      }
      assert.is(block % size, 0n, "aligned to its size");
      assert.ok(inRanges(block, size), `inside released memory: ${block.toString(16)}`);
      for (const [other, o] of live) {
        const otherSize = FRAME << BigInt(o);
        assert.ok(block + size <= other || other + otherSize <= block, "no overlap");
      }
      assert.is(k.framesOrderOf(block), order);
      live.set(block, order);
      allocated += 1n << BigInt(order);
    }
    assert.is(k.framesFreeCount(), total - allocated);
    assert.is(k.framesOwned(TEST_OWNER), allocated);
  }
  for (const block of live.keys()) assert.is(k.framesFree(block), OK);
  assert.is(k.framesFreeCount(), total);
  assert.is(k.framesFreeBlocks(10), 5n, "merged back: 4-8 MiB and 20-36 MiB as 4 MiB blocks");
});

test("double free and stray pointers are refused without damage", () => {
  const { k } = setup([[4n * MiB, 8n * MiB]]);
  const a = k.framesAlloc(2, PAGE_TABLE_OWNER);
  assert.is(k.framesFree(a), OK);
  assert.is(k.framesFree(a), INVALID, "double free");
  assert.is(k.framesFree(a + 0x1000n), INVALID, "not a block head");
  assert.is(k.framesFree(a + 5n), INVALID, "unaligned");
  assert.is(k.framesFree(1n << 40n), INVALID, "beyond the described memory");
  assert.is(k.framesFree(0n), INVALID, "never released");
  assert.is(k.framesFreeCount(), 1024n);
});

test("exhaustion returns 0, and an order above the maximum is refused", () => {
  const { k } = setup([[4n * MiB, 5n * MiB]]);
  const blocks: bigint[] = [];
  for (;;) {
    const b = k.framesAlloc(0, TEST_OWNER);
    if (b === 0n) break;
    blocks.push(b);
  }
  assert.is(blocks.length, 256);
  assert.is(k.framesAlloc(11, TEST_OWNER), 0n);
  for (const b of blocks) k.framesFree(b);
  assert.is(k.framesFreeBlocks(8), 1n);
});

test.run();
