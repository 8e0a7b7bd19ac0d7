// Page-table entries against the SDM's bit layout, and map / unmap / protect /
// translate / teardown on tables held in the fake machine's physical memory.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";

const u = (v: bigint) => BigInt.asUintN(64, v);
const SMALL = 0, LARGE = 1, HUGE = 2;
const READ = 0, READ_WRITE = 1, READ_EXECUTE = 2;
const OK = 0, INVALID = 1, NOT_FOUND = 4, EXHAUSTED = 5, EXISTS = 9, QUOTA = 11;
const NX = 1n << 63n;
const NOT_MAPPED = (1n << 64n) - 1n;
const MiB = 1n << 20n;

test("leaf encodings: W^X by construction", () => {
  const { k } = boot();
  assert.is(u(k.pteEncodeLeaf(0x1234_5000n, SMALL, READ_WRITE)), 0x1234_5003n | NX);
  assert.is(u(k.pteEncodeLeaf(0x1234_5000n, SMALL, READ)), 0x1234_5001n | NX);
  assert.is(u(k.pteEncodeLeaf(0x1234_5000n, SMALL, READ_EXECUTE)), 0x1234_5001n);
  assert.is(u(k.pteEncodeLeaf(0x4000_0000n, HUGE, READ_WRITE)), 0x4000_0083n | NX);
  assert.is(u(k.pteEncodeLeaf(0x20_0000n, LARGE, READ_EXECUTE)), 0x20_0081n);
  assert.is(u(k.pteEncodeTable(0xabc_d000n)), 0xabc_d003n);
  assert.is(u(k.pteEncodeLeaf(0xfff1_2345_6789_afffn, SMALL, READ)), 0x0001_2345_6789_a001n | NX, "address bits masked");
  for (const p of [READ, READ_WRITE, READ_EXECUTE]) assert.is(k.pteProtectionOf(k.pteEncodeLeaf(0x1000n, SMALL, p)), p);
});

test("canonical addresses", () => {
  const { k } = boot();
  assert.is(k.pteCanonical(0x0000_7fff_ffff_f000n), 1);
  assert.is(k.pteCanonical(0xffff_8000_0000_0000n), 1);
  assert.is(k.pteCanonical(0x0000_8000_0000_0000n), 0);
  assert.is(k.pteCanonical(0xfff0_0000_0000_0000n), 0);
});

function machine() {
  const b = boot();
  b.k.framesInit(64n * MiB, 0x100000n);
  b.k.framesRelease(2n * MiB, 64n * MiB);
  return { ...b, root: b.k.ptNewTable() as bigint };
}

test("map, translate, protect, unmap on real tables", () => {
  const { k, root } = machine();
  const va = 0xffff_d000_0000_0000n;
  const frame = k.framesAlloc(0, 6);
  assert.is(k.ptMap(root, va, frame, SMALL, READ_WRITE), OK);
  assert.is(u(k.ptTranslate(root, va + 0x123n)), frame + 0x123n);
  assert.is(k.ptMap(root, va, frame, SMALL, READ), EXISTS);
  assert.is(k.ptMap(root, va + 8n, frame, SMALL, READ), INVALID);
  assert.is(k.ptMap(root, 0x0000_8000_0000_0000n, frame, SMALL, READ), INVALID);
  assert.is(k.ptProtect(root, va, READ_EXECUTE), OK);
  assert.is(k.pteProtectionOf(k.ptLeaf(root, va)), READ_EXECUTE);
  assert.is(u(k.ptUnmap(root, va)), frame);
  assert.is(u(k.ptTranslate(root, va)), NOT_MAPPED);
  assert.is(u(k.ptUnmap(root, va)), NOT_MAPPED);
  assert.is(k.ptProtect(root, va, READ), NOT_FOUND);
});

test("2 MiB and 1 GiB pages translate with their offsets; a small map under a huge page is refused", () => {
  const { k, root } = machine();
  const base = 0xffff_d000_4000_0000n;
  assert.is(k.ptMap(root, base, 0x4000_0000n, HUGE, READ), OK);
  assert.is(u(k.ptTranslate(root, base + 0x1234_5678n)), 0x5234_5678n);
  assert.is(k.ptMap(root, base + 0x1000n, 0x1000n, SMALL, READ), EXHAUSTED, "blocked by the 1 GiB page");
  assert.is(k.ptMap(root, base + (1n << 30n), 0x20_0000n, LARGE, READ_WRITE), OK);
  assert.is(u(k.ptTranslate(root, base + (1n << 30n) + 0x1f_ffffn)), 0x3f_ffffn);
  assert.is(k.ptMap(root, base + (1n << 30n) + 0x20_0000n, 0x30_0000n, LARGE, READ), INVALID, "target not 2 MiB aligned");
});

test("software bits ride in the leaf; replace swaps frame and access in place", () => {
  const { k, root } = machine();
  const va = 0xffff_d000_0000_0000n;
  const COPY_ON_WRITE = 1n << 9n, FOREIGN = 1n << 10n;
  const a = k.framesAlloc(0, 6), b = k.framesAlloc(0, 6);
  assert.is(k.ptMapSoftware(root, va, a, READ, COPY_ON_WRITE | (1n << 40n)), OK);
  assert.is(u(k.ptLeaf(root, va)), a | 1n | COPY_ON_WRITE | NX, "only the software bits are taken");
  assert.is(k.ptReplace(root, va, b, READ_WRITE, FOREIGN), OK);
  assert.is(u(k.ptLeaf(root, va)), b | 3n | FOREIGN | NX);
  assert.is(k.ptReplace(root, va + 0x1000n, b, READ_WRITE, 0n), NOT_FOUND, "nothing mapped there");
  assert.is(k.ptReplace(root, va + 8n, b, READ_WRITE, 0n), INVALID, "misaligned");
});

test("releaseRange frees leaves and tables", () => {
  const { k, root } = machine();
  const start = k.framesFreeCount();
  const slot = 0xffff_a000_0000_0000n;
  for (let i = 0n; i < 40n; i++) {
    const f = k.framesAlloc(0, 5);
    assert.is(k.ptMap(root, slot + i * 0x1000n + (i % 3n) * (1n << 30n), f, SMALL, READ_WRITE), OK);
  }
  assert.ok(k.framesFreeCount() < start - 40n);
  k.ptReleaseRange(root, slot, 8n << 30n);
  assert.is(k.framesFreeCount(), start - 1n, "all but the PDPT above the slot");
  assert.is(u(k.ptTranslate(root, slot)), NOT_MAPPED);
});

test("pools: quota, machine-wide commit limit, destroy only when empty", () => {
  const { k } = boot();
  k.poolsInit();
  k.poolsSetCommitLimit(100n);
  const pool = k.poolsCreate(64n);
  assert.is(k.poolsCommit(pool, 60n), OK);
  assert.is(k.poolsCommit(pool, 5n), QUOTA);
  assert.is(k.poolsCommit(0, 41n), EXHAUSTED, "the kernel pool is unlimited but the machine is not");
  assert.is(k.poolsCommit(0, 40n), OK);
  assert.is(k.poolsDestroy(pool), 8, "not ready: still committed");
  k.poolsUncommit(pool, 60n);
  assert.is(k.poolsDestroy(pool), OK);
  assert.is(k.poolsCommit(pool, 1n), INVALID, "a destroyed pool");
});

test.run();
