// lapic.ts — the local APIC of the running CPU, in xAPIC mode (MMIO at a virtual
// address the kernel maps) or x2APIC mode (MSRs 0x800 + register/16). Registers
// by their xAPIC offsets (Intel SDM vol. 3A §11.4.1, table 11-1).
import { cpuid, CpuidRegister, load32, readMsr, store32, writeMsr, rdtsc, saveInterrupts, restoreInterrupts } from "./primitives";

export const REG_ID: u32 = 0x020;
export const REG_VERSION: u32 = 0x030;
export const REG_TASK_PRIORITY: u32 = 0x080;
export const REG_EOI: u32 = 0x0b0;
export const REG_SPURIOUS: u32 = 0x0f0;
export const REG_ERROR_STATUS: u32 = 0x280;
export const REG_ICR_LOW: u32 = 0x300;
export const REG_ICR_HIGH: u32 = 0x310;
export const REG_LVT_TIMER: u32 = 0x320;
export const REG_LVT_LINT0: u32 = 0x350;
export const REG_LVT_LINT1: u32 = 0x360;
export const REG_LVT_ERROR: u32 = 0x370;
export const REG_TIMER_INITIAL: u32 = 0x380;
export const REG_TIMER_CURRENT: u32 = 0x390;
export const REG_TIMER_DIVIDE: u32 = 0x3e0;

const MSR_APIC_BASE: u32 = 0x1b;
const MSR_X2APIC_FIRST: u32 = 0x800;
const MSR_TSC_DEADLINE: u32 = 0x6e0;
const APIC_BASE_ENABLE: u64 = 1 << 11;
const APIC_BASE_X2APIC: u64 = 1 << 10;
const SPURIOUS_ENABLE: u32 = 1 << 8;
export const LVT_MASKED: u32 = 1 << 16;
const LVT_TIMER_ONE_SHOT: u32 = 0 << 17;
const LVT_TIMER_TSC_DEADLINE: u32 = 2 << 17;
export const DELIVERY_FIXED: u32 = 0 << 8;
export const DELIVERY_NMI: u32 = 4 << 8;
export const DELIVERY_INIT: u32 = 5 << 8;
export const DELIVERY_STARTUP: u32 = 6 << 8;
const ICR_PENDING: u32 = 1 << 12;
export const ICR_LEVEL_ASSERT: u32 = 1 << 14;
export const ICR_ALL_EXCLUDING_SELF: u32 = 3 << 18;
const TIMER_DIVIDE_BY_16: u32 = 0x3;
const ICR_SPIN_LIMIT: i32 = 1_000_000;

const LEAF_FEATURES: u32 = 1;
const FEATURE_ECX_X2APIC: u32 = 1 << 21;
const FEATURE_ECX_TSC_DEADLINE: u32 = 1 << 24;

let mmio: u64 = 0;
let x2apic = false;

export function x2apicSupported(): bool { return (cpuid(LEAF_FEATURES, 0, CpuidRegister.Ecx) & FEATURE_ECX_X2APIC) != 0; }
export function tscDeadlineSupported(): bool { return (cpuid(LEAF_FEATURES, 0, CpuidRegister.Ecx) & FEATURE_ECX_TSC_DEADLINE) != 0; }
export function inX2apicMode(): bool { return x2apic; }

export function read(register: u32): u32 {
  return x2apic ? <u32>readMsr(MSR_X2APIC_FIRST + (register >> 4)) : load32(mmio + <u64>register);
}

export function write(register: u32, value: u32): void {
  if (x2apic) writeMsr(MSR_X2APIC_FIRST + (register >> 4), <u64>value);
  else store32(mmio + <u64>register, value);
}

/** Enables this CPU's local APIC (x2APIC when asked and present), with the
 *  spurious vector, LINT0 masked, LINT1 as NMI, errors to `errorVector`. */
export function enable(mmioVirtual: u64, preferX2apic: bool, spuriousVector: u8, errorVector: u8): void {
  mmio = mmioVirtual;
  const base = readMsr(MSR_APIC_BASE);
  x2apic = preferX2apic && x2apicSupported();
  writeMsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | (x2apic ? APIC_BASE_X2APIC : 0));
  write(REG_TASK_PRIORITY, 0);
  write(REG_LVT_LINT0, LVT_MASKED);
  write(REG_LVT_LINT1, DELIVERY_NMI);
  write(REG_LVT_ERROR, errorVector);
  write(REG_ERROR_STATUS, 0);
  write(REG_SPURIOUS, SPURIOUS_ENABLE | spuriousVector);
  write(REG_LVT_TIMER, LVT_MASKED);
}

/** This CPU's APIC id (8 bits in xAPIC mode, 32 in x2APIC). */
export function id(): u32 {
  const value = read(REG_ID);
  return x2apic ? value : value >> 24;
}

export function endOfInterrupt(): void { write(REG_EOI, 0); }

/** Sends an IPI: `low` carries vector, delivery mode and shorthand. In xAPIC mode
 *  the two ICR writes are made with interrupts off: a handler sending an IPI of its
 *  own between them would leave this one going to its destination. */
export function sendIpi(destination: u32, low: u32): bool {
  if (x2apic) {
    writeMsr(MSR_X2APIC_FIRST + (REG_ICR_LOW >> 4), (<u64>destination << 32) | <u64>low);
    return true;
  }
  const flags = saveInterrupts();
  write(REG_ICR_HIGH, destination << 24);
  write(REG_ICR_LOW, low);
  let sent = false;
  for (let spins = 0; spins < ICR_SPIN_LIMIT && !sent; spins++) sent = (read(REG_ICR_LOW) & ICR_PENDING) == 0;
  restoreInterrupts(flags);
  return sent;
}

/** Arms the timer once: `ticks` of the APIC timer clock divided by 16. */
export function timerOneShot(vector: u8, ticks: u32): void {
  write(REG_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
  write(REG_LVT_TIMER, LVT_TIMER_ONE_SHOT | vector);
  write(REG_TIMER_INITIAL, ticks == 0 ? 1 : ticks);
}

/** Arms the timer to fire when the TSC reaches `deadline` (0 disarms). */
export function timerDeadline(vector: u8, deadline: u64): void {
  write(REG_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | vector);
  writeMsr(MSR_TSC_DEADLINE, deadline);
}

export function timerCurrent(): u32 { return read(REG_TIMER_CURRENT); }
export function timerStop(): void {
  write(REG_LVT_TIMER, LVT_MASKED);
  write(REG_TIMER_INITIAL, 0);
}

/** APIC timer ticks (at divide-by-16) elapsed during `tscTicks` of the TSC. */
export function measureTimer(tscTicks: u64): u32 {
  write(REG_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
  write(REG_LVT_TIMER, LVT_MASKED);
  write(REG_TIMER_INITIAL, 0xffffffff);
  const start = rdtsc();
  while (rdtsc() - start < tscTicks) {}
  const elapsed = 0xffffffff - read(REG_TIMER_CURRENT);
  write(REG_TIMER_INITIAL, 0);
  return elapsed;
}
