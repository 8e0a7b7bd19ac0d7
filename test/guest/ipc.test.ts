// Scenario ipc: a blocking ping-pong between two threads over two endpoints,
// a 64 KiB message copied whole, and too-large, full and empty cases refused.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("ipc endpoints", async () => {
  const result = await scenario("ipc");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS ipc roundtrips=1000 per_roundtrip_ns=\d+/);
});

test.run();
