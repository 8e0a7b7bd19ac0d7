// The boot scenario with the smallest and a large guest: the memory map is read
// right whatever the size (16 MiB is the least AIOS supports).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { expectStatus, readyFacts, scenario, STATUS_PASS } from "./harness.ts";

for (const [memory, low, high] of [["16M", 14, 16], ["8G", 8000, 8192]] as const) {
  test(`boots with ${memory} of RAM`, async () => {
    const result = await scenario("boot", "pvh", { memory });
    expectStatus(result, STATUS_PASS);
    const mib = Number(readyFacts(result).mem_total_mib);
    assert.ok(mib >= low && mib <= high, `mem_total_mib=${mib}`);
  });
}

test.run();
