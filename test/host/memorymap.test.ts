// The memory-map normaliser against a reference model under random input:
// every byte must end up with the most restrictive type any raw range gave it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";

const RANK: Record<number, number> = { 1: 0, 3: 1, 4: 2, 2: 3, 5: 4 };

function random(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

test("random overlapping ranges match the reference model", () => {
  const { k } = boot();
  const next = random(42);
  for (let round = 0; round < 200; round++) {
    k.memoryMapReset();
    const raw: [number, number, number][] = [];
    const n = 1 + Math.floor(next() * 12);
    for (let i = 0; i < n; i++) {
      const base = Math.floor(next() * 64) * 0x1000;
      const length = Math.floor(next() * 16) * 0x1000;
      const type = [1, 2, 3, 4, 5, 7][Math.floor(next() * 6)];
      raw.push([base, length, type]);
      k.memoryMapAdd(BigInt(base), BigInt(length), type > 5 ? 2 : type);   // parsers map unknown E820 types to reserved
    }
    k.memoryMapFinish();
    // reference: per page, the highest-ranked type covering it
    const expect = new Map<number, number>();
    for (const [base, length, t] of raw) {
      const type = t > 5 ? 2 : t;
      for (let p = base; p < base + length; p += 0x1000) {
        const have = expect.get(p);
        if (have === undefined || RANK[type] > RANK[have]) expect.set(p, type);
      }
    }
    const got = new Map<number, number>();
    let lastEnd = -1;
    for (let i = 0; i < k.memoryMapCount(); i++) {
      const base = Number(k.memoryMapBase(i)), length = Number(k.memoryMapLength(i));
      assert.ok(base >= lastEnd, "sorted and disjoint");
      lastEnd = base + length;
      for (let p = base; p < base + length; p += 0x1000) got.set(p, k.memoryMapType(i));
    }
    assert.equal([...got.entries()].sort(), [...expect.entries()].sort(), `round ${round}`);
  }
});

test("adjacent ranges of one type merge", () => {
  const { k } = boot();
  k.memoryMapReset();
  k.memoryMapAdd(0x3000n, 0x1000n, 1);
  k.memoryMapAdd(0x1000n, 0x2000n, 1);
  k.memoryMapFinish();
  assert.is(k.memoryMapCount(), 1);
  assert.is(k.memoryMapBase(0), 0x1000n);
  assert.is(k.memoryMapLength(0), 0x3000n);
});

test("more than 128 ranges: the rest are dropped with a warning", () => {
  const { k, machine } = boot();
  k.memoryMapReset();
  for (let i = 0; i < 130; i++) k.memoryMapAdd(BigInt(i * 0x2000), 0x1000n, 1);
  k.memoryMapFinish();
  assert.is(k.memoryMapCount(), 128);
  assert.is(k.memoryMapDropped(), 2);
  assert.match(machine.serial, /too many ranges/);
});

test.run();
