// interrupts — dispatch of every vector the IDT routes to the kernel. CPU
// exceptions are reported and stop the machine (NMI is reported and survived);
// device vectors arrive with issue 4's APIC work and are counted until then.
import * as line from "../line";
import * as log from "../log";
import * as panic from "../panic";
import * as exceptions from "./exceptions";
import * as frame from "./frame";

export { exceptions, frame };

const VECTOR_COUNT = 256;
const counters = memory.data(VECTOR_COUNT * 8);

export function count(vector: u32): u64 { return load<u64>(counters + <usize>vector * 8); }

/** Called by asm/isr.S (through linker/start.c) with the saved frame. */
export function dispatch(interruptFrame: u64): void {
  const vector = <u32>frame.read(interruptFrame, frame.FRAME_VECTOR) & 0xff;
  store<u64>(counters + <usize>vector * 8, count(vector) + 1);
  if (vector == exceptions.VECTOR_NMI) {
    log.warn("interrupts: NMI received and survived");
    return;
  }
  if (vector < exceptions.EXCEPTION_VECTORS) {
    exceptions.report(interruptFrame);
    panic.halt();
    return;
  }
  log.begin(log.Level.Debug);
  line.text("interrupts: unhandled vector ");
  line.decimal(vector);
  log.end();
}
