/*
 * threads.c — kernel threads for the scheduler (src/kernel/sched): a saved
 * stack pointer and the wasm runtime's per-thread state (call depth, unwind
 * target), which live in the per-CPU record while the thread runs and are
 * swapped on every switch. Stacks come from the kernel (guarded, stacks.ts).
 */
#include <stdint.h>
#include "kernel.h"
#include "glue.h"
#include "percpu.h"
#include "modulegen.h"

#define H struct Z_hal_instance_t *unused __attribute__((unused))
#define MAX_THREADS 256
#define INITIAL_FRAME_WORDS 7     /* six callee-saved registers and the return address */

void thread_switch(uint64_t *save_rsp, uint64_t next_rsp);
void thread_entry(void);

static struct thread {
    uint64_t rsp;
    uint32_t call_depth;
    void *unwind_target;
} threads[MAX_THREADS];

/* The thread a CPU is running, by CPU index. */
static uint32_t current[MAX_CPUS];

/* Prepares thread `t` to start at thread_start on the stack ending at `top`. */
u32 Z_halZ_threadPrepare(H, u32 t, u64 top) {
    if (t >= MAX_THREADS || (top & 15) != 0) return 0;
    uint64_t *sp = (uint64_t *)(uintptr_t)top;
    *--sp = 0;                                  /* keeps the entry's stack 16-byte aligned */
    *--sp = (uint64_t)(uintptr_t)thread_entry;  /* thread_switch returns here */
    for (int i = 0; i < INITIAL_FRAME_WORDS - 1; i++) *--sp = 0;
    threads[t].rsp = (uint64_t)(uintptr_t)sp;
    threads[t].call_depth = 0;
    threads[t].unwind_target = 0;
    return 1;
}

/* Marks which thread this CPU runs (the boot thread at start). */
void Z_halZ_threadAdopt(H, u32 t) { if (t < MAX_THREADS) current[PERCPU_INDEX] = t; }

/* Switches this CPU from its current thread to `next`; returns when it is
 * switched back to. Interrupts must be off. */
void Z_halZ_threadSwitch(H, u32 next) {
    uint32_t me = current[PERCPU_INDEX];
    if (next >= MAX_THREADS || next == me) return;
    threads[me].call_depth = PERCPU_CALL_DEPTH;
    threads[me].unwind_target = PERCPU_UNWIND;
    current[PERCPU_INDEX] = next;
    PERCPU_CALL_DEPTH = threads[next].call_depth;
    PERCPU_UNWIND = threads[next].unwind_target;
    thread_switch(&threads[me].rsp, threads[next].rsp);
}

void thread_start(void) {
    uint32_t me = current[PERCPU_INDEX];
    Z_kernelZ_threadMain(aios_kernel_instance(), me);
    aios_fatal("a thread returned from threadMain");
}
