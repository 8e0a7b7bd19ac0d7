// Scenario module-trap: a module reading past its memory traps while the kernel and a second module keep running; the explicit-check build traps too.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("module-trap", async () => {
  const result = await scenario("module-trap");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /module instance \d+ hit its guard at 0xffffa000000[0-9a-f]{5}; trapping it/);
});

test.run();
