// clock.ts — monotonic time from the TSC. The frequency is set once at boot
// (hal tsc); until then the clock reads 0. Issue 4 moves the reference to the HPET.
import { cpu } from "../hal";

const NANOS_PER_SECOND: u64 = 1_000_000_000;

let frequencyHz: u64 = 0;
let entryTicks: u64 = 0;

/** Records the TSC at kernel entry: boot durations are measured from here. */
export function markEntry(): void {
  entryTicks = cpu.rdtsc();
}

export function setFrequency(hz: u64): void {
  frequencyHz = hz;
}

export function frequency(): u64 { return frequencyHz; }

/** Converts TSC ticks to nanoseconds without overflowing 64 bits. */
export function ticksToNanoseconds(ticks: u64, hz: u64): u64 {
  if (hz == 0) return 0;
  return (ticks / hz) * NANOS_PER_SECOND + (ticks % hz) * NANOS_PER_SECOND / hz;
}

/** Nanoseconds since kernel entry. */
export function nanoseconds(): u64 {
  return ticksToNanoseconds(cpu.rdtsc() - entryTicks, frequencyHz);
}
