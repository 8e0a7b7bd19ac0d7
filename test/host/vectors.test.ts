// Interrupt vectors: allocation from the device range, shared handlers on one
// vector all called with their own context, removal, and the per-vector limit.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";

const OK = 0, INVALID = 1, NOT_FOUND = 4, EXHAUSTED = 5;

test("device vectors are allocated once each, from 0x30", () => {
  const { k } = boot();
  assert.is(k.vectorsAllocate(), 0x30);
  assert.is(k.vectorsAllocate(), 0x31);
  k.vectorsRelease(0x30);
  assert.is(k.vectorsAllocate(), 0x30);
  let count = 2;
  while (k.vectorsAllocate() !== 0) count++;
  assert.is(count, 0xdf - 0x30 + 1, "the whole device range, then 0");
});

test("shared handlers all run, each with its context; unregister removes one", () => {
  const { k } = boot();
  assert.is(k.vectorsRun(0x40), 0, "no handler");
  assert.is(k.vectorsRegisterFirst(0x40, 7), OK);
  assert.is(k.vectorsRegisterSecond(0x40, 9), OK);
  assert.is(k.vectorsRun(0x40), 1);
  assert.is(k.vectorsCalls(), 101);
  assert.is(k.vectorsLastContext(), 9);
  assert.is(k.vectorsUnregisterFirst(0x40, 7), OK);
  assert.is(k.vectorsUnregisterFirst(0x40, 7), NOT_FOUND);
  k.vectorsRun(0x40);
  assert.is(k.vectorsCalls(), 201);
});

test("limits: four handlers per vector, no handlers on exception vectors", () => {
  const { k } = boot();
  for (let i = 0; i < 4; i++) assert.is(k.vectorsRegisterFirst(0x50, i), OK);
  assert.is(k.vectorsRegisterFirst(0x50, 4), EXHAUSTED);
  assert.is(k.vectorsRegisterFirst(14, 0), INVALID);
});

test.run();
