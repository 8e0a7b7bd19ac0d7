// threads.ts — the scheduler's tables: per thread (state, weight, virtual and real
// runtime, entry, stack, saved module-call state, watchdog, queue, affinity, class,
// kill and suspend marks) and per CPU (current and idle thread, tick, queue length,
// floors, counters), with the small accessors every part of the scheduler uses.
// All of it is read and written under the kernel lock; setState keeps each CPU's
// queue length as threads come and go.
import { cpu, x86 } from "../../hal";
import * as hints from "./hints";

export const MAX_THREADS: i32 = 256;
export const NO_THREAD: i32 = -1;
export const MAX_CPUS = <i32>x86.MAX_CPUS;

export const enum State { Free = 0, Runnable = 1, Running = 2, Sleeping = 3, Dead = 4, Idle = 5 }

// ---- per thread
export const states = memory.data(MAX_THREADS);
export const weights = memory.data(MAX_THREADS * 4);
export const vruntimes = memory.data(MAX_THREADS * 8);
export const runtimes = memory.data(MAX_THREADS * 8);     // real nanoseconds run
export const entries = memory.data(MAX_THREADS * 4);
export const arguments_ = memory.data(MAX_THREADS * 4);
export const stackTops = memory.data(MAX_THREADS * 8);
export const activeInstances = memory.data(MAX_THREADS * 4);
export const callStarts = memory.data(MAX_THREADS * 8);
export const watchdogs = memory.data(MAX_THREADS * 8);      // ns one module call may run; 0 = none
export const cpuOf = memory.data(MAX_THREADS);              // the run queue it is on (or last was)
export const affinities = memory.data(MAX_THREADS * 8);     // CPUs it may run on, bit c = CPU c
export const classes = memory.data(MAX_THREADS);            // hints.Class
export const killed = memory.data(MAX_THREADS);             // stop and free at the next switch-out
export const suspended = memory.data(MAX_THREADS);          // kept off every CPU until resume()
export const ranOn = memory.data(MAX_THREADS * 8);          // every CPU it has been switched in on
export const timedOut = memory.data(MAX_THREADS);

// ---- per CPU
export const currents = memory.data(MAX_CPUS * 4);
export const idleThreads = memory.data(MAX_CPUS * 4);
export const runningSince = memory.data(MAX_CPUS * 8);
export const needResched = memory.data(MAX_CPUS);
export const tickArmed = memory.data(MAX_CPUS);
export const joined = memory.data(MAX_CPUS);                // takes threads
export const floors = memory.data(MAX_CPUS * 8);            // virtual time of the queue, never decreasing
export const busyNs = memory.data(MAX_CPUS * 8);            // time run by threads other than idle
export const switchCounts = memory.data(MAX_CPUS * 8);
export const balanceTicks = memory.data(MAX_CPUS * 4);
export const switchedFrom = memory.data(MAX_CPUS * 4);      // the thread this CPU just left
export const queueLengths = memory.data(MAX_CPUS * 4);      // runnable and running threads on its queue
// scratch for balance.ts, filled under the kernel lock
export const loads = memory.data(MAX_CPUS * 4);
export const movable = memory.data(MAX_CPUS * MAX_CPUS * 4);

@inline export function u8At(base: usize, i: i32): usize { return base + <usize>i; }
@inline export function u32At(base: usize, i: i32): usize { return base + <usize>i * 4; }
@inline export function u64At(base: usize, i: i32): usize { return base + <usize>i * 8; }

@inline export function state(t: i32): State { return <State>load<u8>(u8At(states, t)); }
@inline export function onQueue(s: State): bool { return s == State.Runnable || s == State.Running; }
/** Every state change goes through here, keeping each CPU's queue length. */
@inline export function setState(t: i32, s: State): void {
  const was = onQueue(state(t));
  if (was != onQueue(s)) {
    const length = u32At(queueLengths, queueOf(t));
    store<u32>(length, was ? load<u32>(length) - 1 : load<u32>(length) + 1);
  }
  store<u8>(u8At(states, t), <u8>s);
}
@inline export function here(): i32 { return <i32>cpu.cpuIndex(); }
@inline export function currentOn(c: i32): i32 { return load<i32>(u32At(currents, c)); }
@inline export function idleOf(c: i32): i32 { return load<i32>(u32At(idleThreads, c)); }
@inline export function queueOf(t: i32): i32 { return <i32>load<u8>(u8At(cpuOf, t)); }
@inline export function vruntimeOf(t: i32): u64 { return load<u64>(u64At(vruntimes, t)); }
@inline export function classOf(t: i32): hints.Class { return <hints.Class>load<u8>(u8At(classes, t)); }
@inline export function allowedOn(t: i32, c: i32): bool { return (load<u64>(u64At(affinities, t)) & (<u64>1 << <u64>c)) != 0; }
@inline export function isIdle(t: i32): bool { return state(t) == State.Idle; }
