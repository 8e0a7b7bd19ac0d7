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

/** Prints the trace starting at `rip` and walking from frame pointer `rbp`. */
export function print(rip: u64, rbp: u64): void {
  line.reset();
  line.text("stack trace:");
  log.writeRaw();
  let index = 0;
  if (rip != 0) frameLine(index++, rip);
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
