/*
 * switch.S — switching kernel threads (each agent runs on a thread of its own).
 *
 *   void thread_switch(uint64_t *save_rsp, uint64_t next_rsp)
 *       saves the callee-saved registers on the current stack, stores its stack
 *       pointer in *save_rsp, loads next_rsp and returns into the next thread.
 *       Caller-saved registers (SSE included) are dead across a call by the ABI.
 *   thread_entry: where a new thread's first switch returns to; calls
 *       void thread_start(void)   (linker/threads.c), which never returns.
 */
        .text
        .code64
        .globl thread_switch
thread_switch:
        pushq %rbp
        pushq %rbx
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        movq %rsp, (%rdi)
        movq %rsi, %rsp
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        ret

        .globl thread_entry
thread_entry:
        xorl %ebp, %ebp
        call thread_start
1:      cli
        hlt
        jmp 1b
