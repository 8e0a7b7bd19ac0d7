// Scenario edf: a thread with a 6 ms / 10 ms reservation gets its share beside two
// fair-share threads in endless loops, and an overcommitting reservation is refused.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("earliest-deadline-first reservations", async () => {
  const result = await scenario("edf");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS edf reserved_share_pct=\d+ fair_a_ms=[1-9]\d* fair_b_ms=[1-9]\d* admitted=yes overcommit_refused=yes/);
});

test.run();
