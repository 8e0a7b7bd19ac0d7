// Scenario fabric: a page shared between two agents (written by one, read by the
// other), a read-only mapping that traps its writer, a version, a lease that
// reclaims its region, and the owner's end reclaiming its regions.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("memory fabric", async () => {
  const result = await scenario("fabric");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS fabric shared=yes readonly_trap=yes lease=yes/);
  expectOutput(result, /wrote to a read-only page at 0xffffa[0-9a-f]+; trapping it/);
});

test.run();
