// Scenario memory-quota: memory.grow returns -1 at a pool's quota and past the machine's memory; nothing leaks.
import { test } from "uvu";
import { expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("memory-quota", async () => {
  expectStatus(await scenario("memory-quota"), STATUS_PASS);
});

test.run();
