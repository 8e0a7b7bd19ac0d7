// Scenario pagefault: a deliberate CPU exception (a write to an unmapped address) gives the full report
// (name, vector, error code, RIP, RSP, CR2, a named stack trace) and a panic exit.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PANIC } from "./harness.ts";

test("pagefault is reported in full", async () => {
  const result = await scenario("pagefault");
  expectStatus(result, STATUS_PANIC);
  expectOutput(result, /CPU EXCEPTION: page fault \(#PF\) vector=14 error=0x2\r?\n/);
  expectOutput(result, /cr2=0x0000004000000000 \(not-present write, supervisor\)/);
  expectOutput(result, /rsp=0x[0-9a-f]{16} rbp=0x[0-9a-f]{16}/);
  expectOutput(result, /cr2=0x[0-9a-f]{16}/);
  expectOutput(result, /stack trace:\r?\n  #0 0x[0-9a-f]{16} Z_halZ_\w+\+0x[0-9a-f]+\r?\n  #1 0x[0-9a-f]{16} src\/kernel\/selftest\/scenarios\/pageFault\+0x/);
});

test.run();
