// trap.ts — a wasm trap inside the kernel module (out-of-bounds access,
// unreachable, a bad indirect call, …). wasm2c calls wasm_rt_trap, whose glue
// passes us the kind, the return address inside the trapping function and the
// frame pointer. In the kernel module a trap is a bug: report it and stop.
// The function named is the wasm function (as Binaryen left it after inlining)
// whose code trapped: the first frame whose symbol came from the module.
import * as line from "./line";
import * as log from "./log";
import * as panic from "./panic";
import * as stacktrace from "./stacktrace";
import * as symbols from "./symbols";

/** wasm_rt_trap_t from wabt 1.0.32's wasm-rt.h. */
export const enum TrapKind {
  None = 0,
  OutOfBounds = 1,
  IntegerOverflow = 2,
  DivideByZero = 3,
  InvalidConversion = 4,
  Unreachable = 5,
  CallIndirect = 6,
  UncaughtException = 7,
  Exhaustion = 8,
  /** AIOS's own: a module call ran past its agent's watchdog (linker/start.c). */
  Watchdog = 100,
}

export function kindName(kind: u32): string {
  switch (kind) {
    case TrapKind.OutOfBounds: return "out-of-bounds memory access";
    case TrapKind.IntegerOverflow: return "integer overflow";
    case TrapKind.DivideByZero: return "integer divide by zero";
    case TrapKind.InvalidConversion: return "invalid conversion to integer";
    case TrapKind.Unreachable: return "unreachable executed";
    case TrapKind.CallIndirect: return "invalid indirect call";
    case TrapKind.UncaughtException: return "uncaught exception";
    case TrapKind.Exhaustion: return "call stack exhausted";
    case TrapKind.Watchdog: return "watchdog timeout";
    default: return "unknown trap";
  }
}

export function report(kind: u32, returnAddress: u64, framePointer: u64): void {
  line.reset();
  line.text("WASM TRAP in kernel module: ");
  line.text(kindName(kind));
  line.text(" in function ");
  const location = stacktrace.firstWasmFrame(framePointer);
  if (location == 0) line.text("?");
  else symbols.appendLocation(location);
  log.writeRaw();
  stacktrace.print(0, framePointer);
  panic.halt();
}

/** An out-of-bounds access by the kernel module itself, caught as a page fault in
 *  its memory window: reported like any trap of the kernel, at the faulting RIP. */
export function reportFault(kind: u32, rip: u64, framePointer: u64, stackPointer: u64): void {
  line.reset();
  line.text("WASM TRAP in kernel module: ");
  line.text(kindName(kind));
  line.text(" in function ");
  symbols.appendLocation(rip);
  log.writeRaw();
  stacktrace.print(rip, framePointer, stackPointer);
  panic.halt();
}
