// Scenario smp: with -smp 1, 2 and 4 on q35 and on pc, every CPU the MADT lists
// comes online and takes a local timer interrupt, a call-function IPI reaches
// every other CPU, and a TLB shootdown makes a changed mapping visible on all.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { expectOutput, expectStatus, readyFacts, scenario, STATUS_PASS } from "./harness.ts";

for (const machine of ["q35", "pc"]) {
  for (const cpus of [1, 2, 4]) {
    test(`${machine} with ${cpus} CPU(s)`, async () => {
      const result = await scenario("smp", "pvh", { machine, smp: cpus });
      expectStatus(result, STATUS_PASS);
      assert.is(readyFacts(result).cpus, String(cpus));
      expectOutput(result, new RegExp(`AIOS smp cpus=${cpus}/${cpus} timer_irqs=${Array(cpus).fill("[1-9]\\d*").join(",")}\\r?\\n`));
    });
  }
}

test.run();
