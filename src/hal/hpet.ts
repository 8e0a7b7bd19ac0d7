// hpet.ts — the High Precision Event Timer's main counter, used as the reference
// clock (IA-PC HPET spec 1.0a §2.3). Its period is given in femtoseconds.
import { load64, store64 } from "./primitives";

const REG_CAPABILITIES: u64 = 0x000;
const REG_CONFIGURATION: u64 = 0x010;
const REG_MAIN_COUNTER: u64 = 0x0f0;
const CONFIG_ENABLE: u64 = 1 << 0;
const CAPABILITY_64BIT: u64 = 1 << 13;
/** The spec caps the period at 100 ns. */
const MAX_PERIOD_FS: u64 = 100_000_000;

let base: u64 = 0;
let periodFs: u64 = 0;

/** Starts the counter at MMIO `virtualBase`; false if the block looks absent or broken. */
export function init(virtualBase: u64): bool {
  const capabilities = load64(virtualBase + REG_CAPABILITIES);
  const period = capabilities >> 32;
  if (period == 0 || period > MAX_PERIOD_FS || capabilities == 0xffff_ffff_ffff_ffff) return false;
  base = virtualBase;
  periodFs = period;
  store64(base + REG_CONFIGURATION, load64(base + REG_CONFIGURATION) | CONFIG_ENABLE);
  return true;
}

export function present(): bool { return base != 0; }
export function wide(): bool { return (load64(base + REG_CAPABILITIES) & CAPABILITY_64BIT) != 0; }
export function counter(): u64 { return load64(base + REG_MAIN_COUNTER); }
export function period(): u64 { return periodFs; }

/** Nanoseconds for `ticks` of the main counter. */
export function ticksToNanoseconds(ticks: u64): u64 {
  return ticks / 1_000_000 * periodFs + (ticks % 1_000_000) * periodFs / 1_000_000;
}
