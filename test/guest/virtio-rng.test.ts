// Scenario virtio-rng: the virtio 1.x PCI transport (capabilities, reset, feature
// negotiation, a split virtqueue) drives QEMU's virtio-rng on q35 and on pc, and
// 256 bytes of entropy come back, not all alike.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

for (const machine of ["q35", "pc"]) {
  test(`${machine}: virtio-rng gives entropy`, async () => {
    const result = await scenario("virtio-rng", "pvh", { machine, extra: ["-device", "virtio-rng-pci"] });
    expectStatus(result, STATUS_PASS);
    expectOutput(result, /virtio-rng: [0-9a-f]{2}:[0-9a-f]{2}\.\d ready, queue of \d+/);
    expectOutput(result, /AIOS virtio-rng bytes=256 distinct=\d+/);
  });
}

test.run();
