// Scenario divide-error: a deliberate CPU exception (div by zero) gives the full report
// (name, vector, error code, RIP, RSP, CR2, a named stack trace) and a panic exit.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PANIC } from "./harness.ts";

test("divide-error is reported in full", async () => {
  const result = await scenario("divide-error");
  expectStatus(result, STATUS_PANIC);
  expectOutput(result, /CPU EXCEPTION: divide error \(#DE\) vector=0 error=0x0\r?\n/);
  expectOutput(result, /rip=0x[0-9a-f]{16} Z_halZ_provokeException\+0x/);
  expectOutput(result, /rsp=0x[0-9a-f]{16} rbp=0x[0-9a-f]{16}/);
  expectOutput(result, /cr2=0x[0-9a-f]{16}/);
  expectOutput(result, /stack trace:\r?\n  #0 0x[0-9a-f]{16} Z_halZ_\w+\+0x[0-9a-f]+\r?\n  #1 0x[0-9a-f]{16} src\/kernel\/selftest\/scenarios\/divideError\+0x/);
});

test.run();
