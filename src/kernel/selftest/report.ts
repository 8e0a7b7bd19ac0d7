// report.ts — how a scenario says what failed: one error line naming the
// scenario, the check and the value seen; always false, to return from a check.
// expectEqual() is the common check: a call's result against the one wanted.
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

/** True when `got` is `wanted`; else an error line "selftest: `scenario`: `what`
 *  gave `got`, expected `wanted`" (decimal), and false. */
export function expectEqual(scenario: string, what: string, got: u32, wanted: u32): bool {
  if (got == wanted) return true;
  log.begin(log.Level.Error);
  line.text("selftest: ");
  line.text(scenario);
  line.text(": ");
  line.text(what);
  line.text(" gave ");
  line.decimal(got);
  line.text(", expected ");
  line.decimal(wanted);
  log.end();
  return false;
}
