// tsc.ts — the time-stamp counter's frequency. Taken from CPUID where the CPU or
// hypervisor states it (leaf 0x15, or the hypervisor timing leaf 0x40000010),
// otherwise measured against a 2 ms PIT countdown: a first estimate, which the
// kernel refines against the HPET (src/kernel/platform/time.ts).
import { cpuid, CpuidRegister, rdtsc } from "./primitives";
import * as pit from "./pit";

const LEAF_MAX_STANDARD: u32 = 0x0;
const LEAF_FEATURES: u32 = 0x1;
const FEATURE_ECX_HYPERVISOR: u32 = 1 << 31;
const LEAF_TSC_CRYSTAL: u32 = 0x15;
const LEAF_HYPERVISOR_BASE: u32 = 0x40000000;
const LEAF_HYPERVISOR_TIMING: u32 = 0x40000010;
const CALIBRATION_MS: u64 = 2;   // a first estimate: the HPET refines it once ACPI is read
// A PIT that never finishes (absent or broken) must not hang boot.
const CALIBRATION_SPIN_LIMIT: i32 = 50_000_000;
const FALLBACK_HZ: u64 = 1_000_000_000;

/** Where the frequency came from, for the boot log. */
export const enum TscSource { CpuidCrystal = 0, Hypervisor = 1, Pit = 2, Assumed = 3 }

let sourceUsed = TscSource.Assumed;

export function source(): TscSource { return sourceUsed; }
export function sourceName(): string {
  switch (sourceUsed) {
    case TscSource.CpuidCrystal: return "cpuid-0x15";
    case TscSource.Hypervisor: return "hypervisor-leaf";
    case TscSource.Pit: return "pit";
    default: return "assumed-1ghz";
  }
}

/** Determines the TSC frequency in Hz (never 0). */
export function measureFrequency(): u64 {
  const maxLeaf = cpuid(LEAF_MAX_STANDARD, 0, CpuidRegister.Eax);
  if (maxLeaf >= LEAF_TSC_CRYSTAL) {
    const denominator = cpuid(LEAF_TSC_CRYSTAL, 0, CpuidRegister.Eax);
    const numerator = cpuid(LEAF_TSC_CRYSTAL, 0, CpuidRegister.Ebx);
    const crystalHz = cpuid(LEAF_TSC_CRYSTAL, 0, CpuidRegister.Ecx);
    if (denominator != 0 && numerator != 0 && crystalHz != 0) {
      sourceUsed = TscSource.CpuidCrystal;
      return <u64>crystalHz * <u64>numerator / <u64>denominator;
    }
  }
  const underHypervisor = (cpuid(LEAF_FEATURES, 0, CpuidRegister.Ecx) & FEATURE_ECX_HYPERVISOR) != 0;
  if (underHypervisor && cpuid(LEAF_HYPERVISOR_BASE, 0, CpuidRegister.Eax) >= LEAF_HYPERVISOR_TIMING) {
    const khz = cpuid(LEAF_HYPERVISOR_TIMING, 0, CpuidRegister.Eax);
    if (khz != 0) {
      sourceUsed = TscSource.Hypervisor;
      return <u64>khz * 1000;
    }
  }
  const ticks = <u16>(pit.PIT_FREQUENCY_HZ * CALIBRATION_MS / 1000);
  pit.startCountdown(ticks);
  const start = rdtsc();
  for (let spins = 0; spins < CALIBRATION_SPIN_LIMIT; spins++) {
    if (pit.countdownDone()) {
      const elapsed = rdtsc() - start;
      if (elapsed == 0) break;
      sourceUsed = TscSource.Pit;
      return elapsed * 1000 / CALIBRATION_MS;
    }
  }
  sourceUsed = TscSource.Assumed;
  return FALLBACK_HZ;
}
