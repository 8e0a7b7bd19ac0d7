// Scenario preempt: two agents in endless loops (each in its own probe instance,
// on its own thread) share the CPU fairly by virtual runtime, and the kernel
// thread that sleeps meanwhile wakes on time; both agents are then killed.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("an agent in an endless loop cannot starve others", async () => {
  const result = await scenario("preempt");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS preempt slept_ms=\d+ agent_a=[1-9]\d* agent_b=[1-9]\d* run_a_ms=\d+ run_b_ms=\d+/);
});

test.run();
