/*
 * percpu.h — each CPU's own state, found through the GS base. The wasm2c
 * runtime's process-wide variables live here so CPUs do not share them:
 *   %gs:0   self pointer         %gs:8   wasm call depth (wasm_rt_call_stack_depth)
 *   %gs:16  wasm unwind target   %gs:24  CPU index (0 = boot CPU)
 */
#ifndef AIOS_PERCPU_H
#define AIOS_PERCPU_H
#include <stdint.h>

#define MAX_CPUS 64

struct percpu {
    struct percpu *self;
    uint32_t call_depth;
    uint32_t reserved;
    void *unwind_target;
    uint64_t index;
};

#define PERCPU_CALL_DEPTH   (*(__seg_gs uint32_t *)8)
#define PERCPU_UNWIND       (*(void *__seg_gs *)16)
#define PERCPU_INDEX        (*(__seg_gs uint64_t *)24)

/* Points the GS base at CPU `index`'s record (linker/start.c). */
void percpu_install(uint32_t index);
#endif
