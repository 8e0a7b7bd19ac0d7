// A missing host tool is named with the Debian package that brings it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { requireTools } from "../../tools/toolchain.ts";

test("a missing tool names its package and the apt-get line", () => {
  const path = process.env.PATH;
  process.env.PATH = "/nonexistent";
  try {
    assert.throws(() => requireTools(["wasm2c", "xorriso"]), (e: Error) =>
      /wasm2c \(wasm to C\): Debian package wabt/.test(e.message) && /apt-get install wabt xorriso/.test(e.message));
  } finally {
    process.env.PATH = path;
  }
});

test("present tools pass", () => {
  requireTools(["gcc"]);
});

test.run();
