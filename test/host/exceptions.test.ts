// Exception names and the page-fault error-code decoder.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";

const { k, line } = boot();

test("page-fault error codes", () => {
  k.pageFaultDescribe(0x0n); assert.is(line(), "not-present read, supervisor");
  k.pageFaultDescribe(0x2n); assert.is(line(), "not-present write, supervisor");
  k.pageFaultDescribe(0x3n); assert.is(line(), "protection-violation write, supervisor");
  k.pageFaultDescribe(0x15n); assert.is(line(), "protection-violation instruction-fetch, user");
  k.pageFaultDescribe(0x8009n); assert.is(line(), "protection-violation read, supervisor, reserved-bit, sgx");
  k.pageFaultDescribe(0x60n); assert.is(line(), "not-present read, supervisor, protection-key, shadow-stack");
});

test("exception names", () => {
  k.exceptionName(0); assert.is(line(), "divide error (#DE)");
  k.exceptionName(6); assert.is(line(), "invalid opcode (#UD)");
  k.exceptionName(14); assert.is(line(), "page fault (#PF)");
  k.exceptionName(15); assert.is(line(), "reserved exception");
});

test.run();
