// Scenario events: an agent subscribes to the lifecycle topic through the
// capability-checked ABI and receives another agent's spawn and kill; a
// subscription without the Subscribe right is denied and shows on the security topic.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

test("event bus", async () => {
  const result = await scenario("events");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS events spawn=yes kill=yes denied_on_security_topic=yes/);
});

test.run();
