// Scenario agents: spawn, clone (memory shared copy-on-write), specialize (roles only narrow),
// a vetoing lifecycle hook, an agent that traps 100 times in a row restarted with
// backoff and then given up on while another keeps running, kill reclaiming
// everything, and the audit chain verifying over all of it.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("agent lifecycle and supervision", async () => {
  const result = await scenario("agents");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /agents: agent \d+ trapped 101 times in a row; giving up/);
  expectOutput(result, /AIOS agents restarts=100 audit_records=\d+ frames_not_back=-?\d+/);
});

test.run();
