// Kernel command-line options.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";

function parse(text: string) {
  const b = boot();
  const at = b.k.scratchBuffer();
  b.k.cmdlineParse(at, b.write(at, text));
  return { ...b, test: b.text(b.k.cmdlineTestData(), b.k.cmdlineTestSize()), level: b.k.cmdlineLogLevel() };
}

test("log level and test scenario", () => {
  const r = parse("  aios.log=debug\taios.test=pagefault console=ttyS0 ");
  assert.is(r.level, 3);
  assert.is(r.test, "pagefault");
});

test("defaults when absent", () => {
  const r = parse("");
  assert.is(r.level, -1);
  assert.is(r.test, "");
});

test("an unknown level is warned about and ignored", () => {
  const r = parse("aios.log=loud");
  assert.is(r.level, -1);
  assert.match(r.machine.serial, /unknown log level 'loud'/);
});

test("an empty or oversized scenario name is refused", () => {
  assert.is(parse("aios.test=").test, "");
  const long = parse("aios.test=" + "x".repeat(65));
  assert.is(long.test, "");
  assert.match(long.machine.serial, /1 to 64 characters/);
});

test("the last of a repeated option wins", () => {
  assert.is(parse("aios.log=error aios.log=warn").level, 1);
});

test.run();
