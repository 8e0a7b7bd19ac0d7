// The known answers compiled into the guest's crypto-kat scenario
// (src/kernel/selftest/crypto.ts) are the ones Node's crypto and
// @noble/post-quantum give for the same inputs (test/host/cryptokat.ts), so the
// guest test checks against the reference, not against a copy of AIOS's output.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { asAssemblyScript, guestVectors } from "./cryptokat.ts";

test("every constant in selftest/crypto.ts matches the reference", () => {
  const source = readFileSync("src/kernel/selftest/crypto.ts", "utf8");
  const vectors = guestVectors();
  assert.is(Object.keys(vectors).length, 12);
  for (const [name, value] of Object.entries(vectors)) {
    assert.ok(source.includes(asAssemblyScript(name, value)), `${name} differs from the reference (regenerate with npx tsx test/host/cryptokat.ts)`);
  }
});

test.run();
