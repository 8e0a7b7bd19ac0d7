/* glue.h — what the C glue files share: the fatal path and the trap hook. */
#ifndef AIOS_GLUE_H
#define AIOS_GLUE_H
#include <stdint.h>

/* Last resort when the AssemblyScript kernel cannot report: raw COM1, exit 0x12. */
__attribute__((noreturn)) void aios_fatal(const char *message);
/* A wasm trap: hands kind, return address and frame to the kernel's report. */
__attribute__((noreturn)) void aios_trap(uint32_t kind, uint64_t rip, uint64_t rbp);
/* Base of the kernel module's linear memory (static buffers' real addresses). */
uint64_t aios_kernel_memory_base(void);
/* Module memories, managed by the kernel module (start.c forwards to its exports). */
uint64_t aios_memory_create(uint32_t initial_pages, uint32_t max_pages);
int aios_memory_grow(uint64_t base, uint32_t old_pages, uint32_t delta);
void aios_memory_destroy(uint64_t base);
int aios_kernel_memory_grow(uint64_t old_bytes, uint64_t new_bytes);
#endif
