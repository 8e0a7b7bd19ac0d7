// An unknown scenario name is a failure (status 35), not a hang or a pass.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_FAIL } from "./harness.ts";

test("an unknown scenario fails cleanly", async () => {
  const result = await scenario("no-such-scenario");
  expectStatus(result, STATUS_FAIL);
  expectOutput(result, /selftest: no such scenario/);
  expectOutput(result, /AIOS test fail: no-such-scenario/);
});

test.run();
