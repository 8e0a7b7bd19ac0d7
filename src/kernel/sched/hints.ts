// hints.ts — what an agent's semantic hint (agents/registry.ts Hint) changes in
// scheduling beside its weight, pure. Kernel threads are Normal.
//   Batch:       longer slices (others must be GRANULARITY x BATCH_SLICES ahead to
//                take the CPU from it); a wake-up never takes the CPU from anyone.
//   Interactive: a wake-up takes the CPU from batch work, or from a thread that has
//                had more than the granularity more virtual time.
//   LowLatency:  a wake-up takes the CPU from anything but another low-latency thread.
//   Normal:      the fair-share rule alone, at the next tick.
// A woken thread always takes an idle CPU at once.
export const enum Class { Normal = 0, Batch = 1, Interactive = 2, LowLatency = 3 }
export const BATCH_SLICES: u64 = 4;

/** How far ahead in virtual time a waiting thread must be before the tick gives
 *  it the CPU of a thread of class `running`. */
export function granularity(running: Class, base: u64): u64 {
  return running == Class.Batch ? base * BATCH_SLICES : base;
}

/** On a wake-up: does the woken thread take the CPU now, rather than waiting for
 *  the tick? `idle`: the CPU runs nothing. */
export function wakePreempts(woken: Class, wokenVruntime: u64, running: Class, runningVruntime: u64, idle: bool, base: u64): bool {
  if (idle) return true;
  if (woken == Class.LowLatency) return running != Class.LowLatency;
  if (woken == Class.Interactive) return running == Class.Batch || wokenVruntime + base < runningVruntime;
  return false;
}
