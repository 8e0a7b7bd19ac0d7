/*
 * boot.S — the image's two entry points and the path to 64-bit C.
 *
 *   mb2_entry  (multiboot2: GRUB, BIOS and UEFI)  eax = 0x36d76289, ebx = info
 *   pvh_entry  (PVH: QEMU -kernel, Firecracker)    ebx = hvm_start_info
 *
 * Both arrive in 32-bit protected mode with paging off. We build boot page
 * tables (identity map of the low 4 GiB, the same 4 GiB at the direct-map base
 * 0xffff800000000000, and the first 2 GiB at the kernel base 0xffffffff80000000),
 * enter long mode, move to the higher half, zero .bss, enable SSE and call
 *   void kernel_entry(uint32_t protocol_magic, uint64_t info_phys)   (linker/start.c)
 * protocol_magic is the multiboot2 magic, or the PVH start_info magic for PVH.
 */
#include "layout.h"

#define MB2_HEADER_MAGIC      0xe85250d6
#define MB2_ARCH_I386         0
#define MB2_TAG_FRAMEBUFFER   5
#define MB2_TAG_OPTIONAL      1
#define MB2_BOOT_MAGIC        0x36d76289
#define PVH_START_MAGIC       0x336ec578
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define PTE_PRESENT   (1 << 0)
#define PTE_WRITABLE  (1 << 1)
#define PTE_HUGE      (1 << 7)
#define KERNEL_MEMORY_PML4_INDEX 288   /* 0xffff900000000000, src/kernel/memory/layout.ts */
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
#define BOOT_CODE_SELECTOR 0x08
#define BOOT_DATA_SELECTOR 0x10

/* ---- multiboot2 header: must lie 8-aligned in the first 32 KiB of the file ---- */
        .section .multiboot2, "a"
        .balign 8
mb2_header:
        .long MB2_HEADER_MAGIC
        .long MB2_ARCH_I386
        .long mb2_header_end - mb2_header
        .long 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
        .balign 8                       /* framebuffer request: optional, any mode */
        .short MB2_TAG_FRAMEBUFFER, MB2_TAG_OPTIONAL
        .long 20
        .long 0, 0, 0                   /* width, height, depth: no preference */
        .balign 8
        .short 0, 0                     /* end tag: type 0, flags 0 */
        .long 8
mb2_header_end:

/* ---- PVH entry note (read by QEMU/Firecracker from a PT_NOTE header) ---- */
        .section .note.pvh, "a", @note
        .balign 4
        .long 4                         /* name size: "Xen\0" */
        .long 8                         /* descriptor size */
        .long XEN_ELFNOTE_PHYS32_ENTRY
        .asciz "Xen"
        .balign 4
        .quad pvh_entry

/* ---- 32-bit boot code, linked at its physical address ---- */
        .section .boot.text, "ax"
        .code32
        .globl mb2_entry
mb2_entry:
        mov %eax, %edi                  /* protocol magic (checked by the kernel) */
        mov %ebx, %esi                  /* info block, physical */
        jmp boot_common32

        .globl pvh_entry
pvh_entry:
        mov $PVH_START_MAGIC, %edi
        mov %ebx, %esi
        /* fall through */

boot_common32:
        cli
        cld
        mov $boot_stack_top, %esp

        /* zero the page-table area (eax, ecx, edi are clobbered by rep stos) */
        push %edi
        mov $boot_tables_start, %edi
        mov $((boot_tables_end - boot_tables_start) / 4), %ecx
        xor %eax, %eax
        rep stosl
        pop %edi

        /* PML4: [0] identity, [256] direct map, [288] kernel module memory, [511] kernel base */
        mov $(boot_pdpt_low + PTE_PRESENT + PTE_WRITABLE), %eax
        mov %eax, boot_pml4
        mov %eax, boot_pml4 + 256 * 8
        mov $(boot_pdpt_high + PTE_PRESENT + PTE_WRITABLE), %eax
        mov %eax, boot_pml4 + 511 * 8
        mov $(boot_pdpt_memory + PTE_PRESENT + PTE_WRITABLE), %eax
        mov %eax, boot_pml4 + KERNEL_MEMORY_PML4_INDEX * 8
        mov $(boot_pd_memory + PTE_PRESENT + PTE_WRITABLE), %eax
        mov %eax, boot_pdpt_memory
        mov $(boot_pt_memory + PTE_PRESENT + PTE_WRITABLE), %eax
        mov %eax, boot_pd_memory
        /* the first 2 MiB of the kernel module's linear memory: the .bss arena, 4 KiB pages */
        mov $boot_pt_memory, %ebx
        mov $(kernel_memory_arena - KERNEL_BASE + PTE_PRESENT + PTE_WRITABLE), %eax
        mov $512, %ecx
