// clock.ts — monotonic time from the TSC. The frequency is first estimated at
// entry (hal tsc: CPUID or the PIT) and refined against the HPET once the ACPI
// tables are read; until the first estimate the clock reads 0.
import { cpu } from "../hal";

const NANOS_PER_SECOND: u64 = 1_000_000_000;

let frequencyHz: u64 = 0;
let entryTicks: u64 = 0;
// A new frequency takes effect from (baseTicks, baseNanoseconds), so refining the
// calibration never makes the clock jump backwards.
let baseTicks: u64 = 0;
let baseNanoseconds: u64 = 0;

/** Records the TSC at kernel entry: boot durations are measured from here. */
export function markEntry(): void {
  entryTicks = cpu.rdtsc();
  baseTicks = entryTicks;
  baseNanoseconds = 0;
}

export function setFrequency(hz: u64): void {
  if (frequencyHz != 0) {                // a refinement: continue from now
    const now = cpu.rdtsc();
    baseNanoseconds = nanosecondsAt(now);
    baseTicks = now;
  }                                      // the first estimate counts from entry
  frequencyHz = hz;
}

export function frequency(): u64 { return frequencyHz; }

/** Converts TSC ticks to nanoseconds without overflowing 64 bits. */
export function ticksToNanoseconds(ticks: u64, hz: u64): u64 {
  if (hz == 0) return 0;
  return (ticks / hz) * NANOS_PER_SECOND + (ticks % hz) * NANOS_PER_SECOND / hz;
}

/** Converts nanoseconds to TSC ticks. */
export function nanosecondsToTicks(nanoseconds: u64, hz: u64): u64 {
  return (nanoseconds / NANOS_PER_SECOND) * hz + (nanoseconds % NANOS_PER_SECOND) * hz / NANOS_PER_SECOND;
}

function nanosecondsAt(ticks: u64): u64 {
  return baseNanoseconds + ticksToNanoseconds(ticks - baseTicks, frequencyHz);
}

/** Nanoseconds since kernel entry; monotonic. */
export function nanoseconds(): u64 {
  return nanosecondsAt(cpu.rdtsc());
}
