// The boot scenario with the smallest, a middling and a large guest: the memory
// map is read, the frame allocator and page tables built, whatever the size (16
// MiB is the least AIOS supports). No NIC: the bound below is the kernel's own
// overhead (the frame allocator's metadata, about 4 MiB at 8 GiB, page tables,
// the image and its static data, the AHCI controller's command memory), and q35's
// default NIC would add the e1000 driver's 260 KiB of rings and buffers to it.
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
    assert.ok(free > 0 && free < mib && free >= mib - 12, `mem_free_mib=${free} of ${mib}`);
  });
}

test.run();
