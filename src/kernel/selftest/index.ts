// selftest — the guest side of the test protocol. With aios.test=<name> on the
// command line the kernel, once ready, runs that scenario and leaves QEMU through
// isa-debug-exit: 0x10 pass (status 33), 0x11 fail (35); a panic exits 0x12 (37).
// The host harness (test/guest/) reads the serial log and checks the report.
import { debugExit, cpu } from "../../hal";
import * as line from "../line";
import * as log from "../log";
import * as scenarios from "./scenarios";

function nameIs(source: usize, length: i32, name: string): bool {
  if (length != name.length) return false;
  for (let i = 0; i < length; i++) {
    if (<i32>load<u8>(source + <usize>i) != name.charCodeAt(i)) return false;
  }
  return true;
}

function verdict(passed: bool, source: usize, length: i32): void {
  line.reset();
  line.text(passed ? "AIOS test pass: " : "AIOS test fail: ");
  line.bytes(source, length);
  log.publish();
  debugExit.exit(passed ? debugExit.ExitCode.Pass : debugExit.ExitCode.Fail);
  cpu.disableInterrupts();
  while (true) cpu.halt();
}

/** Runs the named scenario; never returns. */
export function run(source: usize, length: i32): void {
  line.reset();
  line.text("AIOS test start: ");
  line.bytes(source, length);
  log.publish();
  if (nameIs(source, length, "boot")) {
    verdict(true, source, length);
  } else if (nameIs(source, length, "pagefault")) {
    scenarios.pageFault();
  } else if (nameIs(source, length, "invalid-opcode")) {
    scenarios.invalidOpcode();
  } else if (nameIs(source, length, "divide-error")) {
    scenarios.divideError();
  } else if (nameIs(source, length, "wasm-trap")) {
    scenarios.wasmOutOfBounds(<usize>length);
  } else if (nameIs(source, length, "panic")) {
    scenarios.deliberatePanic();
  } else {
    log.error("selftest: no such scenario");
  }
  // A provoking scenario that comes back did not get its report.
  verdict(false, source, length);
}
