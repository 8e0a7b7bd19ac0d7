// Scenario invalid-opcode: a deliberate CPU exception (ud2) gives the full report
// (name, vector, error code, RIP, RSP, CR2, a named stack trace) and a panic exit.
import { test } from "uvu";
import { expectExceptionReport, scenario } from "./harness.ts";

test("invalid-opcode is reported in full", async () => {
  expectExceptionReport(await scenario("invalid-opcode"),
    /CPU EXCEPTION: invalid opcode \(#UD\) vector=6 error=0x0\r?\n/,
    /rip=0x[0-9a-f]{16} Z_halZ_provokeException\+0x/,
    "scenarios/invalidOpcode");
});

test.run();
