// primitives.ts — the one hardware gate. Every port, memory, register and
// descriptor-table access the kernel makes goes through these imports; the C
// glue in linker/hal.c binds each to one instruction (or asm/cpu.S), and host
// tests bind them to a fake machine. Nothing else in src/ declares @external.

/** Addresses the linker and asm/ place, read through `layoutAddress`. */
export const enum Layout {
  ImagePhysStart = 0,
  ImagePhysEnd = 1,
  TextStart = 2,
  TextEnd = 3,
  SymbolsStart = 4,
  SymbolsEnd = 5,
  KernelStackBottom = 6,
  KernelStackTop = 7,
  IstStacksBottom = 8,
  IstStacksTop = 9,
  IsrStubTable = 10,
  LinearMemoryBase = 11,
  RodataStart = 12,
  DataStart = 13,
  ImageEnd = 14,
  KernelMemoryArena = 15,
  TrampolineStart = 16,
  TrampolineEnd = 17,
  ApEntry = 18,
  ModuleSignatures = 19,      // .modsig: the signed module records (tools/signing.ts)
  ModuleSignaturesEnd = 20,
}

/** Geometry of the stacks asm/boot.S reserves, each above an unmapped guard page. */
export const STACK_GUARD_SIZE: u64 = 4096;
export const IST_STACK_SIZE: u64 = 16 * 1024;
export const IST_STACK_COUNT: u64 = 3;

/** The four registers cpuid returns, chosen by `cpuid`'s `output` argument. */
export const enum CpuidRegister { Eax = 0, Ebx = 1, Ecx = 2, Edx = 3 }

// ---- port I/O
@external("hal", "outb") export declare function outb(port: u16, value: u8): void;
@external("hal", "inb") export declare function inb(port: u16): u8;
@external("hal", "outw") export declare function outw(port: u16, value: u16): void;
@external("hal", "inw") export declare function inw(port: u16): u16;
@external("hal", "outl") export declare function outl(port: u16, value: u32): void;
@external("hal", "inl") export declare function inl(port: u16): u32;

// ---- kernel virtual memory (MMIO, the direct map, the image itself)
@external("hal", "load8") export declare function load8(address: u64): u8;
@external("hal", "load16") export declare function load16(address: u64): u16;
@external("hal", "load32") export declare function load32(address: u64): u32;
@external("hal", "load64") export declare function load64(address: u64): u64;
@external("hal", "store8") export declare function store8(address: u64, value: u8): void;
@external("hal", "store16") export declare function store16(address: u64, value: u16): void;
@external("hal", "store32") export declare function store32(address: u64, value: u32): void;
@external("hal", "store64") export declare function store64(address: u64, value: u64): void;
/** Zeroes `length` bytes at a kernel virtual address (one call per page, not per word). */
@external("hal", "zero") export declare function zero(address: u64, length: u64): void;
/** Copies `length` bytes between kernel virtual addresses (rep movsb: one call,
 *  not a call per word; the ranges must not overlap). */
@external("hal", "copy") export declare function copy(to: u64, from: u64, length: u64): void;
/** Writes back and evicts every cache line of [address, address + length) (clflush,
 *  then mfence), for devices that read memory without snooping the caches (a VT-d
 *  unit whose ECAP.C is 0 walks its tables that way). */
@external("hal", "flushCacheLines") export declare function flushCacheLines(address: u64, length: u64): void;

// ---- CPU state
@external("hal", "rdtsc") export declare function rdtsc(): u64;
@external("hal", "cpuid") export declare function cpuid(leaf: u32, subleaf: u32, output: CpuidRegister): u32;
/** The CPU's random number instructions (Intel SDM Vol. 1 §7.3.17, Vol. 2 RDRAND/RDSEED):
 *  32 random bits in the low half with RANDOM_VALID set, or 0 when the instruction
 *  kept reporting "not ready" (CF = 0) through its retries (RDRAND 10, as Intel's DRNG
 *  guide recommends; RDSEED 100, with a pause between, as its source refills slowly).
 *  Check CPUID first (leaf 1 ECX bit 30, leaf 7 EBX bit 18): without it they fault (#UD). */
export const RANDOM_VALID: u64 = 1 << 32;
@external("hal", "rdrand32") export declare function rdrand32(): u64;
@external("hal", "rdseed32") export declare function rdseed32(): u64;
@external("hal", "readCr0") export declare function readCr0(): u64;
@external("hal", "readCr2") export declare function readCr2(): u64;
@external("hal", "readCr3") export declare function readCr3(): u64;
@external("hal", "readCr4") export declare function readCr4(): u64;
/** Loads a new top-level page table (flushes non-global TLB entries). */
@external("hal", "writeCr3") export declare function writeCr3(value: u64): void;
/** Drops the TLB entry for one virtual address. */
@external("hal", "invalidatePage") export declare function invalidatePage(address: u64): void;
/** The caller's frame pointer, for stack traces that start where we are. */
@external("hal", "frameAddress") export declare function frameAddress(): u64;
@external("hal", "halt") export declare function halt(): void;
@external("hal", "disableInterrupts") export declare function disableInterrupts(): void;
@external("hal", "enableInterrupts") export declare function enableInterrupts(): void;
/** sti; hlt as one step, so an interrupt between them cannot be missed. */
@external("hal", "waitForInterrupt") export declare function waitForInterrupt(): void;
@external("hal", "pause") export declare function pause(): void;
/** Orders every earlier load and store before every later one (mfence): x86 may
 *  otherwise let a later load pass an earlier store, which shared rings must not. */
