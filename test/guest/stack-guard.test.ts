// Scenario stack-guard: unbounded recursion runs the boot stack into its guard
// page; the CPU cannot deliver the page fault on that stack, so the double fault
// arrives on its IST stack and the report names the overflow.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PANIC } from "./harness.ts";

test("a stack guard hit is reported", async () => {
  const result = await scenario("stack-guard");
  expectStatus(result, STATUS_PANIC);
  expectOutput(result, /KERNEL STACK OVERFLOW: guard page hit at 0xffffffff80[0-9a-f]{6}\r?\n/);
  expectOutput(result, /CPU EXCEPTION: double fault \(#DF\) vector=8/);
  expectOutput(result, /#1 0x[0-9a-f]{16} overflow_stack\+0x/);
});

test.run();
