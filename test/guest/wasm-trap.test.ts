// Scenario wasm-trap: a load just past the end of the kernel module's memory is
// caught by the guard page beyond its size and reported as the kernel's wasm trap,
// with the trap kind and the AssemblyScript function.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PANIC } from "./harness.ts";

test("a wasm trap names its kind and the AssemblyScript function", async () => {
  const result = await scenario("wasm-trap");
  expectStatus(result, STATUS_PANIC);
  expectOutput(result, /WASM TRAP in kernel module: out-of-bounds memory access in function src\/kernel\/selftest\/scenarios\/wasmOutOfBounds\+0x/);
  expectOutput(result, /stack trace:/);
});

test.run();
