// Boot the GRUB ISO by legacy BIOS (SeaBIOS): multiboot2 hand-off.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { expectStatus, readyFacts, scenario, STATUS_PASS } from "./harness.ts";

test("GRUB BIOS ISO boots by multiboot2 and passes", async () => {
  const result = await scenario("boot", "bios");
  expectStatus(result, STATUS_PASS);
  const facts = readyFacts(result);
  assert.is(facts.boot, "multiboot2");
  assert.ok(Number(facts.mem_total_mib) >= 120, `mem_total_mib=${facts.mem_total_mib}`);
});

test.run();
