// x86 — CPU descriptor tables: encoders and the boot CPU's GDT, TSS and IDT.
export * from "./descriptors";
export { bootIstTop, installGdt, installIdt, loadSharedIdt, MAX_CPUS, SELECTOR_KERNEL_CODE, SELECTOR_KERNEL_DATA, SELECTOR_TSS } from "./tables";
