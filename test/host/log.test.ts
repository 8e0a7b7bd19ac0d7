// The kernel log's formatting: prefixes, numbers, the ring and levels.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";

test("prefix: seconds, microseconds and a padded level", () => {
  const { k, line } = boot();
  k.logFormatPrefix(2, 1_234_567_891n);
  assert.is(line(), "[    1.234567] info  ");
  k.logFormatPrefix(0, 0n);
  assert.is(line(), "[    0.000000] error ");
  k.logFormatPrefix(3, 99_999_000_000_000n);
  assert.is(line(), "[99999.000000] debug ");
});

test("numbers: hex, decimal, signed, padded", () => {
  const { k, line } = boot();
  k.lineReset(); k.lineHex(0xdeadbeefn, 1); assert.is(line(), "0xdeadbeef");
  k.lineReset(); k.lineHex(0x2an, 4); assert.is(line(), "0x002a");
  k.lineReset(); k.lineHex(-1n, 1); assert.is(line(), "0xffffffffffffffff");
  k.lineReset(); k.lineDecimal(0n); assert.is(line(), "0");
  k.lineReset(); k.lineDecimal(-1n); assert.is(line(), "18446744073709551615");
  k.lineReset(); k.lineSigned(-42n); assert.is(line(), "-42");
  k.lineReset(); k.linePadded(7n, 3, 0x30); assert.is(line(), "007");
});

test("a line longer than the buffer is cut, not overrun", () => {
  const { k, line } = boot();
  k.lineReset();
  k.lineFill(600);
  assert.is(line().length, 512);
  assert.is(k.lineTruncated(), 1);
});

test("messages go to the ring always and to the console by level", () => {
  const { k, machine } = boot();
  k.logSetThreshold(1);          // warn
  k.logMessage(2);               // info: ring only
  assert.is(machine.serial, "");
  k.logMessage(0);               // error: both
  assert.match(machine.serial, /\] error hello\r\n$/);
  let ring = "";
  for (let i = 0; i < k.logRingSize(); i++) ring += String.fromCharCode(k.logRingByte(i));
  assert.match(ring, /info  hello\n.*error hello\n$/s);
});

test("the ring keeps the newest 64 KiB", () => {
  const { k } = boot();
  k.logSetThreshold(0);
  for (let i = 0; i < 5000; i++) k.logMessage(3);
  assert.is(k.logRingSize(), 64 * 1024);
  let tail = "";
  for (let i = k.logRingSize() - 6; i < k.logRingSize(); i++) tail += String.fromCharCode(k.logRingByte(i));
  assert.is(tail, "hello\n");
});

test("level names parse; unknown ones do not", () => {
  const { k, write } = boot();
  const at = k.scratchBuffer();
  for (const [name, level] of [["error", 0], ["warn", 1], ["info", 2], ["debug", 3], ["verbose", -1], ["", -1], ["infox", -1]] as const) {
    assert.is(k.logParseLevel(at, write(at, name)), level, name);
  }
});

test("TSC ticks to nanoseconds without overflow", () => {
  const { k } = boot();
  assert.is(k.clockTicksToNanoseconds(3_000_000_000n, 3_000_000_000n), 1_000_000_000n);
  assert.is(k.clockTicksToNanoseconds(0n, 0n), 0n);
  // a week of ticks at 4 GHz
  const week = 4_000_000_000n * 604_800n;
  assert.is(k.clockTicksToNanoseconds(week, 4_000_000_000n), 604_800_000_000_000n);
});

test.run();
