// Scenario audit-tamper: the audit log, filled past its ring, verifies; one flipped
// byte of a stored record is reported at that record's index.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("a flipped byte in the audit log is found at its record", async () => {
  const result = await scenario("audit-tamper");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS audit tampered_index=519 detected=yes/);
});

test.run();
