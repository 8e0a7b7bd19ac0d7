// Test exports for the scheduling rules (src/kernel/sched/fairshare.ts, edf.ts):
// a simulator steps them the way the scheduler does, one slice at a time.
import * as fairshare from "../../../src/kernel/sched/fairshare";
import * as edf from "../../../src/kernel/sched/edf";

const N = 16;
const eligible = memory.data(N);
const vruntimes = memory.data(N * 8);
const weights = memory.data(N * 4);
const received = memory.data(N * 8);
const ready = memory.data(N);
const deadlines = memory.data(N * 8);
const runtime = memory.data(N * 8);
const period = memory.data(N * 8);
const left = memory.data(N * 8);
const release = memory.data(N * 8);
let missed: u32 = 0;

/** Fair share: `count` threads with weights set by schedSetWeight, `slices` slices
 *  of `sliceNs`; afterwards schedReceived(i) is each thread's CPU time. */
export function schedSetWeight(i: i32, weight: u32): void { store<u32>(weights + <usize>i * 4, weight); }
export function schedFairShare(count: i32, slices: i32, sliceNs: u64): void {
  memory.fill(vruntimes, 0, N * 8);
  memory.fill(received, 0, N * 8);
  memory.fill(eligible, 0, N);
  for (let i = 0; i < count; i++) store<u8>(eligible + <usize>i, 1);
  for (let s = 0; s < slices; s++) {
    const t = fairshare.pick(eligible, vruntimes, count);
    store<u64>(vruntimes + <usize>t * 8, fairshare.charge(load<u64>(vruntimes + <usize>t * 8), sliceNs, load<u32>(weights + <usize>t * 4)));
    store<u64>(received + <usize>t * 8, load<u64>(received + <usize>t * 8) + sliceNs);
  }
}
export function schedReceived(i: i32): u64 { return load<u64>(received + <usize>i * 8); }

export function edfUtilisation(runtimeNs: u64, periodNs: u64): u64 { return edf.utilisation(runtimeNs, periodNs); }
export function edfAdmit(current: u64, add: u64, bound: u64): bool { return edf.admit(current, add, bound); }

/** EDF on one CPU in 1 µs steps for `durationNs`: task i needs runtime(i) every
 *  period(i); returns the number of missed deadlines. */
export function edfSetTask(i: i32, runtimeNs: u64, periodNs: u64): void {
  store<u64>(runtime + <usize>i * 8, runtimeNs);
  store<u64>(period + <usize>i * 8, periodNs);
}
export function edfSimulate(count: i32, durationNs: u64): u32 {
  const step: u64 = 1000;
  missed = 0;
  for (let i = 0; i < count; i++) {
    store<u64>(release + <usize>i * 8, 0);
    store<u64>(deadlines + <usize>i * 8, load<u64>(period + <usize>i * 8));
    store<u64>(left + <usize>i * 8, load<u64>(runtime + <usize>i * 8));
  }
  for (let now: u64 = 0; now < durationNs; now += step) {
    for (let i = 0; i < count; i++) {
      if (now >= load<u64>(deadlines + <usize>i * 8)) {            // period over: was the job done?
        if (load<u64>(left + <usize>i * 8) > 0) missed++;
        store<u64>(deadlines + <usize>i * 8, load<u64>(deadlines + <usize>i * 8) + load<u64>(period + <usize>i * 8));
        store<u64>(left + <usize>i * 8, load<u64>(runtime + <usize>i * 8));
      }
      store<u8>(ready + <usize>i, load<u64>(left + <usize>i * 8) > 0 ? 1 : 0);
    }
    const t = edf.pick(ready, deadlines, count);
    if (t >= 0) {
      const l = load<u64>(left + <usize>t * 8);
      store<u64>(left + <usize>t * 8, l > step ? l - step : 0);
    }
  }
  return missed;
}

// ---- balance.ts: the caller's arrays (loads per CPU, movable per pair) set one
// value at a time, then each rule asked
import * as balance from "../../../src/kernel/sched/balance";
import * as hints from "../../../src/kernel/sched/hints";

const CPUS = 64;
const balanceLoads = memory.data(CPUS * 4);
const balanceMovable = memory.data(CPUS * CPUS * 4);
let balanceCpus: i32 = 0;

/** Starts a fresh picture of `cpus` CPUs: every load and movable count 0. */
export function balanceReset(cpus: i32): void {
  balanceCpus = cpus;
  memory.fill(balanceLoads, 0, CPUS * 4);
  memory.fill(balanceMovable, 0, CPUS * CPUS * 4);
}
export function balanceSetLoad(c: i32, value: u32): void { store<u32>(balanceLoads + <usize>c * 4, value); }
export function balanceSetMovable(from: i32, to: i32, value: u32): void {
  store<u32>(balanceMovable + <usize>(from * balanceCpus + to) * 4, value);
}
export function balanceLeastLoaded(allowed: u64): i32 { return balance.leastLoaded(balanceLoads, allowed, balanceCpus); }
export function balanceWakeTarget(allowed: u64, previous: i32): i32 { return balance.wakeTarget(balanceLoads, allowed, previous, balanceCpus); }
export function balanceStealFrom(thief: i32): i32 { return balance.stealFrom(balanceLoads, balanceMovable, balanceCpus, thief); }
export function balancePlanMove(): i32 { return balance.planMove(balanceLoads, balanceMovable, balanceCpus); }

export function hintsGranularity(running: u32, base: u64): u64 { return hints.granularity(<hints.Class>running, base); }
export function hintsWakePreempts(woken: u32, wokenVruntime: u64, running: u32, runningVruntime: u64, idle: bool, base: u64): bool {
  return hints.wakePreempts(<hints.Class>woken, wokenVruntime, <hints.Class>running, runningVruntime, idle, base);
}
