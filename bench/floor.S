/*
 * floor.S — QEMU's own floor for the boot benchmark: a PVH kernel whose first
 * instruction leaves QEMU through isa-debug-exit. Launch-to-exit of this image is
 * what QEMU costs before any guest code runs.
 */
        .section .note.pvh, "a", @note
        .balign 4
        .long 4, 8, 18                  /* "Xen", 8-byte descriptor, XEN_ELFNOTE_PHYS32_ENTRY */
        .asciz "Xen"
        .balign 4
        .quad floor_entry

        .text
        .code32
        .globl floor_entry
floor_entry:
        movb $0x10, %al
        outb %al, $0xf4
1:      hlt
        jmp 1b
