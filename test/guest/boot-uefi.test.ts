// Boot the GRUB ISO under UEFI (OVMF): multiboot2 hand-off with a GOP framebuffer.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { expectOutput, expectStatus, readyFacts, scenario, STATUS_PASS } from "./harness.ts";

test("GRUB UEFI ISO boots by multiboot2 and passes", async () => {
  const result = await scenario("boot", "uefi");
  expectStatus(result, STATUS_PASS);
  assert.is(readyFacts(result).boot, "multiboot2");
  expectOutput(result, /framebuffer=\d+x\d+x\d+/);
});

test.run();
