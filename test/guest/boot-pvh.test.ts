// Boot by PVH (QEMU -kernel): the ready line with its facts, then a pass.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { expectStatus, readyFacts, scenario, STATUS_PASS } from "./harness.ts";

test("PVH boot reaches the ready line and passes", async () => {
  const result = await scenario("boot", "pvh");
  expectStatus(result, STATUS_PASS);
  const facts = readyFacts(result);
  assert.is(facts.boot, "pvh");
  assert.is(facts.cpus, "1");
  assert.ok(Number(facts.mem_total_mib) >= 120 && Number(facts.mem_total_mib) <= 128, `mem_total_mib=${facts.mem_total_mib}`);
  assert.ok(Number(facts.boot_ms) >= 0 && Number(facts.boot_ms) < 5000, `boot_ms=${facts.boot_ms}`);
});

test.run();
