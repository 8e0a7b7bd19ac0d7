/*
 * runtime.c — the freestanding wasm2c runtime: linear memories, function types,
 * tables, traps, and the libc pieces the generated C calls (mem*, rounding).
 *
 * The kernel module is built with explicit bounds checks; service modules rely on
 * guard pages (their memories are 8 GiB slots, unmapped above their size), unless
 * built with AIOS_BOUNDS_CHECKS=1. The call-depth counter and the unwind target
 * are per CPU (percpu.h).
 */
#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include "wasm-rt.h"
#include "glue.h"
#include "layout.h"
#include "percpu.h"

#define PAGE_SIZE_WASM        65536u
#define WASM32_MAX_PAGES      65536u
#define TABLE_ARENA_ENTRIES   4096u
#define FUNC_TYPE_MAX         128u
#define FUNC_TYPE_VALUES_MAX  16u

static wasm_rt_funcref_t table_arena[TABLE_ARENA_ENTRIES];

/* wasm_rt_call_stack_depth and the unwind target are per CPU (percpu.h). */
#define unwind_target (*(WASM_RT_UNWIND_TARGET *__seg_gs *)16)

/* The kernel module's memory is the first one allocated (start.c instantiates the
 * kernel before anything else). */
static wasm_rt_memory_t *kernel_memory;

void wasm_rt_init(void) {}
bool wasm_rt_is_initialized(void) { return true; }
void wasm_rt_free(void) {}

/*
 * The kernel's memory sits at KERNEL_MEMORY_BASE, where the boot tables map its
 * first 2 MiB; the kernel maps more as it grows. A module's memory is an 8 GiB
 * slot from the kernel (src/kernel/memory/modulememory.ts), demand-mapped below
 * its size and guard above it. A memory never moves once allocated.
 */
void wasm_rt_allocate_memory(wasm_rt_memory_t *memory, uint32_t initial_pages, uint32_t max_pages) {
    uint64_t base;
    if (!kernel_memory) {
        if ((uint64_t)initial_pages * PAGE_SIZE_WASM > KERNEL_MEMORY_WINDOW)
            aios_fatal("wasm runtime: the kernel module's initial memory exceeds its boot window");
        kernel_memory = memory;
        base = KERNEL_MEMORY_BASE;
    } else {
        base = aios_memory_create(initial_pages, max_pages);
        if (base == 0) wasm_rt_trap(WASM_RT_TRAP_OOB);     /* unwinds the instantiation */
    }
    memory->data = (uint8_t *)(uintptr_t)base;
    memory->pages = initial_pages;
    memory->max_pages = max_pages == 0 || max_pages > WASM32_MAX_PAGES ? WASM32_MAX_PAGES : max_pages;
    memory->size = initial_pages * PAGE_SIZE_WASM;
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *memory, uint32_t delta) {
    uint32_t old_pages = memory->pages;
    if (delta > memory->max_pages - old_pages)
        return 0xffffffffu;             /* memory.grow's failure value, -1 */
    uint64_t new_bytes = (uint64_t)(old_pages + delta) * PAGE_SIZE_WASM;
    if (memory == kernel_memory) {
        if (!aios_kernel_memory_grow(memory->size, new_bytes)) return 0xffffffffu;
    } else if (!aios_memory_grow((uint64_t)(uintptr_t)memory->data, old_pages, delta)) {
        return 0xffffffffu;
    }
    memory->pages = old_pages + delta;
    memory->size = (uint32_t)new_bytes;
    return old_pages;
}

void wasm_rt_free_memory(wasm_rt_memory_t *memory) {
    if (memory != kernel_memory && memory->data) aios_memory_destroy((uint64_t)(uintptr_t)memory->data);
    memory->data = 0;
}

/* Tables (a few entries each) come from one arena with a used-mark per entry:
 * first fit on allocation, marks cleared when the instance frees its table, so
 * instances can come and go forever. */
static uint8_t table_used[TABLE_ARENA_ENTRIES];

static void *table_alloc(uint32_t entries) {
    if (entries == 0) return &table_arena[0];
    for (uint32_t start = 0; start + entries <= TABLE_ARENA_ENTRIES; start++) {
        uint32_t run = 0;
        while (run < entries && !table_used[start + run]) run++;
        if (run < entries) { start += run; continue; }
        for (uint32_t i = 0; i < entries; i++) table_used[start + i] = 1;
        memset(&table_arena[start], 0, entries * sizeof(wasm_rt_funcref_t));
        return &table_arena[start];
    }
    aios_fatal("wasm runtime: table arena exhausted");
}

static void table_free(void *data, uint32_t entries) {
    uintptr_t start = ((uintptr_t)data - (uintptr_t)table_arena) / sizeof(wasm_rt_funcref_t);
    if (!data || entries == 0 || start >= TABLE_ARENA_ENTRIES) return;
    for (uint32_t i = 0; i < entries && start + i < TABLE_ARENA_ENTRIES; i++) table_used[start + i] = 0;
}

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *table, uint32_t elements, uint32_t max) {
    table->data = table_alloc(elements);
    table->size = elements;
    table->max_size = elements;         /* tables do not grow in the kernel */
    (void)max;
}
void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *table) { table_free(table->data, table->size); table->data = 0; }
uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t *t, uint32_t d, wasm_rt_funcref_t v) {
    (void)t; (void)d; (void)v;
    return 0xffffffffu;
}
void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t *table, uint32_t elements, uint32_t max) {
    table->data = table_alloc(elements);   /* a funcref slot is larger than an externref */
    table->size = elements;
    table->max_size = elements;
    (void)max;
}
/* an externref table took one funcref-sized entry per element (table_alloc's unit) */
void wasm_rt_free_externref_table(wasm_rt_externref_table_t *table) { table_free(table->data, table->size); table->data = 0; }
uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t *t, uint32_t d, wasm_rt_externref_t v) {
    (void)t; (void)d; (void)v;
    return 0xffffffffu;
}

