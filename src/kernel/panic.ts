// panic.ts — the end of the line: print why, where, and stop. Under the guest test
// protocol (and whenever QEMU has isa-debug-exit) this exits QEMU with status 37;
// otherwise the CPU halts with interrupts off.
import { cpu, debugExit } from "../hal";
import * as line from "./line";
import * as log from "./log";
import * as stacktrace from "./stacktrace";
import * as ipi from "./platform/ipi";

let panicking = false;

/** Stops the machine for good after a report has been printed. */
export function halt(): void {
  ipi.haltOthers();
  debugExit.exit(debugExit.ExitCode.Panic);
  cpu.disableInterrupts();
  while (true) cpu.halt();
}

/** A broken invariant: report with a stack trace from here, then halt. */
export function panic(reason: string): void {
  cpu.disableInterrupts();
  if (!panicking) {
    panicking = true;
    line.reset();
    line.text("PANIC: ");
    line.text(reason);
    log.writeRaw();
    stacktrace.print(0, cpu.frameAddress());
  }
  halt();
}
