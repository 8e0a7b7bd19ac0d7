// exceptions.ts — the CPU exception report: name, vector, error code, RIP, RSP,
// CR2 (with the page-fault bits decoded) and a stack trace with symbol names.
import { cpu } from "../../hal";
import * as line from "../line";
import * as log from "../log";
import * as stacktrace from "../stacktrace";
import * as symbols from "../symbols";
import * as frame from "./frame";
import { kernelspace } from "../memory";
import * as pagefault from "./pagefault";

export const VECTOR_DIVIDE_ERROR: u32 = 0;
export const VECTOR_NMI: u32 = 2;
export const VECTOR_BREAKPOINT: u32 = 3;
export const VECTOR_INVALID_OPCODE: u32 = 6;
export const VECTOR_DOUBLE_FAULT: u32 = 8;
export const VECTOR_GENERAL_PROTECTION: u32 = 13;
export const VECTOR_PAGE_FAULT: u32 = 14;
export const EXCEPTION_VECTORS: u32 = 32;

export function name(vector: u32): string {
  switch (vector) {
    case 0: return "divide error (#DE)";
    case 1: return "debug (#DB)";
    case 2: return "non-maskable interrupt (NMI)";
    case 3: return "breakpoint (#BP)";
    case 4: return "overflow (#OF)";
    case 5: return "bound range exceeded (#BR)";
    case 6: return "invalid opcode (#UD)";
    case 7: return "device not available (#NM)";
    case 8: return "double fault (#DF)";
    case 9: return "coprocessor segment overrun";
    case 10: return "invalid TSS (#TS)";
    case 11: return "segment not present (#NP)";
    case 12: return "stack-segment fault (#SS)";
    case 13: return "general protection (#GP)";
    case 14: return "page fault (#PF)";
    case 16: return "x87 floating-point error (#MF)";
    case 17: return "alignment check (#AC)";
    case 18: return "machine check (#MC)";
    case 19: return "SIMD floating-point (#XM)";
    case 20: return "virtualization (#VE)";
    case 21: return "control protection (#CP)";
    case 28: return "hypervisor injection (#HV)";
    case 29: return "VMM communication (#VC)";
    case 30: return "security (#SX)";
    default: return "reserved exception";
  }
}

function field(label: string, value: u64): void {
  line.text(label);
  line.hex(value, 16);
}

/** Prints the full report for an exception frame. */
export function report(interruptFrame: u64): void {
  const vector = <u32>frame.read(interruptFrame, frame.FRAME_VECTOR);
  const errorCode = frame.read(interruptFrame, frame.FRAME_ERROR_CODE);
  const rip = frame.read(interruptFrame, frame.FRAME_RIP);
  const faultAddress = cpu.readCr2();
  if ((vector == VECTOR_PAGE_FAULT || vector == VECTOR_DOUBLE_FAULT) && kernelspace.inStackGuard(faultAddress)) {
    line.reset();
    line.text("KERNEL STACK OVERFLOW: guard page hit at ");
    line.hex(faultAddress);
    log.writeRaw();
  }
  line.reset();
  line.text("CPU EXCEPTION: ");
  line.text(name(vector));
  line.text(" vector=");
  line.decimal(vector);
  line.text(" error=");
  line.hex(errorCode);
  log.writeRaw();

  line.reset();
  field("  rip=", rip);
  line.text(" ");
  symbols.appendLocation(rip);
  log.writeRaw();
  line.reset();
  field("  rsp=", frame.read(interruptFrame, frame.FRAME_RSP));
  field(" rbp=", frame.read(interruptFrame, frame.FRAME_RBP));
  field(" rflags=", frame.read(interruptFrame, frame.FRAME_RFLAGS));
  line.text(" cs=");
  line.hex(frame.read(interruptFrame, frame.FRAME_CS));
  log.writeRaw();
  line.reset();
  field("  cr2=", faultAddress);
  if (vector == VECTOR_PAGE_FAULT) {
    line.text(" (");
    pagefault.describe(errorCode);
    line.text(")");
  }
  field(" cr3=", cpu.readCr3());
  log.writeRaw();
  stacktrace.print(rip, frame.read(interruptFrame, frame.FRAME_RBP), frame.read(interruptFrame, frame.FRAME_RSP));
}
