// Scenario divide-error: a deliberate CPU exception (div by zero) gives the full report
// (name, vector, error code, RIP, RSP, CR2, a named stack trace) and a panic exit.
import { test } from "uvu";
import { expectExceptionReport, scenario } from "./harness.ts";

test("divide-error is reported in full", async () => {
  expectExceptionReport(await scenario("divide-error"),
    /CPU EXCEPTION: divide error \(#DE\) vector=0 error=0x0\r?\n/,
    /rip=0x[0-9a-f]{16} Z_halZ_provokeException\+0x/,
    "scenarios/divideError");
});

test.run();
