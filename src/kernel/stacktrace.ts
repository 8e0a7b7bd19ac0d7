// stacktrace.ts — walks the frame-pointer chain (the C is built with
// -fno-omit-frame-pointer) and prints one line per frame with its symbol.
// Every step is checked: a frame pointer must be 8-aligned, lie inside one of
// the kernel's stacks and grow upward, and the walk is bounded, so a corrupt
// stack ends the trace instead of faulting inside the fault report.
import { cpu } from "../hal";
import * as line from "./line";
import * as log from "./log";
import * as symbols from "./symbols";

const MAX_FRAMES = 24;

function onKernelStack(address: u64): bool {
  const bottom = cpu.layoutAddress(cpu.Layout.KernelStackBottom);
  const top = cpu.layoutAddress(cpu.Layout.KernelStackTop);
  const istBottom = cpu.layoutAddress(cpu.Layout.IstStacksBottom);
  const istTop = cpu.layoutAddress(cpu.Layout.IstStacksTop);
  return (address >= bottom && address + 16 <= top) || (address >= istBottom && address + 16 <= istTop);
}

function frameLine(index: i32, rip: u64): void {
  line.reset();
  line.text("  #");
  line.decimal(index);
  line.text(" ");
  line.hex(rip, 16);
  line.text(" ");
  symbols.appendLocation(rip);
  log.writeRaw();
}

/** The first return address on the frame chain that lies in a function compiled
 *  from the wasm module (its symbol carries the AssemblyScript path); 0 if none. */
export function firstWasmFrame(rbp: u64): u64 {
  let frame = rbp;
  for (let depth = 0; depth < MAX_FRAMES && frame != 0 && (frame & 7) == 0 && onKernelStack(frame); depth++) {
    const returnAddress = cpu.load64(frame + 8);
    if (returnAddress == 0) return 0;
    const index = symbols.find(returnAddress - 1);
    if (index >= 0 && symbols.fromWasm(index)) return returnAddress - 1;
    const next = cpu.load64(frame);
    if (next <= frame) return 0;
    frame = next;
  }
  return 0;
}

/**
 * Prints the trace starting at `rip` and walking from frame pointer `rbp`. When
 * `rip` lies in a hardware-gate primitive (a frameless leaf: gcc gives such
 * functions no frame even with -fno-omit-frame-pointer), its caller is the
 * return address on top of the stack at `rsp`; pass 0 when there is none.
 */
export function print(rip: u64, rbp: u64, rsp: u64 = 0): void {
  line.reset();
  line.text("stack trace:");
  log.writeRaw();
  let index = 0;
  if (rip != 0) {
    frameLine(index++, rip);
    const symbol = symbols.find(rip);
    if (rsp != 0 && symbol >= 0 && symbols.isGatePrimitive(symbol) && onKernelStack(rsp)) {
      frameLine(index++, cpu.load64(rsp) - 1);
    }
  }
  let frame = rbp;
  while (index < MAX_FRAMES && frame != 0 && (frame & 7) == 0 && onKernelStack(frame)) {
    const returnAddress = cpu.load64(frame + 8);
    if (returnAddress == 0) break;
    // a call's return address points after the call: step back into it
    frameLine(index++, returnAddress - 1);
    const next = cpu.load64(frame);
    if (next <= frame) break;
    frame = next;
  }
}
