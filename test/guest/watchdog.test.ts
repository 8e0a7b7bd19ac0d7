// Scenario watchdog: an agent whose call runs past its watchdog is ended like a
// trap, restarted by its supervisor, and given up on at the limit, while another
// agent keeps running.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("watchdog timeout ends only that agent", async () => {
  const result = await scenario("watchdog");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS watchdog last_trap=100 restarts=3 gave_up=yes other_ran=yes/);
});

test.run();