2:      mov %eax, (%ebx)
        add $4096, %eax
        add $8, %ebx
        loop 2b

        /* PDPT low: four page directories cover 0..4 GiB */
        mov $(boot_pd + PTE_PRESENT + PTE_WRITABLE), %eax
        mov %eax, boot_pdpt_low
        add $4096, %eax
        mov %eax, boot_pdpt_low + 8
        add $4096, %eax
        mov %eax, boot_pdpt_low + 16
        add $4096, %eax
        mov %eax, boot_pdpt_low + 24
        /* PDPT high: entries 510, 511 are the first 2 GiB at -2 GiB */
        mov $(boot_pd + PTE_PRESENT + PTE_WRITABLE), %eax
        mov %eax, boot_pdpt_high + 510 * 8
        add $4096, %eax
        mov %eax, boot_pdpt_high + 511 * 8

        /* 2048 2 MiB entries (4 GiB); the high dword of each stays 0 */
        mov $boot_pd, %ebx
        mov $(PTE_PRESENT + PTE_WRITABLE + PTE_HUGE), %eax
        mov $2048, %ecx
1:      mov %eax, (%ebx)
        add $0x200000, %eax
        add $8, %ebx
        loop 1b

        mov %cr4, %eax
        or $CR4_PAE, %eax
        mov %eax, %cr4
        mov $boot_pml4, %eax
        mov %eax, %cr3
        mov $MSR_EFER, %ecx
        rdmsr
        or $(EFER_LME + EFER_NXE), %eax
        wrmsr
        mov %cr0, %eax
        or $(CR0_PG + CR0_WP + 1), %eax
        mov %eax, %cr0

        lgdt boot_gdt_pointer
        ljmp $BOOT_CODE_SELECTOR, $boot_long_mode

        .code64
boot_long_mode:
        mov $BOOT_DATA_SELECTOR, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        xor %eax, %eax
        mov %ax, %fs
        mov %ax, %gs
        movabs $kernel_higher_half, %rax
        jmp *%rax

        .section .boot.data, "a"
        .balign 16
boot_gdt:
        .quad 0
        .quad 0x00af9a000000ffff        /* 64-bit code, DPL 0 */
        .quad 0x00cf92000000ffff        /* data, DPL 0 */
boot_gdt_end:
boot_gdt_pointer:
        .short boot_gdt_end - boot_gdt - 1
        .long boot_gdt

        .section .boot.bss, "aw", @nobits
        .balign 4096
boot_tables_start:
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096
boot_pdpt_memory: .skip 4096
boot_pd_memory: .skip 4096
boot_pt_memory: .skip 4096
boot_tables_end:
        .skip 4096
boot_stack_top:

/* ---- 64-bit, higher half ---- */
        .text
        .code64
kernel_higher_half:
        /* zero .bss: the loaders do not all promise it */
        mov %rdi, %r12
        mov %rsi, %r13
        movabs $__bss_start, %rdi
        movabs $__bss_end, %rcx
        sub %rdi, %rcx
        shr $3, %rcx
        xor %eax, %eax
        rep stosq
        movabs $kernel_stack_top, %rsp
        xor %ebp, %ebp

        /* SSE: the AssemblyScript-derived code uses it freely */
        mov %cr0, %rax
        and $~CR0_EM, %rax
        or $CR0_MP, %rax
        mov %rax, %cr0
        mov %cr4, %rax
        or $(CR4_OSFXSR + CR4_OSXMMEXCPT), %rax
        mov %rax, %cr4

        mov %r12d, %edi
        mov %r13d, %esi
        call kernel_entry
2:      cli
        hlt
        jmp 2b

/*
 * Stacks, each above a guard page that the kernel's own page tables leave
 * unmapped (src/kernel/memory/kernelspace.ts), so an overflow faults:
 *   [guard][kernel stack] [guard][IST 1] [guard][IST 2] [guard][IST 3]
 * and the kernel module's boot memory window.
 */
        .bss
        .balign 4096
        .globl kernel_stack_guard
kernel_stack_guard:
        .skip STACK_GUARD_SIZE
        .globl kernel_stack_bottom
kernel_stack_bottom:
        .skip KERNEL_STACK_SIZE
        .globl kernel_stack_top
kernel_stack_top:
        .globl ist_stacks
ist_stacks:
        .skip (STACK_GUARD_SIZE + IST_STACK_SIZE) * IST_STACK_COUNT
        .globl ist_stacks_end
ist_stacks_end:

        .balign 4096
        .globl kernel_memory_arena
kernel_memory_arena:
        .skip KERNEL_MEMORY_WINDOW
