// Scenario clone-cow: an agent's clone shares its parent's frames copy-on-write.
// Both read the same pattern; writes by either side's code, a kernel store and an
// IPC receive into the clone each give the writer its own copy and leave the other
// side's data alone; the last holder's write takes no copy; the clone grows; the
// clone costs under a quarter of a frame per shared page; killing the parent and
// then the clone brings free memory back exactly to where it started.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("copy-on-write clone", async () => {
  const result = await scenario("clone-cow");
  expectStatus(result, STATUS_PASS);
  const figures = /AIOS clone shared_pages=(\d+) frames_allocated=(-?\d+) module_frames_allocated=(-?\d+) ratio_permille=(\d+) copies=(\d+)/.exec(result.output);
  assert.ok(figures, "the clone's figures");
  assert.ok(Number(figures![1]) >= 256, "the whole 1 MiB pattern shared");
  assert.ok(Number(figures![3]) <= 0, "no module-memory frame copied at clone");
  expectOutput(result, /AIOS clone free_frames_before=(\d+) after=\1\b/);
});

test.run();
