// Scenario pci: enumeration by ECAM on q35 (from the MCFG) and by the legacy
// ports on pc; each machine's known functions are found with their BARs, and a
// virtio-net device with its MSI-X and vendor-specific capabilities.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

const NIC = ["-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"];

test("q35: ECAM", async () => {
  const result = await scenario("pci", "pvh", { machine: "q35", extra: NIC });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS pci total=\d+ access=ecam/);
  expectOutput(result, /AIOS pci 00:00\.0 0x8086:0x29c0 class=0x06\/0x00/);                 // host bridge
  expectOutput(result, /AIOS pci 00:1f\.2 0x8086:0x2922 class=0x01\/0x06 bars=.*5mem:0x1000,.* caps=.*0x05,/);   // AHCI, ABAR, MSI
  expectOutput(result, /AIOS pci [0-9a-f]{2}:[0-9a-f]{2}\.0 0x1af4:0x10(00|41) class=0x02\/0x00 bars=.*mem:0x4000,.* caps=0x11,0x09,/);
});

test("pc: legacy ports", async () => {
  const result = await scenario("pci", "pvh", { machine: "pc", extra: NIC });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS pci total=\d+ access=ports/);
  expectOutput(result, /AIOS pci 00:00\.0 0x8086:0x1237 class=0x06\/0x00/);
  expectOutput(result, /AIOS pci [0-9a-f]{2}:[0-9a-f]{2}\.0 0x1af4:0x1000 class=0x02\/0x00 bars=0io:0x20,/);
});

test.run();
