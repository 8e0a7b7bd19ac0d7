// The boot scenario with the smallest, a middling and a large guest: the memory
// map is read, the frame allocator and page tables built, whatever the size (16
// MiB is the least AIOS supports). No NIC: the bound below is the memory
// manager's own overhead, and q35's default NIC would add the e1000 driver's
// 260 KiB of rings and buffers to it. The kernel image (about 0.45 MiB and
// growing with every subsystem) counts against it too: 9 MiB, not 8, so code
// added elsewhere does not fail a test of the memory manager.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { expectStatus, readyFacts, scenario, STATUS_PASS } from "./harness.ts";

for (const [memory, low, high] of [["16M", 14, 16], ["512M", 500, 512], ["8G", 8000, 8192]] as const) {
  test(`boots with ${memory} of RAM`, async () => {
    const result = await scenario("boot", "pvh", { memory, extra: ["-nic", "none"] });
    expectStatus(result, STATUS_PASS);
    const facts = readyFacts(result);
    const mib = Number(facts.mem_total_mib);
    assert.ok(mib >= low && mib <= high, `mem_total_mib=${mib}`);
    const free = Number(facts.mem_free_mib);
    assert.ok(free > 0 && free < mib && free >= mib - 9, `mem_free_mib=${free} of ${mib}`);
  });
}

test.run();
