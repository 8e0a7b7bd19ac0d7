// Scenario sleep: a 100 ms sleep on the local APIC timer measures 100 ms ±5% by
// the HPET's own counter (checked in the guest, which reports the figure).
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("sleep(100 ms) is 100 ms ±5% by the HPET", async () => {
  const result = await scenario("sleep");
  expectOutput(result, /AIOS sleep measured_us=\d+/);
  expectStatus(result, STATUS_PASS);
});

test.run();
