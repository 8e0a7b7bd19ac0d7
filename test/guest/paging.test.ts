// Scenario paging: map, unmap and protect with 4 KiB, 2 MiB and 1 GiB pages on the live page tables.
import { test } from "uvu";
import { expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("paging", async () => {
  expectStatus(await scenario("paging"), STATUS_PASS);
});

test.run();
