// The kernel module's exports: the only entry points the C glue calls.
//   kmain(magic, info)      once, from linker/start.c
//   interrupt(frame)        every vector, from asm/isr.S via isr_dispatch
//   trap(kind, rip, rbp)    a wasm trap in this module, via wasm_rt_trap
import * as interrupts from "./interrupts";
import * as trapReport from "./trap";
export { kmain } from "./kmain";

export function interrupt(frame: u64): void {
  interrupts.dispatch(frame);
}

export function trap(kind: u32, returnAddress: u64, framePointer: u64): void {
  trapReport.report(kind, returnAddress, framePointer);
}
