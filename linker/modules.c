/*
 * modules.c — instances of the service modules linked into the image, for the
 * kernel's hal imports moduleInstantiate / moduleCall / moduleTrap / moduleDestroy.
 * Each call into an instance runs under its own unwind target, so a trap in it
 * (an explicit bounds check, or a guard-page fault that the kernel turns into a
 * trap) ends that call and is recorded for that instance; the kernel carries on.
 *
 * Hand-written for the one module there is (probe, built twice: guard-page and
 * explicit-check); the build will generate this table from module manifests once
 * there are several (the agent issue).
 */
#include <stdint.h>
#include "wasm-rt.h"
#include "kernel.h"
#include "probe.h"
#include "probe_checked.h"
#include "glue.h"
#include "percpu.h"

#define H struct Z_hal_instance_t *unused __attribute__((unused))
#define INSTANCE_SLOTS   32

/* Module ids, as src/hal/primitives.ts's ModuleId numbers them. */
enum { MODULE_PROBE, MODULE_PROBE_CHECKED, MODULE_COUNT };
/* Exports of probe, numbered as src/kernel/modules/probe.ts numbers them. */
enum { PROBE_READ, PROBE_WRITE, PROBE_GROW, PROBE_SIZE, PROBE_FILL, PROBE_MATRIX };

static struct {
    int used;
    uint32_t module;
    uint32_t last_trap;
    union {
        Z_probe_instance_t probe;
        Z_probe_checked_instance_t probe_checked;
    } as;
} slots[INSTANCE_SLOTS];

static int initialized[MODULE_COUNT];

/* Runs `body` for slot `s` under an unwind target; evaluates to 1 when it trapped. */
#define GUARDED(s, body) ({                                               \
    jmp_buf here;                                                         \
    WASM_RT_UNWIND_TARGET *outer = wasm_rt_get_unwind_target();           \
    uint32_t depth = wasm_rt_call_stack_depth;                            \
    int kind = setjmp(here);                                              \
    if (kind == 0) {                                                      \
        wasm_rt_set_unwind_target(&here);                                 \
        body;                                                             \
    } else {                                                              \
        wasm_rt_call_stack_depth = depth;                                 \
        slots[s].last_trap = (uint32_t)kind;                              \
    }                                                                     \
    wasm_rt_set_unwind_target(outer);                                     \
    kind != 0;                                                            \
})

/* The probe's exports, for either build of it (P is probe or probe_checked). */
#define PROBE_DISPATCH(P, instance, function, a, b, result)               \
    switch (function) {                                                   \
    case PROBE_READ: result = Z_##P##Z_read(instance, a); break;         \
    case PROBE_WRITE: result = Z_##P##Z_write(instance, a, b); break;    \
    case PROBE_GROW: result = Z_##P##Z_grow(instance, a); break;         \
    case PROBE_SIZE: result = Z_##P##Z_size(instance); break;            \
    case PROBE_FILL: result = Z_##P##Z_fill(instance, a, b); break;      \
    case PROBE_MATRIX: result = Z_##P##Z_matrix(instance, a, b); break;  \
    default: wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);                    \
    }

static wasm_rt_memory_t *memory_of(uint32_t s) {
    return slots[s].module == MODULE_PROBE ? &slots[s].as.probe.w2c_memory : &slots[s].as.probe_checked.w2c_memory;
}

u32 Z_halZ_moduleInstantiate(H, u32 module) {
    if (module >= MODULE_COUNT) return 0xffffffffu;
    if (!initialized[module]) {
        if (module == MODULE_PROBE) Z_probe_init_module(); else Z_probe_checked_init_module();
        initialized[module] = 1;
    }
    for (uint32_t s = 0; s < INSTANCE_SLOTS; s++) {
        if (slots[s].used) continue;
        slots[s].module = module;
        slots[s].last_trap = 0;
        memory_of(s)->data = 0;
        int trapped = GUARDED(s, {
            if (module == MODULE_PROBE) Z_probe_instantiate(&slots[s].as.probe);
            else Z_probe_checked_instantiate(&slots[s].as.probe_checked);
        });
        if (trapped) {
            /* out of memory or quota while instantiating: give back what was made */
            wasm_rt_free_memory(memory_of(s));
            return 0xffffffffu;
        }
        slots[s].used = 1;
        return s;
    }
    return 0xffffffffu;
}

u32 Z_halZ_moduleCall(H, u32 s, u32 function, u32 a, u32 b) {
    if (s >= INSTANCE_SLOTS || !slots[s].used) return 0;
    u32 result = 0;
    slots[s].last_trap = 0;
    GUARDED(s, {
        if (slots[s].module == MODULE_PROBE) PROBE_DISPATCH(probe, &slots[s].as.probe, function, a, b, result)
        else PROBE_DISPATCH(probe_checked, &slots[s].as.probe_checked, function, a, b, result)
    });
    return result;
}

u32 Z_halZ_moduleTrap(H, u32 s) { return s < INSTANCE_SLOTS ? slots[s].last_trap : 0; }

u64 Z_halZ_moduleMemoryBase(H, u32 s) {
    return s < INSTANCE_SLOTS && slots[s].used ? (u64)(uintptr_t)memory_of(s)->data : 0;
}

void Z_halZ_moduleDestroy(H, u32 s) {
    if (s >= INSTANCE_SLOTS || !slots[s].used) return;
    if (slots[s].module == MODULE_PROBE) Z_probe_free(&slots[s].as.probe);
    else Z_probe_checked_free(&slots[s].as.probe_checked);
    slots[s].used = 0;
}
