/*
 * runtime.c — the freestanding wasm2c runtime: linear memories, function types,
 * tables, traps, and the libc pieces the generated C calls (mem*, rounding).
 *
 * Linear memories are carved from one static arena with a fixed reservation each,
 * so a memory never moves once instantiated (the kernel hands real addresses of
 * its static buffers to the CPU). Bounds checks are explicit (the build defines
 * WASM_RT_MEMCHECK_SIGNAL_HANDLER=0) until the kernel has guard pages.
 * Single CPU for now: the call-depth counter and unwind target are globals.
 */
#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include "wasm-rt.h"
#include "glue.h"

#define PAGE_SIZE_WASM        65536u
#define MEMORY_RESERVE_PAGES  64u      /* 4 MiB of linear memory per module */
#define MEMORY_ARENA_MEMORIES 2u
#define TABLE_ARENA_ENTRIES   4096u
#define FUNC_TYPE_MAX         128u
#define FUNC_TYPE_VALUES_MAX  16u

static uint8_t memory_arena[MEMORY_ARENA_MEMORIES][MEMORY_RESERVE_PAGES * PAGE_SIZE_WASM]
    __attribute__((aligned(4096)));
static uint32_t memory_arena_used;

static wasm_rt_funcref_t table_arena[TABLE_ARENA_ENTRIES];
static uint32_t table_arena_used;

uint32_t wasm_rt_call_stack_depth;
static WASM_RT_UNWIND_TARGET *unwind_target;

void wasm_rt_init(void) {}
bool wasm_rt_is_initialized(void) { return true; }
void wasm_rt_free(void) {}

void wasm_rt_allocate_memory(wasm_rt_memory_t *memory, uint32_t initial_pages, uint32_t max_pages) {
    if (memory_arena_used >= MEMORY_ARENA_MEMORIES || initial_pages > MEMORY_RESERVE_PAGES)
        aios_fatal("wasm runtime: no room for another linear memory");
    memory->data = memory_arena[memory_arena_used++];
    memory->pages = initial_pages;
    memory->max_pages = max_pages < MEMORY_RESERVE_PAGES ? max_pages : MEMORY_RESERVE_PAGES;
    memory->size = initial_pages * PAGE_SIZE_WASM;
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *memory, uint32_t delta) {
    uint32_t old_pages = memory->pages;
    if (delta > memory->max_pages - old_pages)
        return 0xffffffffu;             /* memory.grow's failure value, -1 */
    memory->pages = old_pages + delta;
    memory->size = memory->pages * PAGE_SIZE_WASM;
    return old_pages;                   /* the arena is .bss: new pages are zero */
}

void wasm_rt_free_memory(wasm_rt_memory_t *memory) { (void)memory; }

static void *table_alloc(uint32_t entries) {
    if (entries > TABLE_ARENA_ENTRIES - table_arena_used)
        aios_fatal("wasm runtime: table arena exhausted");
    void *p = &table_arena[table_arena_used];
    table_arena_used += entries;
    return p;
}

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *table, uint32_t elements, uint32_t max) {
    table->data = table_alloc(elements);
    table->size = elements;
    table->max_size = elements;         /* tables do not grow in the kernel */
    (void)max;
}
void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *table) { (void)table; }
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
void wasm_rt_free_externref_table(wasm_rt_externref_table_t *table) { (void)table; }
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
__attribute__((noinline)) void wasm_rt_trap(wasm_rt_trap_t kind) {
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
