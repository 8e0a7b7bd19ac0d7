// edf.ts — earliest-deadline-first for threads with a (runtime, period) reservation,
// pure. Admission keeps the total utilisation (sum of runtime / period) at or
// below the bound, which on one CPU is exactly what EDF can schedule (Liu &
// Layland): an admitted set meets every deadline; one that would exceed is refused.
// Utilisation is kept in parts per million to stay in integers.
export const PPM: u64 = 1_000_000;
/** Leaves room for the fair-share threads and the kernel. */
export const DEFAULT_BOUND_PPM: u64 = 950_000;

/** runtime / period in parts per million; 0 for an empty or invalid reservation. */
export function utilisation(runtimeNs: u64, periodNs: u64): u64 {
  if (periodNs == 0 || runtimeNs == 0 || runtimeNs > periodNs) return 0;
  return (runtimeNs * PPM + periodNs - 1) / periodNs;       // rounded up: never over-admit
}

/** True when a reservation of `add` ppm fits beside `current` ppm under `bound`. */
export function admit(current: u64, add: u64, bound: u64): bool {
  return add != 0 && add <= bound && current <= bound - add;
}

/** Among `count` candidates (ready[i] != 0), the earliest absolute deadline, or -1. */
export function pick(ready: usize, deadlines: usize, count: i32): i32 {
  let best = -1;
  let earliest: u64 = 0;
  for (let i = 0; i < count; i++) {
    if (load<u8>(ready + <usize>i) == 0) continue;
    const d = load<u64>(deadlines + <usize>i * 8);
    if (best < 0 || d < earliest) { best = i; earliest = d; }
  }
  return best;
}
