/*
 * trampoline.S — where an application processor starts after INIT-SIPI-SIPI:
 * real mode at TRAMPOLINE_BASE (the SIPI vector × 4 KiB). The kernel copies this
 * block there, fills its data slots, and maps the page identically so the code
 * survives turning paging on. It goes straight from real mode to long mode with
 * the kernel's page tables, then calls
 *   void ap_entry(uint64_t cpu_index)    (linker/start.c)  on the stack it was given.
 * Data slots at fixed offsets (src/kernel/platform/smp.ts writes them):
 *   +8 CR3 (below 4 GiB)  +16 stack top  +24 CPU index  +32 entry address
 */
#include "layout.h"

#define T(label) ((label) - trampoline_start + TRAMPOLINE_BASE)
#define CR0_PE        (1 << 0)
#define CR0_MP        (1 << 1)
#define CR0_EM        (1 << 2)
#define CR0_WP        (1 << 16)
#define CR0_PG        (1 << 31)
#define CR4_PAE       (1 << 5)
#define CR4_OSFXSR    (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER      0xc0000080
#define EFER_LME      (1 << 8)
#define EFER_NXE      (1 << 11)

        .section .rodata
        .balign 16
        .code16
        .globl trampoline_start
trampoline_start:
        jmp trampoline_code
        .balign 8
trampoline_cr3:    .quad 0
trampoline_stack:  .quad 0
trampoline_cpu:    .quad 0
trampoline_entry:  .quad 0

trampoline_code:
        cli
        cld
        xorw %ax, %ax
        movw %ax, %ds
        lgdtl T(trampoline_gdt_pointer)
        movl %cr4, %eax
        orl $(CR4_PAE + CR4_OSFXSR + CR4_OSXMMEXCPT), %eax
        movl %eax, %cr4
        movl T(trampoline_cr3), %eax
        movl %eax, %cr3
        movl $MSR_EFER, %ecx
        rdmsr
        orl $(EFER_LME + EFER_NXE), %eax
        wrmsr
        movl %cr0, %eax
        andl $~CR0_EM, %eax
        orl $(CR0_PG + CR0_WP + CR0_MP + CR0_PE), %eax
        movl %eax, %cr0
        ljmpl $0x08, $T(trampoline_long)

        .code64
trampoline_long:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        xorl %eax, %eax
        movw %ax, %fs
        movw %ax, %gs
        movq T(trampoline_stack), %rsp
        movq T(trampoline_cpu), %rdi
        movq T(trampoline_entry), %rax
        xorl %ebp, %ebp
        callq *%rax
1:      cli
        hlt
        jmp 1b

        .balign 8
/* The accessed bits are set already: the page is mapped read-only, and the CPU
 * would otherwise write them when the selectors are loaded. */
trampoline_gdt:
        .quad 0
        .quad 0x00af9b000000ffff        /* 64-bit code, accessed */
        .quad 0x00cf93000000ffff        /* data, accessed */
trampoline_gdt_pointer:
        .short 23
        .long T(trampoline_gdt)
        .globl trampoline_end
trampoline_end:
