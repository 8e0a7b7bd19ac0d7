/*
 * modules.c — instances of the service modules linked into the image, for the
 * kernel's hal imports moduleFind / moduleExportFind / moduleInstantiate /
 * moduleCall / moduleTrap / moduleMemoryBase / moduleDestroy. The modules
 * themselves are described by build/modules.gen.c, generated from their manifests.
 * Each call into an instance runs under its own unwind target, so a trap in it
 * (an explicit bounds check, or a guard-page fault that the kernel turns into a
 * trap) ends that call and is recorded for that instance; the kernel carries on.
 */
#include <stdint.h>
#include "modulegen.h"
#include "glue.h"
#include "percpu.h"

#define H struct Z_hal_instance_t *unused __attribute__((unused))
#define INSTANCE_SLOTS   32
#define NONE             0xffffffffu

static struct slot {
    struct aios_caller caller;      /* first: the context the instance's ABI imports get */
    int used;
    uint32_t module;
    uint32_t last_trap;
    uint8_t instance[AIOS_INSTANCE_BYTES] __attribute__((aligned(16)));
} slots[INSTANCE_SLOTS];

static uint8_t initialized[64];

/* The capability tables' sequence counter (src/kernel/caps/version.ts), which
 * the ABI stubs of unlocked calls read (modulegen.h). Found at the first
 * instantiation, before any instance can make an ABI call; until then it points
 * at an odd value, "being changed", which would send every call the locked way. */
static const uint32_t changing = 1;
const volatile uint32_t *aios_caps_version = &changing;

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

static int name_is(const char *name, u64 text, u32 length) {
    const char *p = (const char *)(uintptr_t)text;
    for (u32 i = 0; i < length; i++) if (name[i] != p[i]) return 0;
    return name[length] == 0;
}

/* A module by name (text is a kernel virtual address), or NONE. */
u32 Z_halZ_moduleFind(H, u64 text, u32 length) {
    for (u32 m = 0; m < aios_module_count; m++) if (name_is(aios_modules[m].name, text, length)) return m;
    return NONE;
}

u32 Z_halZ_moduleExportFind(H, u32 module, u64 text, u32 length) {
    if (module >= aios_module_count) return NONE;
    for (u32 e = 0; e < aios_modules[module].export_count; e++)
        if (name_is(aios_modules[module].exports[e], text, length)) return e;
    return NONE;
}

/* Copies module's name (at most capacity bytes) to the kernel virtual address
 * out; its length, 0 for no such module. */
u32 Z_halZ_moduleName(H, u32 module, u64 out, u32 capacity) {
    if (module >= aios_module_count) return 0;
    const char *name = aios_modules[module].name;
    char *p = (char *)(uintptr_t)out;
    u32 n = 0;
    while (name[n] && n < capacity) { p[n] = name[n]; n++; }
    return n;
}

u32 Z_halZ_moduleVersion(H, u32 module) { return module < aios_module_count ? aios_modules[module].version : 0; }

static int same_text(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return *a == *b;
}

/* The newest module of `module`'s family with a version above its own, or NONE. */
u32 Z_halZ_moduleNewer(H, u32 module) {
    if (module >= aios_module_count) return NONE;
    u32 best = NONE;
    for (u32 m = 0; m < aios_module_count; m++) {
        if (!same_text(aios_modules[m].family, aios_modules[module].family)) continue;
        if (aios_modules[m].version <= aios_modules[module].version) continue;
        if (best == NONE || aios_modules[m].version > aios_modules[best].version) best = m;
    }
    return best;
}

u32 Z_halZ_moduleInstantiate(H, u32 module) {
    if (module >= aios_module_count || module >= sizeof initialized) return NONE;
    if (aios_caps_version == &changing)
        aios_caps_version = (const volatile uint32_t *)(uintptr_t)(aios_kernel_memory_base() + Z_kernelZ_capsVersionAddress(&aios_kernel));
    const struct module_ops *ops = &aios_modules[module];
    if (!initialized[module]) { ops->init_module(); initialized[module] = 1; }
    for (uint32_t s = 0; s < INSTANCE_SLOTS; s++) {
        if (slots[s].used) continue;
        slots[s].caller.slot = s;
        slots[s].module = module;
        slots[s].last_trap = 0;
        for (size_t i = 0; i < AIOS_INSTANCE_BYTES; i++) slots[s].instance[i] = 0;
        if (GUARDED(s, ops->instantiate(slots[s].instance, &slots[s]))) {
            /* out of memory or quota while instantiating: give back what was made */
            wasm_rt_free_memory(ops->memory(slots[s].instance));
            return NONE;
        }
        slots[s].used = 1;
        return s;
    }
    return NONE;
}

u32 Z_halZ_moduleCall(H, u32 s, u32 function, u32 a, u32 b) {
    if (s >= INSTANCE_SLOTS || !slots[s].used) return 0;
    u32 result = 0;
    slots[s].last_trap = 0;
    GUARDED(s, result = aios_modules[slots[s].module].call(slots[s].instance, function, a, b));
    return result;
}

/* A module's own code runs here: inside a module call (GUARDED set a target) and
 * not in the kernel's part of an ABI import, whose stub clears the target. */
u32 Z_halZ_moduleCodeRunning(H) { return PERCPU_UNWIND != 0; }

u32 Z_halZ_moduleTrap(H, u32 s) { return s < INSTANCE_SLOTS ? slots[s].last_trap : 0; }

u64 Z_halZ_moduleMemoryBase(H, u32 s) {
    if (s >= INSTANCE_SLOTS || !slots[s].used) return 0;
    return (u64)(uintptr_t)aios_modules[slots[s].module].memory(slots[s].instance)->data;
}

u32 Z_halZ_moduleMemorySize(H, u32 s) {
    if (s >= INSTANCE_SLOTS || !slots[s].used) return 0;
    return aios_modules[slots[s].module].memory(slots[s].instance)->size;
}

/* memory.grow on an instance's behalf (an agent clone is sized like its parent). */
u32 Z_halZ_moduleGrow(H, u32 s, u32 delta) {
    if (s >= INSTANCE_SLOTS || !slots[s].used) return NONE;
    return wasm_rt_grow_memory(aios_modules[slots[s].module].memory(slots[s].instance), delta);
}

/* The module an instance belongs to. */
u32 Z_halZ_moduleOf(H, u32 s) { return s < INSTANCE_SLOTS && slots[s].used ? slots[s].module : NONE; }

void Z_halZ_moduleDestroy(H, u32 s) {
    if (s >= INSTANCE_SLOTS || !slots[s].used) return;
    aios_modules[slots[s].module].free(slots[s].instance);
    slots[s].used = 0;
}
