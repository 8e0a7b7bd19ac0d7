// observe.ts — read-only views of the scheduler's per-thread and per-CPU
// counters (runtimes, switches, migrations, affinities), for the monitor thread,
// the kernel API, the scenarios and the benchmarks. Nothing here changes state;
// scheduler.ts re-exports all of it.
import * as queues from "./queues";
import { MAX_CPUS, MAX_THREADS, runtimes, busyNs, switchCounts, weights, ranOn, affinities, suspended, u8At, u32At, u64At, queueOf } from "./threads";

export function runtimeOf(t: i32): u64 { return load<u64>(u64At(runtimes, t)); }
/** The CPU whose run queue thread `t` is on (the one it runs on, if running). */
export function cpuOfThread(t: i32): i32 { return t >= 0 && t < MAX_THREADS ? queueOf(t) : -1; }
/** Time CPU `c` spent running threads other than its idle thread. */
export function busyTimeOf(c: i32): u64 { return c >= 0 && c < MAX_CPUS ? load<u64>(u64At(busyNs, c)) : 0; }
export function switchesOf(c: i32): u64 { return c >= 0 && c < MAX_CPUS ? load<u64>(u64At(switchCounts, c)) : 0; }
/** Switches from one thread to another since boot, on all CPUs. */
export function contextSwitches(): u64 {
  let total: u64 = 0;
  for (let c = 0; c < queues.cpus(); c++) total += load<u64>(u64At(switchCounts, c));
  return total;
}
export function migrationCount(): u64 { return queues.migrationCount(); }
export function stealCount(): u64 { return queues.stealCount(); }
export function weightOf(t: i32): u32 { return t >= 0 && t < MAX_THREADS ? load<u32>(u32At(weights, t)) : 0; }
/** Every CPU thread `t` has run on (bit c: CPU c), since it was spawned. */
export function cpusRanOn(t: i32): u64 { return t >= 0 && t < MAX_THREADS ? load<u64>(u64At(ranOn, t)) : 0; }
/** The CPUs thread `t` may run on (bit c: CPU c). */
export function affinityOf(t: i32): u64 { return t >= 0 && t < MAX_THREADS ? load<u64>(u64At(affinities, t)) : 0; }
export function isSuspended(t: i32): bool { return t > 0 && t < MAX_THREADS && load<u8>(u8At(suspended, t)) != 0; }
