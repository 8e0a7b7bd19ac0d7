// Scenario state-moves: merge (one agent absorbs another's state, the other ends),
// split (state and quota divided), upgrade to the next version of the module with
// its state carried, and a refused upgrade rolled back; the audit chain verifies.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("merge, split, upgrade and rollback", async () => {
  const result = await scenario("state-moves");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS lifecycle merge=15 split=8\+7 upgrade=v2 rollback=yes audit=verified/);
});

test.run();
