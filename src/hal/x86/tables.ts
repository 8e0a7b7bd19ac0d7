// tables.ts — the kernel's own GDT, TSS and IDT, built once on the boot CPU and
// kept in the kernel module's linear memory (which never moves). The TSS gives
// double fault, NMI and machine check their own IST stacks so they are reported
// even when the kernel stack is gone. Single CPU until issue 4 adds per-CPU copies.
import { Layout, layoutAddress, loadGdt, loadIdt, loadTaskRegister, load64, IST_STACK_COUNT, IST_STACK_SIZE, STACK_GUARD_SIZE } from "../primitives";
import * as descriptors from "./descriptors";

export const SELECTOR_KERNEL_CODE: u16 = 0x08;
export const SELECTOR_KERNEL_DATA: u16 = 0x10;
export const SELECTOR_TSS: u16 = 0x18;

export const VECTOR_NMI: u32 = 2;
export const VECTOR_DOUBLE_FAULT: u32 = 8;
export const VECTOR_MACHINE_CHECK: u32 = 18;

export const IST_DOUBLE_FAULT: u8 = 1;
export const IST_NMI: u8 = 2;
export const IST_MACHINE_CHECK: u8 = 3;

const GDT_ENTRIES = 5;                 // null, code, data, TSS (two slots)
const TSS_SIZE: u32 = 104;
const TSS_OFFSET_IST1: usize = 36;
const TSS_OFFSET_IOMAP_BASE: usize = 102;
const IDT_VECTORS = 256;
const IDT_ENTRY_SIZE = 16;

const gdt = memory.data(GDT_ENTRIES * 8, 16);
const tss = memory.data(<i32>TSS_SIZE, 16);
const idt = memory.data(IDT_VECTORS * IDT_ENTRY_SIZE, 16);

function realAddress(linear: usize): u64 {
  return layoutAddress(Layout.LinearMemoryBase) + <u64>linear;
}

/** Loads the GDT (reloading every segment register) and the TSS with IST stacks. */
export function installGdt(): void {
  // [guard][IST 1][guard][IST 2][guard][IST 3], as asm/boot.S lays them out
  const istBottom = layoutAddress(Layout.IstStacksBottom);
  memory.fill(tss, 0, TSS_SIZE);
  for (let i: u64 = 0; i < IST_STACK_COUNT; i++) {
    store<u64>(tss + TSS_OFFSET_IST1 + <usize>(i * 8), istBottom + (STACK_GUARD_SIZE + IST_STACK_SIZE) * (i + 1));
  }
  store<u16>(tss + TSS_OFFSET_IOMAP_BASE, <u16>TSS_SIZE);   // no I/O permission bitmap

  const tssAddress = realAddress(tss);
  store<u64>(gdt + 0, 0);
  store<u64>(gdt + 8, descriptors.kernelCode64());
  store<u64>(gdt + 16, descriptors.kernelData());
  store<u64>(gdt + 24, descriptors.tssLow(tssAddress, TSS_SIZE - 1));
  store<u64>(gdt + 32, descriptors.tssHigh(tssAddress));
  loadGdt(realAddress(gdt), <u16>(GDT_ENTRIES * 8 - 1), SELECTOR_KERNEL_CODE, SELECTOR_KERNEL_DATA);
  loadTaskRegister(SELECTOR_TSS);
}

function istFor(vector: u32): u8 {
  if (vector == VECTOR_DOUBLE_FAULT) return IST_DOUBLE_FAULT;
  if (vector == VECTOR_NMI) return IST_NMI;
  if (vector == VECTOR_MACHINE_CHECK) return IST_MACHINE_CHECK;
  return 0;
}

/** Points all 256 vectors at the asm stubs (interrupt gates: IF cleared on entry). */
export function installIdt(): void {
  const stubs = layoutAddress(Layout.IsrStubTable);
  for (let vector: u32 = 0; vector < <u32>IDT_VECTORS; vector++) {
    const handler = load64(stubs + <u64>vector * 8);
    const entry = idt + <usize>vector * IDT_ENTRY_SIZE;
    store<u64>(entry, descriptors.gateLow(handler, SELECTOR_KERNEL_CODE, istFor(vector), descriptors.GATE_TYPE_INTERRUPT, 0));
    store<u64>(entry + 8, descriptors.gateHigh(handler));
  }
  loadIdt(realAddress(idt), <u16>(IDT_VECTORS * IDT_ENTRY_SIZE - 1));
}
