/* layout.h — sizes shared by the assembly and the C glue. */
#ifndef AIOS_LAYOUT_H
#define AIOS_LAYOUT_H
#define KERNEL_BASE        0xffffffff80000000
#define KERNEL_STACK_SIZE  (128 * 1024)
#define IST_STACK_SIZE     (16 * 1024)
#define IST_STACK_COUNT    3
#endif
