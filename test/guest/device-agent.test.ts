// Scenario device-agent: QEMU's edu teaching device, which has no kernel driver,
// is granted to an agent; the agent drives it through its Device capability
// alone (identification, liveness check, 5! and 10! computed by the device).
// A second grant, a grant of a device a kernel driver holds, a capability for a
// device never granted, a read-only handle writing, a register past the BAR, an
// unaligned one, a wrong-kind and a forged handle are all refused.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("an agent drives a device through its capability, and nothing else reaches it", async () => {
  const result = await scenario("device-agent", "pvh", { extra: ["-nic", "none", "-device", "edu"] });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS device-agent edu=[0-9a-f]{2}:[0-9a-f]{2}\.\d checks=ok/);
});

test.run();
