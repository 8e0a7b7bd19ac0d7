// PCI BAR decoding against the PCI spec's encoding: I/O and memory, 32- and 64-bit,
// prefetchable, unimplemented.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";

const { k } = boot();
const u = (v: bigint) => BigInt.asUintN(64, v);

test("32-bit memory BAR", () => {
  assert.is(u(k.barsSize(0xfebd_0000, 0xffff_f000, 0)), 0x1000n);
  assert.is(u(k.barsAddress(0xfebd_0000, 0)), 0xfebd_0000n);
  assert.is(k.barsIs64(0xfebd_0000), 0);
});

test("64-bit prefetchable memory BAR spans two registers", () => {
  const bar = 0xfe00_000c;                 // type 64-bit, prefetchable
  assert.is(k.barsIs64(bar), 1);
  assert.is(u(k.barsSize(bar, 0xffff_c00c, 0xffff_ffff)), 0x4000n);
  assert.is(u(k.barsAddress(bar, 0x1)), 0x1_fe00_0000n);
  assert.is(u(k.barsSize(bar, 0x0000_000c, 0xffff_fffe)), 0x2_0000_0000n, "8 GiB");
});

test("I/O BAR", () => {
  assert.is(u(k.barsSize(0xc001, 0xffff_ffe1, 0)), 0x20n);
  assert.is(u(k.barsAddress(0xc001, 0)), 0xc000n);
});

test("an unimplemented BAR has no size", () => {
  assert.is(u(k.barsSize(0, 0, 0)), 0n);
  assert.is(u(k.barsSize(0x1, 0x1, 0)), 0n);
});

test.run();
