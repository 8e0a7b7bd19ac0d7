// Scenario timers: timers added out of order fire in deadline order from the
// APIC timer interrupt; a cancelled timer never fires.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("the timer queue orders and cancels", async () => {
  const result = await scenario("timers");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /timers fired 3 in order 123/);
});

test.run();
