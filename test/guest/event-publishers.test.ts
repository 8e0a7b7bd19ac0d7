// Scenario event-publishers: an agent subscribed (capability-checked, through the
// ABI) to the device, interrupt and performance topics receives real events. The
// boot's device events — virtio-blk claimed, its disk vda and partition vda1
// added, a legacy-only virtio-rng claimed and refused — come by replay of the
// topic's retained events (they happened before the agent existed); the disk's
// MSI-X vector's first interrupt too. Reads of the disk make interrupts that
// arrive as at most one Count a second for the vector, adding up to at least all
// the interrupts taken; a performance sample (CPU idle share, frames free, context
// switches) arrives every second.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mbr } from "../../tools/disklabel.ts";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("device, interrupt and performance events reach a subscribed agent", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aios-events-"));
  const image = join(dir, "disk.img");
  try {
    const fd = openSync(image, "w");
    truncateSync(image, 8 << 20);
    const table = mbr([{ first: 2048, sectors: 8192 }]);
    writeSync(fd, table, 0, table.length, 0);
    closeSync(fd);
    const result = await scenario("event-publishers", "pvh", {
      extra: ["-nic", "none", "-drive", `file=${image},if=none,id=d0,format=raw`, "-device", "virtio-blk-pci,drive=d0",
        "-device", "virtio-rng-pci,disable-modern=on,disable-legacy=off"],
    });
    expectStatus(result, STATUS_PASS);
    expectOutput(result, /AIOS publishers blk_claimed=yes rng_refused=yes disk_added=yes partition_added=yes first_interrupt=yes/);
    const facts = /interrupts_taken=(\d+) count_events=(\d+) counted=(\d+) idle_samples=(\d+) frames_free=(\d+) switches=(\d+) waited_ms=(\d+)/.exec(result.output);
    assert.ok(facts, "the figures");
    const [taken, counts, counted, idle, free, switches, waited] = facts!.slice(1).map(Number);
    assert.ok(taken > 0 && counted >= taken, `interrupts taken ${taken}, counted ${counted}`);
    assert.ok(counts >= 1 && counts <= Math.floor(waited / 1000) + 1, `${counts} Count events in ${waited} ms: bounded by time, not by ${taken} interrupts`);
    assert.ok(idle >= 1 && free > 0 && switches > 0, "a performance sample");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