@external("hal", "memoryFence") export declare function memoryFence(): void;
/** Disables interrupts and returns the flags as they were, for restoreInterrupts:
 *  a critical section that an interrupt handler may also enter (nests safely). */
@external("hal", "saveInterrupts") export declare function saveInterrupts(): u64;
/** Re-enables interrupts if the saved flags had them on. */
@external("hal", "restoreInterrupts") export declare function restoreInterrupts(flags: u64): void;
@external("hal", "readMsr") export declare function readMsr(msr: u32): u64;
@external("hal", "writeMsr") export declare function writeMsr(msr: u32, value: u64): void;

// ---- multiprocessor: atomics on kernel virtual addresses, and which CPU this is
@external("hal", "atomicFetchAdd32") export declare function atomicFetchAdd32(address: u64, value: u32): u32;
@external("hal", "atomicCompareExchange32") export declare function atomicCompareExchange32(address: u64, expected: u32, desired: u32): u32;
/** This CPU's index (0 = the boot CPU), from its per-CPU record (%gs). */
@external("hal", "cpuIndex") export declare function cpuIndex(): u32;

// ---- kernel threads (linker/threads.c, asm/switch.S)
/** Sets thread `thread` up to start in the kernel's threadMain on the stack ending at `top`. */
@external("hal", "threadPrepare") export declare function threadPrepare(thread: u32, top: u64): bool;
/** Records that this CPU now runs `thread` (the boot thread, at start). */
@external("hal", "threadAdopt") export declare function threadAdopt(thread: u32): void;
/** Switches this CPU to `thread`; returns when switched back. Interrupts off. */
@external("hal", "threadSwitch") export declare function threadSwitch(thread: u32): void;

// ---- descriptor tables: base is a kernel virtual address
@external("hal", "loadGdt") export declare function loadGdt(base: u64, limit: u16, codeSelector: u16, dataSelector: u16): void;
@external("hal", "loadIdt") export declare function loadIdt(base: u64, limit: u16): void;
@external("hal", "loadTaskRegister") export declare function loadTaskRegister(selector: u16): void;

// ---- where things are
@external("hal", "layoutAddress") export declare function layoutAddress(which: Layout): u64;

// ---- service module instances (linker/modules.c); a trap in one is recorded, not fatal
export const MODULE_INSTANCE_NONE: u32 = 0xffffffff;
export const MODULE_NONE: u32 = 0xffffffff;
/** A linked module by name (bytes at a kernel virtual address), or MODULE_NONE. */
@external("hal", "moduleFind") export declare function moduleFind(name: u64, length: u32): u32;
/** An export's number in a module's manifest, or MODULE_NONE. */
@external("hal", "moduleExportFind") export declare function moduleExportFind(module: u32, name: u64, length: u32): u32;
@external("hal", "moduleVersion") export declare function moduleVersion(module: u32): u32;
/** Copies the module's name to kernel virtual address `out` (at most `capacity` bytes): its length, 0 for none. */
@external("hal", "moduleName") export declare function moduleName(module: u32, out: u64, capacity: u32): u32;
/** The newest module of the same family with a higher version, or MODULE_NONE. */
@external("hal", "moduleNewer") export declare function moduleNewer(module: u32): u32;
/** Bytes of an instance's linear memory. */
@external("hal", "moduleMemorySize") export declare function moduleMemorySize(instance: u32): u32;
/** memory.grow of an instance's memory by the kernel; the old size in pages, or MODULE_NONE. */
@external("hal", "moduleGrow") export declare function moduleGrow(instance: u32, delta: u32): u32;
@external("hal", "moduleOf") export declare function moduleOf(instance: u32): u32;
/** A new instance, or MODULE_INSTANCE_NONE when out of slots, memory or quota. */
@external("hal", "moduleInstantiate") export declare function moduleInstantiate(module: u32): u32;
/** Calls export number `exportIndex` of an instance; on a trap returns 0 and moduleTrap() tells the kind. */
@external("hal", "moduleCall") export declare function moduleCall(instance: u32, exportIndex: u32, a: u32, b: u32): u32;
@external("hal", "moduleTrap") export declare function moduleTrap(instance: u32): u32;
@external("hal", "moduleMemoryBase") export declare function moduleMemoryBase(instance: u32): u64;
@external("hal", "moduleDestroy") export declare function moduleDestroy(instance: u32): void;
/** True when this CPU runs a module's own code: a module call's unwind target is
 *  set, and it is not the kernel serving one of the module's ABI imports (the
 *  import stub clears the target for that). An unlocked ABI call leaves the
 *  running instance as it is, so this is what tells it from the module's code. */
@external("hal", "moduleCodeRunning") export declare function moduleCodeRunning(): bool;

/** The last way to reset: an empty IDT and an exception. Never returns. */
@external("hal", "tripleFault") export declare function tripleFault(): void;

// ---- deliberate CPU exceptions, for the guest test scenarios only
/** DoubleFault: a breakpoint with the stack pointer on an unmapped page, so the
 *  CPU cannot deliver it, nor the page fault that follows, and raises #DF. */
export const enum ProvokedException { DivideError = 0, InvalidOpcode = 1, Breakpoint = 2, DoubleFault = 3, StackOverflow = 4 }
@external("hal", "provokeException") export declare function provokeException(kind: ProvokedException): void;
