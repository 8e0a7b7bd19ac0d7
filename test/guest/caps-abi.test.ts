// Scenario caps-abi: an agent's ABI calls are checked against its capabilities:
// a valid endpoint handle works; forged, expired, revoked (through a derived
// handle), wrong-kind and under-privileged handles, and a pointer past the
// caller's memory, are each denied with their own error and change nothing.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("capability-checked ABI calls", async () => {
  const result = await scenario("caps-abi");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS bench capcall calls=\d+ checked_ns_per_call=\d+ plain_ns_per_call=\d+/);
});

test.run();
