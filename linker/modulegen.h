/* modulegen.h — what the generated build/modules.gen.c (tools/modulegen.ts) and
 * linker/modules.c share: one record of operations per linked module. */
#ifndef AIOS_MODULEGEN_H
#define AIOS_MODULEGEN_H
#include <stddef.h>
#include <stdint.h>
#include "wasm-rt.h"
#include "kernel.h"

/* Bytes reserved per instance slot; every module's instance struct must fit. */
#define AIOS_INSTANCE_BYTES 1024

struct module_ops {
    const char *name;
    const char *family;             /* versions of one module share a family */
    uint32_t version;
    size_t instance_size;
    void (*init_module)(void);
    void (*instantiate)(void *instance, void *context);
    void (*free)(void *instance);
    wasm_rt_memory_t *(*memory)(void *instance);
    u32 (*call)(void *instance, u32 function, u32 a, u32 b);
    const char *const *exports;
    uint32_t export_count;
};

extern const struct module_ops aios_modules[];
extern const uint32_t aios_module_count;

/* For the ABI stubs, inline so that a module's kernel call costs one C call into
 * the kernel: the kernel instance (start.c), and which slot an import came from.
 * The context an instance is given for its "aios" imports starts with a
 * struct aios_caller naming its instance slot (modules.c fills it in). */
extern Z_kernel_instance_t aios_kernel;
Z_kernel_instance_t *aios_kernel_instance(void);
struct aios_caller { uint32_t slot; };
struct Z_aios_instance_t;
static inline u32 aios_caller_slot(struct Z_aios_instance_t *context) {
    return ((const struct aios_caller *)(const void *)context)->slot;
}

/* The seqlock read of the capability tables (src/kernel/caps/version.ts) around
 * an unlocked ABI call: begin, call the kernel's unlocked export, then valid()
 * says whether its answer stands (no change to the tables began or ended
 * meanwhile). The counter is read through a volatile pointer, and the compiler
 * barriers keep gcc from moving the kernel call's loads (in another translation
 * unit anyway) to either side of them; x86 keeps loads in program order (TSO),
 * so the CPU needs no fence. */
extern const volatile uint32_t *aios_caps_version;
static inline uint32_t aios_caps_read_begin(void) {
    uint32_t version = *aios_caps_version;
    __asm__ volatile("" ::: "memory");
    return version;
}
static inline int aios_caps_read_valid(uint32_t begun) {
    __asm__ volatile("" ::: "memory");
    return (begun & 1) == 0 && *aios_caps_version == begun;
}
/* What an unlocked export answers when it cannot decide: take the locked way (tools/abi.ts). */
#define AIOS_ABI_RETRY 0xffffffffu
#endif
