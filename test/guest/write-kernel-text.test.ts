// Scenario write-kernel-text: the kernel image is W^X, so a write to its text
// faults with a protection violation and the full report.
import { test } from "uvu";
import { expectExceptionReport, scenario } from "./harness.ts";

test("a write to kernel text faults", async () => {
  expectExceptionReport(await scenario("write-kernel-text"),
    /CPU EXCEPTION: page fault \(#PF\) vector=14 error=0x3\r?\n/,
    /cr2=0xffffffff80[0-9a-f]{6} \(protection-violation write, supervisor\)/,
    "memory/writeKernelText");
});

test.run();
