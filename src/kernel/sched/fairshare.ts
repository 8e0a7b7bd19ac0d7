// fairshare.ts — the fair-share rule, pure: virtual runtime grows by real time
// run scaled by NICE_WEIGHT / weight, so over time each runnable thread gets CPU
// in proportion to its weight; the least virtual runtime runs next.
export const NICE_WEIGHT: u64 = 1024;

/** A thread's virtual runtime after it ran `ranNs` with `weight`. */
export function charge(vruntime: u64, ranNs: u64, weight: u32): u64 {
  return vruntime + ranNs * NICE_WEIGHT / <u64>(weight == 0 ? 1 : weight);
}

/** Among `count` candidates (eligible[i] != 0), the one with the least virtual
 *  runtime (the lowest index on ties), or -1. Arrays: u8 eligible, u64 vruntimes. */
export function pick(eligible: usize, vruntimes: usize, count: i32): i32 {
  let best = -1;
  let least: u64 = 0;
  for (let i = 0; i < count; i++) {
    if (load<u8>(eligible + <usize>i) == 0) continue;
    const v = load<u64>(vruntimes + <usize>i * 8);
    if (best < 0 || v < least) { best = i; least = v; }
  }
  return best;
}
