/*
 * hal.c — binds the kernel module's "hal" imports (src/hal/primitives.ts) to CPU
 * instructions. One line each; wasm2c passes the import instance first, unused.
 * u8/u16 arguments arrive as u32 (wasm i32): the casts narrow them on purpose.
 */
#include <stdint.h>
#include "kernel.h"
#include "glue.h"
#include "layout.h"
#include "percpu.h"

#define H struct Z_hal_instance_t *unused __attribute__((unused))

extern uint8_t __image_phys_start[], __image_phys_end[], __text_start[], __text_end[];
extern uint8_t __modsig_start[], __modsig_end[];
extern uint8_t __ksyms_start[], __ksyms_end[], kernel_stack_bottom[], kernel_stack_top[];
extern uint8_t ist_stacks[], ist_stacks_end[];
extern uint8_t __rodata_start[], __data_start[], __image_end[], kernel_memory_arena[];
extern uint8_t trampoline_start[], trampoline_end[];
void ap_entry(uint64_t index);
extern uint64_t isr_stub_table[];
void cpu_load_gdt(uint64_t base, uint16_t limit, uint16_t code, uint16_t data);

void Z_halZ_outb(H, u32 port, u32 value) { __asm__ volatile("outb %b0, %w1" : : "a"(value), "Nd"(port)); }
u32 Z_halZ_inb(H, u32 port) { uint8_t v; __asm__ volatile("inb %w1, %b0" : "=a"(v) : "Nd"(port)); return v; }
void Z_halZ_outw(H, u32 port, u32 value) { __asm__ volatile("outw %w0, %w1" : : "a"(value), "Nd"(port)); }
u32 Z_halZ_inw(H, u32 port) { uint16_t v; __asm__ volatile("inw %w1, %w0" : "=a"(v) : "Nd"(port)); return v; }
void Z_halZ_outl(H, u32 port, u32 value) { __asm__ volatile("outl %0, %w1" : : "a"(value), "Nd"(port)); }
u32 Z_halZ_inl(H, u32 port) { uint32_t v; __asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(port)); return v; }

u32 Z_halZ_load8(H, u64 a) { return *(volatile uint8_t *)a; }
u32 Z_halZ_load16(H, u64 a) { return *(volatile uint16_t *)a; }
u32 Z_halZ_load32(H, u64 a) { return *(volatile uint32_t *)a; }
u64 Z_halZ_load64(H, u64 a) { return *(volatile uint64_t *)a; }
void Z_halZ_store8(H, u64 a, u32 v) { *(volatile uint8_t *)a = (uint8_t)v; }
void Z_halZ_store16(H, u64 a, u32 v) { *(volatile uint16_t *)a = (uint16_t)v; }
void Z_halZ_store32(H, u64 a, u32 v) { *(volatile uint32_t *)a = v; }
void Z_halZ_store64(H, u64 a, u64 v) { *(volatile uint64_t *)a = v; }
/* Plain loops of eight-byte moves, then the tail: QEMU's TCG runs a string
 * instruction (rep movs/stos) an element at a time through a helper, several
 * times slower than the loads and stores of an ordinary loop it translates. */
void Z_halZ_zero(H, u64 a, u64 n) {
  volatile u64 *to = (volatile u64 *)a;
  u64 i = 0;
  for (; i + 8 <= n; i += 8) *to++ = 0;
  for (; i < n; i++) ((volatile u8 *)a)[i] = 0;
}
void Z_halZ_copy(H, u64 to, u64 from, u64 n) {
  volatile u64 *d = (volatile u64 *)to;
  const volatile u64 *s = (const volatile u64 *)from;
  u64 i = 0;
  for (; i + 8 <= n; i += 8) *d++ = *s++;
  for (; i < n; i++) ((volatile u8 *)to)[i] = ((const volatile u8 *)from)[i];
}
void Z_halZ_flushCacheLines(H, u64 a, u64 n) {
    for (u64 line = a & ~(u64)63; line < a + n; line += 64) __asm__ volatile("clflush (%0)" : : "r"(line) : "memory");
    __asm__ volatile("mfence" ::: "memory");
}

