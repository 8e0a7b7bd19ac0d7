// interrupts — dispatch of every vector the IDT routes to the kernel. A page
// fault is first offered to the memory system: a demand fault in a module memory
// is mapped and resumed; a guard hit during a module call traps that module. All
// other CPU exceptions are reported and stop the machine (NMI is reported and
// survived). Other vectors run their registered handlers (vectors.ts), then EOI.
// Dispatch takes the kernel lock (sync/kernellock.ts), except for NMI and the
// class-15 vectors (IPIs that answer another CPU, APIC error and spurious), which
// may arrive while this CPU waits for the lock; it gives the lock back before the
// interrupted code resumes (or a module call is unwound as a trap).
import { cpu } from "../../hal";
import * as line from "../line";
import * as log from "../log";
import * as mem from "../memory";
import * as modules from "../modules";
import * as panic from "../panic";
import * as exceptions from "./exceptions";
import * as frame from "./frame";
import * as pagefault from "./pagefault";
import * as vectors from "./vectors";
import * as trapReport from "../trap";
import * as scheduler from "../sched/scheduler";
import * as kernelLock from "../sync/kernellock";
import { lapic } from "../../hal";

export { exceptions, frame, vectors };

/** What linker/start.c does after dispatch (keep in step with it). */
export const enum Action { Resume = 0, TrapModule = 1, TrapWatchdog = 2 }

const VECTOR_COUNT = 256;
const MAX_CPUS = 64;
// counters[cpu][vector], u32 each: per-vector and per-CPU interrupt counts
const counters = memory.data(MAX_CPUS * VECTOR_COUNT * 4);

function counter(cpuIndex: u32, vector: u32): usize { return counters + (<usize>(cpuIndex & (MAX_CPUS - 1)) * VECTOR_COUNT + <usize>vector) * 4; }

/** Interrupts of `vector` taken by CPU `cpuIndex`. */
export function countOn(cpuIndex: u32, vector: u32): u32 { return load<u32>(counter(cpuIndex, vector)); }

/** Interrupts of `vector` taken by all CPUs. */
export function count(vector: u32): u64 {
  let total: u64 = 0;
  for (let c: u32 = 0; c < <u32>MAX_CPUS; c++) total += <u64>countOn(c, vector);
  return total;
}

/** No frame for a module memory's page: the running module traps; a kernel store
 *  into a module's memory (no module running) is the kernel's fault, -1. */
function outOfMemory(address: u64): i32 {
  const instance = modules.active();
  if (instance == modules.NO_INSTANCE) return -1;
  log.begin(log.Level.Warn);
  line.text("memory: module instance ");
  line.decimal(instance);
  line.text(" is out of memory at ");
  line.hex(address);
  line.text("; trapping it");
  log.end();
  return Action.TrapModule;
}

/** A page fault the memory system can settle: Resume, TrapModule, or -1 for a kernel fault. */
function pageFault(errorCode: u64, interruptFrame: u64): i32 {
  const address = cpu.readCr2();
  const window = mem.layout.KERNEL_MEMORY_BASE;
  if (address >= window && address - window < mem.layout.MODULE_SLOT_SIZE) {
    // the kernel module reached past its own memory: its wasm trap
    trapReport.reportFault(trapReport.TrapKind.OutOfBounds, frame.read(interruptFrame, frame.FRAME_RIP),
      frame.read(interruptFrame, frame.FRAME_RBP), frame.read(interruptFrame, frame.FRAME_RSP));
  }
  if ((errorCode & pagefault.PF_PRESENT) != 0) {
    // a write to a copy-on-write page, by a module or by the kernel storing into a
    // module's memory (CR0.WP makes kernel stores fault alike): the writer gets its copy
    const writeVerdict = (errorCode & pagefault.PF_WRITE) != 0
      ? mem.modulememory.writeFault(address) : mem.modulememory.FaultVerdict.NotModuleMemory;
    if (writeVerdict == mem.modulememory.FaultVerdict.Mapped) return Action.Resume;
    if (writeVerdict == mem.modulememory.FaultVerdict.OutOfMemory) return outOfMemory(address);
    // a write to a read-only shared page, by the module whose call is running
    if (mem.modulememory.slotOf(address) < 0 || modules.active() == modules.NO_INSTANCE) return -1;
    log.begin(log.Level.Warn);
    line.text("memory: module instance ");
    line.decimal(modules.active());
    line.text(" wrote to a read-only page at ");
    line.hex(address);
    line.text("; trapping it");
    log.end();
    return Action.TrapModule;
  }
  const verdict = mem.modulememory.fault(address);
  if (verdict == mem.modulememory.FaultVerdict.Mapped) return Action.Resume;
  if (verdict == mem.modulememory.FaultVerdict.OutOfMemory) return outOfMemory(address);
  if (verdict == mem.modulememory.FaultVerdict.NotModuleMemory) return -1;
  const instance = modules.active();
  if (instance == modules.NO_INSTANCE) return -1;                // the kernel touched a guard
  log.begin(log.Level.Warn);
  line.text("memory: module instance ");
  line.decimal(instance);
  line.text(" hit its guard at ");
  line.hex(address);
  line.text("; trapping it");
  log.end();
  return Action.TrapModule;
}

function warnUnhandled(vector: u32): void {
  log.begin(log.Level.Warn);
  line.text("interrupts: vector ");
  line.decimal(vector);
  line.text(" has no handler (reported once)");
  log.end();
}

/** Called by asm/isr.S (through linker/start.c) with the saved frame. */
export function dispatch(interruptFrame: u64): Action {
  const vector = <u32>frame.read(interruptFrame, frame.FRAME_VECTOR) & 0xff;
  const slot = counter(cpu.cpuIndex(), vector);
  const seen = load<u32>(slot) + 1;
  store<u32>(slot, seen);
  if (vector == exceptions.VECTOR_NMI) {
    log.warn("interrupts: NMI received and survived");
    return Action.Resume;
  }
  if (vector == vectors.SPURIOUS_VECTOR) return Action.Resume;     // no EOI for spurious
  if (vector >= vectors.LOCK_FREE_FIRST) {
    if (!vectors.run(vector) && seen == 1) warnUnhandled(vector);  // the log has a lock of its own
    lapic.endOfInterrupt();
    return Action.Resume;
  }
  kernelLock.enter();
  const action = dispatchLocked(interruptFrame, vector, seen);
  kernelLock.leave();
  return action;
}

function dispatchLocked(interruptFrame: u64, vector: u32, seen: u32): Action {
  if (vector == exceptions.VECTOR_PAGE_FAULT) {
    const action = pageFault(frame.read(interruptFrame, frame.FRAME_ERROR_CODE), interruptFrame);
    if (action >= 0) return <Action>action;
  }
  if (vector < exceptions.EXCEPTION_VECTORS) {
    exceptions.report(interruptFrame);
    panic.halt();
    return Action.Resume;
  }
  if (!vectors.run(vector) && seen == 1) warnUnhandled(vector);
  lapic.endOfInterrupt();
  if (scheduler.watchdogExpired()) return Action.TrapWatchdog;   // ends the module call
  scheduler.preemptPoint();            // after EOI: the next thread may run for a while
  return Action.Resume;
}
