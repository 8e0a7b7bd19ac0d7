// Power: ACPI S5 powers QEMU off (status 0, no debug-exit), a reset ends QEMU
// under -no-reboot, and QEMU's system_powerdown (the ACPI power button, through
// the SCI) makes AIOS shut down in order. On q35 and pc.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario } from "./harness.ts";

const POWERED_OFF = 0;

for (const machine of ["q35", "pc"]) {
  test(`${machine}: shutdown powers off`, async () => {
    const result = await scenario("shutdown", "pvh", { machine, smp: 2 });
    expectStatus(result, POWERED_OFF);
    expectOutput(result, /power: shutting down \(ACPI S5\)/);
  });

  test(`${machine}: reset`, async () => {
    const result = await scenario("reset", "pvh", { machine });
    expectStatus(result, POWERED_OFF);
    expectOutput(result, /power: resetting/);
  });

  test(`${machine}: system_powerdown shuts AIOS down`, async () => {
    const result = await scenario("power-button", "pvh", {
      machine, smp: 2, monitor: { when: /waiting for the power button/, command: "system_powerdown" },
    });
    expectStatus(result, POWERED_OFF);
    expectOutput(result, /power: power button pressed; shutting down/);
  });
}

test.run();
