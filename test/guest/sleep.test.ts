// Scenario sleep: 100 ms sleeps on the local APIC timer measure 100 ms ±5% by the
// HPET's own counter: none ends early, and the best of five is within 5% (a
// loaded host may stall the emulated CPU through any one of them; a wrongly
// calibrated timer gets all five wrong). Checked in the guest, which reports it.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("sleep(100 ms) is 100 ms ±5% by the HPET", async () => {
  const result = await scenario("sleep");
  expectOutput(result, /AIOS sleep measured_us=\d+ early=no/);
  expectStatus(result, STATUS_PASS);
});

test.run();
