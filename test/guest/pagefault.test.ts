// Scenario pagefault: a deliberate CPU exception (a write to an unmapped address) gives the full report
// (name, vector, error code, RIP, RSP, CR2, a named stack trace) and a panic exit.
import { test } from "uvu";
import { expectExceptionReport, scenario } from "./harness.ts";

test("pagefault is reported in full", async () => {
  expectExceptionReport(await scenario("pagefault"),
    /CPU EXCEPTION: page fault \(#PF\) vector=14 error=0x2\r?\n/,
    /cr2=0x0000004000000000 \(not-present write, supervisor\)/,
    "scenarios/pageFault");
});

test.run();
