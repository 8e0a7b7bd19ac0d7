// Scenario caps-smp, on two CPUs: aios.cap_check runs without the kernel lock,
// inside the capability tables' sequence counter. An agent on CPU 1 calls it in a
// loop on one handle while CPU 0 changes other capabilities of the same agent and
// then revokes the handle: no call that returned before the revoke began is
// denied, no call that began after revoke() returned passes (each is Revoked),
// and nothing crashes. Four rounds. Then the same calls without end under a
// watchdog, which ends them as the agent's trap (never inside the kernel's part).
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("a handle revoked on one CPU is refused at once by lock-free checks on another", async () => {
  const result = await scenario("caps-smp", "pvh", { smp: 2 });
  expectStatus(result, STATUS_PASS);
  for (let round = 0; round < 4; round++) {
    expectOutput(result, new RegExp(`AIOS caps-smp round=${round} passed=[1-9]\\d* early_denials=0 late_passes=0 last_error=16 ran_on=0x0*2\\b`));
  }
  expectOutput(result, /AIOS caps-smp watchdog last_trap=100\b/);
});

test.run();