/* Function types are interned: equal signatures get equal indices, which is
 * what call_indirect compares. */
static struct { uint32_t params, results; wasm_rt_type_t types[FUNC_TYPE_VALUES_MAX]; } func_types[FUNC_TYPE_MAX];
static uint32_t func_type_count;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
    wasm_rt_type_t types[FUNC_TYPE_VALUES_MAX];
    uint32_t n = params + results;
    if (n > FUNC_TYPE_VALUES_MAX) aios_fatal("wasm runtime: function type too wide");
    va_list args;
    va_start(args, results);
    for (uint32_t i = 0; i < n; i++) types[i] = (wasm_rt_type_t)va_arg(args, int);
    va_end(args);
    for (uint32_t t = 0; t < func_type_count; t++) {
        if (func_types[t].params != params || func_types[t].results != results) continue;
        if (memcmp(func_types[t].types, types, n * sizeof(wasm_rt_type_t)) == 0) return t;
    }
    if (func_type_count == FUNC_TYPE_MAX) aios_fatal("wasm runtime: too many function types");
    func_types[func_type_count].params = params;
    func_types[func_type_count].results = results;
    memcpy(func_types[func_type_count].types, types, n * sizeof(wasm_rt_type_t));
    return func_type_count++;
}

WASM_RT_UNWIND_TARGET *wasm_rt_get_unwind_target(void) { return unwind_target; }
void wasm_rt_set_unwind_target(WASM_RT_UNWIND_TARGET *target) { unwind_target = target; }

/* A trap reports where it happened: the return address lies inside the
 * generated function that trapped (or its .cold part). */
/* Inside a module call (modules.c set an unwind target) a trap unwinds to that
 * call; anywhere else it is the kernel's, and a panic. */
__attribute__((noinline)) void wasm_rt_trap(wasm_rt_trap_t kind) {
    if (unwind_target) longjmp(*unwind_target, (int)kind);
    aios_trap((uint32_t)kind, (uint64_t)__builtin_return_address(0),
              (uint64_t)__builtin_frame_address(0));
}

const char *wasm_rt_strerror(wasm_rt_trap_t trap) { (void)trap; return "trap"; }

void abort(void) { aios_fatal("abort() called"); }

/* ---- libc pieces: string instructions, so gcc cannot turn a loop back into a call ---- */
void *memcpy(void *dst, const void *src, size_t n) {
    void *d = dst;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    if ((uintptr_t)dst <= (uintptr_t)src || (uintptr_t)dst >= (uintptr_t)src + n)
        return memcpy(dst, src, n);
    void *d = (uint8_t *)dst + n - 1;
    const void *s = (const uint8_t *)src + n - 1;
    __asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return dst;
}

void *memset(void *dst, int value, size_t n) {
    void *d = dst;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(value) : "memory");
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

/* gcc lowers wasm's popcnt to these libgcc helpers when the CPU model lacks POPCNT. */
int __popcountdi2(unsigned long x) {
    int n = 0;
    for (; x; x &= x - 1) n++;
    return n;
}
int __popcountsi2(unsigned int x) { return __popcountdi2(x); }

/* ---- rounding without SSE4.1: values of 2^52 or more are already integers ---- */
#define TWO_52 4503599627370496.0
#define TWO_23 8388608.0f

double trunc(double x) {
    if (!(fabs(x) < TWO_52)) return x;              /* also NaN and infinities */
    double t = (double)(int64_t)x;
    return t == 0.0 ? __builtin_copysign(0.0, x) : t;
}
float truncf(float x) {
    if (!(fabsf(x) < TWO_23)) return x;
    float t = (float)(int32_t)x;
    return t == 0.0f ? __builtin_copysignf(0.0f, x) : t;
}
double floor(double x) { double t = trunc(x); return t > x ? t - 1.0 : t; }
float floorf(float x) { float t = truncf(x); return t > x ? t - 1.0f : t; }
double ceil(double x) {
    double t = trunc(x);
    if (t < x) t += 1.0;
    return t == 0.0 ? __builtin_copysign(0.0, x) : t;
}
float ceilf(float x) {
    float t = truncf(x);
    if (t < x) t += 1.0f;
    return t == 0.0f ? __builtin_copysignf(0.0f, x) : t;
}
/* round half to even, as the default SSE rounding mode does */
double nearbyint(double x) {
    if (!(fabs(x) < TWO_52)) return x;
    volatile double big = __builtin_copysign(TWO_52, x);
    double r = (x + big) - big;
    return __builtin_copysign(r, x);
}
float nearbyintf(float x) {
    if (!(fabsf(x) < TWO_23)) return x;
    volatile float big = __builtin_copysignf(TWO_23, x);
    float r = (x + big) - big;
    return __builtin_copysignf(r, x);
}
