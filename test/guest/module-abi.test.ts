// Scenario module-abi: modules found by name, exports numbered by their manifest,
// a call through the generated "aios" binding (log, clock), a bad pointer refused.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("module-abi", async () => {
  const result = await scenario("module-abi");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /instance \d+: hello from probe/);
  expectOutput(result, /abi: log from instance \d+ refused/);
});

test.run();
