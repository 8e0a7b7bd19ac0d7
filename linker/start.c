/*
 * start.c — instantiates the kernel module and routes the CPU into it:
 *   kernel_entry  (from asm/boot.S)  → kernel.kmain(protocol magic, info physical address)
 *   isr_dispatch  (from asm/isr.S)   → kernel.interrupt(frame address)
 *   aios_trap     (wasm_rt_trap)     → kernel.trap(kind, rip, rbp), which never returns
 *   aios_memory_* (runtime.c)        → kernel.memoryCreate / memoryGrow / memoryDestroy
 */
#include <stdint.h>
#include "kernel.h"
#include "glue.h"
#include "percpu.h"

#define COM1_DATA        0x3f8
#define COM1_LINE_STATUS 0x3fd
#define LINE_STATUS_THR_EMPTY 0x20
#define DEBUG_EXIT_PORT  0xf4
#define DEBUG_EXIT_PANIC 0x12

#define MSR_GS_BASE 0xc0000101

/* Named aios_kernel for the linker: the generated ABI stubs (modulegen.h) pass its
 * address as a constant instead of calling aios_kernel_instance(). */
Z_kernel_instance_t kernel __asm__("aios_kernel");
static struct percpu percpus[MAX_CPUS];

void percpu_install(uint32_t index) {
    struct percpu *p = &percpus[index];
    p->self = p;
    p->index = index;
    uint64_t address = (uint64_t)(uintptr_t)p;
    __asm__ volatile("wrmsr" : : "c"(MSR_GS_BASE), "a"((uint32_t)address), "d"((uint32_t)(address >> 32)) : "memory");
}
static int kernel_instantiated;
static int trap_depth;

void kernel_entry(uint32_t magic, uint64_t info) {
    percpu_install(0);                  /* before any wasm code: it counts call depth per CPU */
    Z_kernel_init_module();
    Z_kernel_instantiate(&kernel, 0);
    kernel_instantiated = 1;
    Z_kernelZ_kmain(&kernel, magic, info);
}

/* What the kernel's interrupt handler asks of us (src/kernel/interrupts). */
#define INTERRUPT_RESUME      0
#define INTERRUPT_TRAP_MODULE 1
#define INTERRUPT_TRAP_WATCHDOG 2
/* Beyond wasm_rt_trap_t: a module call that ran past its agent's watchdog. */
#define AIOS_TRAP_WATCHDOG 100

void isr_dispatch(uint64_t frame) {
    if (!kernel_instantiated) aios_fatal("interrupt before the kernel module was instantiated");
    uint32_t action = Z_kernelZ_interrupt(&kernel, frame);
    /* A guard-page hit inside a module call: unwind that call as a wasm trap
     * (longjmp off this exception frame, to the call's setjmp in modules.c). */
    if (action == INTERRUPT_TRAP_MODULE) wasm_rt_trap(WASM_RT_TRAP_OOB);
    if (action == INTERRUPT_TRAP_WATCHDOG) wasm_rt_trap((wasm_rt_trap_t)AIOS_TRAP_WATCHDOG);
}

uint64_t aios_memory_create(uint32_t initial_pages, uint32_t max_pages) {
    return Z_kernelZ_memoryCreate(&kernel, initial_pages, max_pages);
}
int aios_memory_grow(uint64_t base, uint32_t old_pages, uint32_t delta) {
    return (int)Z_kernelZ_memoryGrow(&kernel, base, old_pages, delta);
}
void aios_memory_destroy(uint64_t base) { Z_kernelZ_memoryDestroy(&kernel, base); }
int aios_kernel_memory_grow(uint64_t old_bytes, uint64_t new_bytes) {
    return (int)Z_kernelZ_kernelMemoryGrow(&kernel, old_bytes, new_bytes);
}

/* An application processor, from asm/trampoline.S on its own stack. */
void ap_entry(uint64_t index) {
    if (index >= MAX_CPUS) aios_fatal("AP started with an impossible CPU index");
    percpu_install((uint32_t)index);
    Z_kernelZ_apMain(&kernel, (uint32_t)index);
    for (;;) __asm__ volatile("cli; hlt");
}

Z_kernel_instance_t *aios_kernel_instance(void) { return &kernel; }

uint64_t aios_kernel_memory_base(void) { return (uint64_t)(uintptr_t)kernel.w2c_memory.data; }

void aios_trap(uint32_t kind, uint64_t rip, uint64_t rbp) {
    if (kernel_instantiated && trap_depth++ == 0) Z_kernelZ_trap(&kernel, kind, rip, rbp);
    aios_fatal("trap while reporting a trap");
}

static void com1_put(char c) {
    uint8_t status;
    do __asm__ volatile("inb %w1, %b0" : "=a"(status) : "Nd"(COM1_LINE_STATUS));
    while (!(status & LINE_STATUS_THR_EMPTY));
    __asm__ volatile("outb %b0, %w1" : : "a"(c), "Nd"(COM1_DATA));
}

void aios_fatal(const char *message) {
    for (const char *p = "\r\nPANIC (runtime): "; *p; p++) com1_put(*p);
    for (; *message; message++) com1_put(*message);
    com1_put('\r');
    com1_put('\n');
    __asm__ volatile("outb %b0, %w1" : : "a"(DEBUG_EXIT_PANIC), "Nd"(DEBUG_EXIT_PORT));
    for (;;) __asm__ volatile("cli; hlt");
}
