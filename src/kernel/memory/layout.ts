// layout.ts — the kernel's virtual address space (all in the upper half):
//
//   0xffff_8000_0000_0000  direct map of physical memory (PML4 256..287)
//   0xffff_9000_0000_0000  the kernel module's linear memory, 8 GiB window (PML4 288)
//   0xffff_a000_0000_0000  module linear memories, one 8 GiB slot each (PML4 320..335)
//   0xffff_c000_0000_0000  kernel stacks, each below an unmapped guard page (PML4 384)
//   0xffff_ffff_8000_0000  the kernel image (text, rodata, data, bss), as linked
//
// The low half stays unmapped once the kernel's own tables are live, so a null
// pointer faults.
export const DIRECT_MAP_BASE: u64 = 0xffff_8000_0000_0000;
export const KERNEL_MEMORY_BASE: u64 = 0xffff_9000_0000_0000;
export const MODULE_REGION_BASE: u64 = 0xffff_a000_0000_0000;
export const STACK_REGION_BASE: u64 = 0xffff_c000_0000_0000;
export const KERNEL_IMAGE_BASE: u64 = 0xffff_ffff_8000_0000;

/** A wasm32 memory plus any 32-bit offset: 4 GiB + 4 GiB, all of it guard beyond the size. */
export const MODULE_SLOT_SIZE: u64 = 8 << 30;
export const MODULE_SLOTS: i32 = 1024;
/** The boot stub maps this much of the kernel module's memory (asm/boot.S). */
export const KERNEL_MEMORY_BOOT_WINDOW: u64 = 2 << 20;

export const STACK_SLOT_SIZE: u64 = 256 << 10;
export const STACK_SLOTS: i32 = 4096;
export const GUARD_SIZE: u64 = 4096;
