// An NMI injected from the QEMU monitor is reported and survived: the scenario
// then passes normally.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("an NMI from the monitor is survived", async () => {
  const result = await scenario("nmi", "pvh", { smp: 2, monitor: { when: /waiting for an NMI/, command: "nmi" } });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /NMI received and survived/);
});

test.run();
