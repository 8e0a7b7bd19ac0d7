// Scenario priority-inheritance: a light thread holds a kernel mutex through a
// long stretch of agent code while two middle-weight agents spin; a heavy thread
// waiting for the mutex lends the owner its weight and place, so it gets the mutex
// within tens of milliseconds (without inheritance: not within 3 s).
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("priority inheritance on kernel mutexes", async () => {
  const result = await scenario("priority-inheritance");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS pi heavy_waited_ms=\d+ done=yes/);
});

test.run();
