// GDT, TSS and IDT encoders against values worked out from the Intel SDM (and the
// descriptors every 64-bit kernel uses).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";

const { k } = boot();
const u = (v: bigint) => BigInt.asUintN(64, v);

test("kernel code and data segments", () => {
  assert.is(u(k.gdtKernelCode()), 0x00af9a000000ffffn);
  assert.is(u(k.gdtKernelData()), 0x00cf92000000ffffn);
});

test("segment fields land where the SDM puts them", () => {
  // base 0x12345678, limit 0xabcde, access 0x9a, flags 0xc
  assert.is(u(k.gdtSegment(0x12345678, 0xabcde, 0x9a, 0xc)), 0x12ca9a345678bcden);
});

test("64-bit TSS descriptor, both halves", () => {
  const base = 0xffffffff80123450n;
  assert.is(u(k.gdtTssLow(base, 103)), 0x8000_8912_3450_0067n);
  assert.is(u(k.gdtTssHigh(base)), 0xffffffffn);
});

test("IDT interrupt gate with and without an IST", () => {
  const handler = 0xffffffff80105a30n;
  assert.is(u(k.idtGateLow(handler, 0x08, 0, 0xe, 0)), 0x80108e0000085a30n);
  assert.is(u(k.idtGateLow(handler, 0x08, 1, 0xe, 0)), 0x80108e0100085a30n);
  assert.is(u(k.idtGateHigh(handler)), 0xffffffffn);
  // a trap gate callable from ring 3 (type 0xf, DPL 3)
  assert.is(u(k.idtGateLow(0x1234n, 0x08, 0, 0xf, 3)), 0x0000ef0000081234n);
});

test.run();
