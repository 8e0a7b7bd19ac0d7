// tables.ts — the kernel's own GDT, TSS and IDT, kept in the kernel module's
// linear memory (which never moves). Each CPU has its own GDT and TSS (a TSS is
// busy while loaded, and each CPU needs its own IST stacks); the IDT is shared.
// The TSS gives double fault, NMI and machine check their own IST stacks so they
// are reported even when the kernel stack is gone.
import { Layout, layoutAddress, loadGdt, loadIdt, loadTaskRegister, load64, IST_STACK_SIZE, STACK_GUARD_SIZE } from "../primitives";
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

export const MAX_CPUS: u32 = 64;
const GDT_BYTES: usize = GDT_ENTRIES * 8;
const TSS_STRIDE: usize = 128;
const gdts = memory.data(<i32>(GDT_BYTES * <usize>MAX_CPUS), 16);
const tsses = memory.data(<i32>(TSS_STRIDE * <usize>MAX_CPUS), 16);
const idt = memory.data(IDT_VECTORS * IDT_ENTRY_SIZE, 16);

function realAddress(linear: usize): u64 {
  return layoutAddress(Layout.LinearMemoryBase) + <u64>linear;
}

/** The boot CPU's IST stack tops: [guard][IST 1][guard][IST 2][guard][IST 3] in asm/boot.S. */
export function bootIstTop(index: u64): u64 {
  return layoutAddress(Layout.IstStacksBottom) + (STACK_GUARD_SIZE + IST_STACK_SIZE) * (index + 1);
}

/** Loads CPU `cpu`'s GDT (reloading every segment register) and its TSS with
 *  IST stacks whose tops are `ist1`..`ist3` (#DF, NMI, #MC). */
export function installGdt(cpu: u32, ist1: u64, ist2: u64, ist3: u64): void {
  const gdt = gdts + GDT_BYTES * <usize>cpu;
  const tss = tsses + TSS_STRIDE * <usize>cpu;
  memory.fill(tss, 0, TSS_SIZE);
  store<u64>(tss + TSS_OFFSET_IST1, ist1);
  store<u64>(tss + TSS_OFFSET_IST1 + 8, ist2);
  store<u64>(tss + TSS_OFFSET_IST1 + 16, ist3);
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

/** Loads the (shared) IDT on this CPU. */
export function loadSharedIdt(): void {
  loadIdt(realAddress(idt), <u16>(IDT_VECTORS * IDT_ENTRY_SIZE - 1));
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
