/*
 * isr.S — the 256 interrupt entry stubs and the common save/restore path.
 *
 *   isr_stub_table: .quad stub_0 ... stub_255   (read by the IDT builder through hal)
 *   void isr_dispatch(struct interrupt_frame *frame)  (linker/start.c)
 *
 * Each stub pushes an error code (0 when the CPU pushes none) and its vector, then
 * isr_common saves every general register and the SSE state (fxsave64) so the
 * handler, compiled C from AssemblyScript, may use anything. Frame layout, from the
 * frame pointer upward (mirrored by src/kernel/interrupts/frame.ts):
 *   r15 r14 r13 r12 r11 r10 r9 r8 rbp rdi rsi rdx rcx rbx rax vector error rip cs rflags rsp ss
 */
        .text
        .code64


        .altmacro
.macro ISR_STUB n
        .balign 16
isr_stub_\n:
        .if !((\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 13) || (\n == 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30))
        pushq $0
        .endif
        pushq $\n
        jmp isr_common
.endm

.set vector, 0
.rept 256
        ISR_STUB %vector
        .set vector, vector + 1
.endr

isr_common:
        pushq %rax
        pushq %rbx
        pushq %rcx
        pushq %rdx
        pushq %rsi
        pushq %rdi
        pushq %rbp
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        mov %rsp, %rdi                  /* argument: the frame */
        mov %rsp, %rbx                  /* callee-saved: restore point */
        /* a frame record so stack walks go through the interrupted code */
        pushq 136(%rdi)                 /* interrupted rip */
        pushq 64(%rdi)                  /* interrupted rbp */
        mov %rsp, %rbp
        and $-16, %rsp
        sub $512, %rsp
        fxsave64 (%rsp)
        cld
        call isr_dispatch
        fxrstor64 (%rsp)
        mov %rbx, %rsp
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rbp
        popq %rdi
        popq %rsi
        popq %rdx
        popq %rcx
        popq %rbx
        popq %rax
        add $16, %rsp                   /* vector and error code */
        iretq

        .section .rodata
        .balign 8
        .globl isr_stub_table
isr_stub_table:
.macro ISR_TABLE_ENTRY n
        .quad isr_stub_\n
.endm
.set vector, 0
.rept 256
        ISR_TABLE_ENTRY %vector
        .set vector, vector + 1
.endr
