// report.ts — how a scenario says what failed: one error line naming the
// scenario, the check and the value seen; always false, to return from a check.
import * as line from "../line";
import * as log from "../log";

export function failure(scenario: string, what: string, value: i64): bool {
  log.begin(log.Level.Error);
  line.text("selftest: ");
  line.text(scenario);
  line.text(": ");
  line.text(what);
  line.text(" (");
  line.signed(value);
  line.text(")");
  log.end();
  return false;
}
