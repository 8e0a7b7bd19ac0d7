/* layout.h — sizes shared by the assembly and the C glue. */
#ifndef AIOS_LAYOUT_H
#define AIOS_LAYOUT_H
#define KERNEL_BASE        0xffffffff80000000
#define KERNEL_STACK_SIZE  (128 * 1024)
#define IST_STACK_SIZE     (16 * 1024)
#define IST_STACK_COUNT    3
#define STACK_GUARD_SIZE   4096
/* The kernel module's linear memory: its first 2 MiB come from .bss and are mapped
 * by the boot tables; later pages are mapped by the kernel as it grows. */
#define KERNEL_MEMORY_BASE   0xffff900000000000
#define KERNEL_MEMORY_WINDOW 0x200000

#define TRAMPOLINE_BASE    0x8000   /* SIPI vector 0x08; src/kernel/platform/smp.ts */
#endif
