// Bad platform input: no ACPI at all (pc,acpi=off) boots on the boot CPU with the
// PC defaults and says so; a MADT listing absent CPUs (-smp 2,maxcpus=4) starts
// only the CPUs that are there; a CPU that never answers (injected with
// aios.smp.phantom=) is logged and left out.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { expectOutput, expectStatus, readyFacts, scenario, STATUS_PASS } from "./harness.ts";

test("no ACPI tables: a clear log line and a working system", async () => {
  const result = await scenario("timers", "pvh", { machine: "pc,acpi=off", smp: 2 });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /acpi: no valid RSDP; no ACPI tables/);
  assert.is(readyFacts(result).cpus, "1");
});

test("a MADT listing absent CPUs: only the present ones start", async () => {
  const result = await scenario("smp", "pvh", { smp: "2,maxcpus=4" });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /acpi: cpus=2\/4 /);
  expectOutput(result, /smp: 2 of 4 CPUs online/);
  assert.is(readyFacts(result).cpus, "2");
});

test("a CPU that never answers its SIPI: a clear log line and the others run", async () => {
  const result = await scenario("smp", "pvh", { smp: 2, append: "aios.smp.phantom=7" });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /smp: the CPU with APIC id 7 did not answer its SIPI; going on without it/);
  assert.is(readyFacts(result).cpus, "2");
});

test.run();
