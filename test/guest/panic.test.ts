// Scenario panic: a kernel panic prints its reason and a trace and exits 37.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PANIC } from "./harness.ts";

test("a panic exits QEMU with status 37", async () => {
  const result = await scenario("panic");
  expectStatus(result, STATUS_PANIC);
  expectOutput(result, /PANIC: deliberate panic requested by the panic scenario/);
  expectOutput(result, /#[01] 0x[0-9a-f]{16} src\/kernel\/selftest\/scenarios\/deliberatePanic\+0x/);
});

test.run();
