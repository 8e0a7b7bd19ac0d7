// Scenario double-fault: an exception raised with the stack pointer on an
// unmapped page cannot be delivered; the CPU raises #DF, which arrives on its own
// IST stack (from the TSS) and is reported like any other exception.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PANIC } from "./harness.ts";

test("a double fault is reported from its IST stack", async () => {
  const result = await scenario("double-fault");
  expectStatus(result, STATUS_PANIC);
  expectOutput(result, /CPU EXCEPTION: double fault \(#DF\) vector=8 error=0x0\r?\n/);
  expectOutput(result, /rsp=0x0000004000000000 /);
  expectOutput(result, /cr2=0x0000003ffffffff8/);
});

test.run();