u64 Z_halZ_rdtsc(H) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }
u32 Z_halZ_cpuid(H, u32 leaf, u32 subleaf, u32 which) {
    uint32_t r[4];
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(subleaf));
    return r[which & 3];
}
/* RDRAND / RDSEED: CF = 1 when the destination holds random bits (Intel SDM Vol. 2). */
#define RANDOM_VALID ((u64)1 << 32)
u64 Z_halZ_rdrand32(H) {
    for (int attempt = 0; attempt < 10; attempt++) {
        uint32_t value; uint8_t ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(value), "=qm"(ok) : : "cc");
        if (ok) return RANDOM_VALID | value;
    }
    return 0;
}
u64 Z_halZ_rdseed32(H) {
    for (int attempt = 0; attempt < 100; attempt++) {
        uint32_t value; uint8_t ok;
        __asm__ volatile("rdseed %0; setc %1" : "=r"(value), "=qm"(ok) : : "cc");
        if (ok) return RANDOM_VALID | value;
        __asm__ volatile("pause");
    }
    return 0;
}
u64 Z_halZ_readCr0(H) { u64 v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
u64 Z_halZ_readCr2(H) { u64 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
u64 Z_halZ_readCr3(H) { u64 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
u64 Z_halZ_readCr4(H) { u64 v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
void Z_halZ_writeCr3(H, u64 v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
void Z_halZ_invalidatePage(H, u64 a) { __asm__ volatile("invlpg (%0)" : : "r"(a) : "memory"); }
u64 Z_halZ_frameAddress(H) { return (u64)__builtin_frame_address(0); }
void Z_halZ_halt(H) { __asm__ volatile("hlt"); }
void Z_halZ_disableInterrupts(H) { __asm__ volatile("cli" ::: "memory"); }
void Z_halZ_enableInterrupts(H) { __asm__ volatile("sti" ::: "memory"); }
void Z_halZ_waitForInterrupt(H) { __asm__ volatile("sti; hlt" ::: "memory"); }
void Z_halZ_pause(H) { __asm__ volatile("pause"); }
void Z_halZ_memoryFence(H) { __asm__ volatile("mfence" ::: "memory"); }
u64 Z_halZ_saveInterrupts(H) { u64 f; __asm__ volatile("pushfq; pop %0; cli" : "=r"(f) : : "memory"); return f; }
void Z_halZ_restoreInterrupts(H, u64 f) { if (f & 0x200) __asm__ volatile("sti" ::: "memory"); }
u64 Z_halZ_readMsr(H, u32 msr) { uint32_t lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr)); return ((u64)hi << 32) | lo; }
void Z_halZ_writeMsr(H, u32 msr, u64 v) { __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory"); }

u32 Z_halZ_atomicFetchAdd32(H, u64 a, u32 v) { return __atomic_fetch_add((uint32_t *)a, v, __ATOMIC_SEQ_CST); }
u32 Z_halZ_atomicCompareExchange32(H, u64 a, u32 expected, u32 desired) {
    __atomic_compare_exchange_n((uint32_t *)a, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return expected;                    /* the value found: equal to `expected` on success */
}
u32 Z_halZ_cpuIndex(H) { return (u32)PERCPU_INDEX; }

void Z_halZ_loadGdt(H, u64 base, u32 limit, u32 code, u32 data) { cpu_load_gdt(base, (uint16_t)limit, (uint16_t)code, (uint16_t)data); }
void Z_halZ_loadIdt(H, u64 base, u32 limit) {
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } pointer = { (uint16_t)limit, base };
    __asm__ volatile("lidt %0" : : "m"(pointer));
}
void Z_halZ_loadTaskRegister(H, u32 selector) { __asm__ volatile("ltr %w0" : : "r"(selector)); }

/* The order matches the Layout enum in src/hal/primitives.ts. */
u64 Z_halZ_layoutAddress(H, u32 which) {
    switch (which) {
    case 0: return (u64)__image_phys_start;
    case 1: return (u64)__image_phys_end;
    case 2: return (u64)__text_start;
    case 3: return (u64)__text_end;
    case 4: return (u64)__ksyms_start;
    case 5: return (u64)__ksyms_end;
    case 6: return (u64)kernel_stack_bottom;
    case 7: return (u64)kernel_stack_top;
    case 8: return (u64)ist_stacks;
    case 9: return (u64)ist_stacks_end;
    case 10: return (u64)isr_stub_table;
    case 11: return aios_kernel_memory_base();
    case 12: return (u64)__rodata_start;
    case 13: return (u64)__data_start;
    case 14: return (u64)__image_end;
    case 15: return (u64)kernel_memory_arena;
    case 16: return (u64)trampoline_start;
    case 17: return (u64)trampoline_end;
    case 18: return (u64)(uintptr_t)ap_entry;
    case 19: return (u64)__modsig_start;
    case 20: return (u64)__modsig_end;
    default: return 0;
    }
}

void Z_halZ_tripleFault(H) {
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } empty = { 0, 0 };
    __asm__ volatile("lidt %0; int3" : : "m"(empty));
    for (;;) __asm__ volatile("cli; hlt");
}

/* Recursion without end: each frame touches its own 1 KiB, so the stack grows
 * page by page into the guard page below it. */
__attribute__((noinline)) static u64 overflow_stack(u64 depth) {
    volatile uint8_t frame[1024];
    frame[0] = (uint8_t)depth;
    return overflow_stack(depth + 1) + frame[0];
}

/* Deliberate exceptions for the guest test scenarios (ProvokedException). */
#define UNMAPPED_STACK 0x4000000000ull   /* 256 GiB: not mapped by the boot page tables */
void Z_halZ_provokeException(H, u32 kind) {
    switch (kind) {
    case 0: { uint32_t zero = 0; __asm__ volatile("xor %%edx, %%edx; mov $1, %%eax; divl %0" : : "r"(zero) : "eax", "edx"); break; }
    case 1: __asm__ volatile("ud2"); break;
    case 2: __asm__ volatile("int3"); break;
    case 3: __asm__ volatile("mov %0, %%rsp; int3" : : "r"(UNMAPPED_STACK) : "memory"); break;
    case 4: overflow_stack(0); break;
    }
}
