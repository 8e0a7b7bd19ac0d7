// Scenario kernel-heap: the slab heap in the real kernel grows the kernel's own
// linear memory past its boot window, keeps contents, refuses a double free;
// a stack from the stack region has its guard page unmapped.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("kernel-heap", async () => {
  const result = await scenario("kernel-heap");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /heap: free of 0x[0-9a-f]+ refused/);
});

test.run();
