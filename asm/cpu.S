/*
 * cpu.S — CPU primitives that need more than one inline instruction.
 *
 *   void cpu_load_gdt(uint64_t base, uint16_t limit, uint16_t code_sel, uint16_t data_sel)
 *   int  setjmp(jmp_buf env)            (the wasm2c runtime's trap unwinding)
 *   void longjmp(jmp_buf env, int value)
 */
        .text
        .code64

        .globl cpu_load_gdt
cpu_load_gdt:
        sub $16, %rsp
        mov %si, (%rsp)
        mov %rdi, 2(%rsp)
        lgdt (%rsp)
        add $16, %rsp
        mov %cx, %ds
        mov %cx, %es
        mov %cx, %ss
        /* FS and GS are left alone: loading a selector would reset the GS base,
         * which points at this CPU's per-CPU record (linker/percpu.h) */
        /* reload CS with a far return to the caller */
        popq %rax                       /* return address */
        movzwq %dx, %rdx
        pushq %rdx
        pushq %rax
        lretq

/* jmp_buf: rbx rbp r12 r13 r14 r15 rsp rip */
        .globl setjmp
setjmp:
        mov %rbx, 0(%rdi)
        mov %rbp, 8(%rdi)
        mov %r12, 16(%rdi)
        mov %r13, 24(%rdi)
        mov %r14, 32(%rdi)
        mov %r15, 40(%rdi)
        lea 8(%rsp), %rdx               /* caller's rsp after return */
        mov %rdx, 48(%rdi)
        mov (%rsp), %rdx                /* return address */
        mov %rdx, 56(%rdi)
        xor %eax, %eax
        ret

        .globl longjmp
longjmp:
        mov %esi, %eax
        test %eax, %eax
        jnz 1f
        inc %eax                        /* longjmp(env, 0) returns 1 */
1:      mov 0(%rdi), %rbx
        mov 8(%rdi), %rbp
        mov 16(%rdi), %r12
        mov 24(%rdi), %r13
        mov 32(%rdi), %r14
        mov 40(%rdi), %r15
        mov 48(%rdi), %rsp
        jmp *56(%rdi)
