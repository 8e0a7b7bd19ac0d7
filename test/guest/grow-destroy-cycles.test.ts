// Scenario grow-destroy-cycles: 10,000 instantiate/grow/touch/destroy cycles leave free memory where it started.
import { test } from "uvu";
import { expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("grow-destroy-cycles", async () => {
  expectStatus(await scenario("grow-destroy-cycles"), STATUS_PASS);
});

test.run();
