// reservations.ts — earliest-deadline-first reservations (runtime every period),
// admitted only while the total utilisation stays under edf.DEFAULT_BOUND_PPM. The
// bound is one CPU's worth for all CPUs together, which keeps every CPU's share
// feasible however the reserved threads are spread (partitioned EDF: each CPU runs
// its own). The scheduler says which threads could run; this table says which of
// them is due first and still has budget.
import { Errno } from "../../abi";
import * as edf from "./edf";

const MAX_THREADS = 256;               // scheduler.MAX_THREADS (imported the other way round)
const runtimes = memory.data(MAX_THREADS * 8);
const periods = memory.data(MAX_THREADS * 8);
const deadlines = memory.data(MAX_THREADS * 8);
const budgets = memory.data(MAX_THREADS * 8);      // runtime left this period
const ready = memory.data(MAX_THREADS);
let utilisation: u64 = 0;

@inline function at(base: usize, t: i32): usize { return base + <usize>t * 8; }

/** True while anything is reserved (the scheduler skips EDF otherwise). */
@inline export function any(): bool { return utilisation != 0; }
@inline export function reserved(t: i32): bool { return load<u64>(at(periods, t)) != 0; }

/** Reserves `runtimeNs` in every `periodNs` for thread `t` from `now`:
 *  InvalidArgument for an empty share, PermissionDenied past the bound. */
export function add(t: i32, runtimeNs: u64, periodNs: u64, now: u64): Errno {
  const share = edf.utilisation(runtimeNs, periodNs);
  if (share == 0) return Errno.InvalidArgument;
  if (!edf.admit(utilisation, share, edf.DEFAULT_BOUND_PPM)) return Errno.PermissionDenied;
  utilisation += share;
  store<u64>(at(runtimes, t), runtimeNs);
  store<u64>(at(periods, t), periodNs);
  store<u64>(at(deadlines, t), now + periodNs);
  store<u64>(at(budgets, t), runtimeNs);
  return Errno.Ok;
}

/** Ends `t`'s reservation, if it has one. */
export function remove(t: i32): void {
  if (!reserved(t)) return;
  utilisation -= edf.utilisation(load<u64>(at(runtimes, t)), load<u64>(at(periods, t)));
  store<u64>(at(periods, t), 0);
}

/** `t` ran `ns`: taken from its budget. */
export function charge(t: i32, ns: u64): void {
  if (!reserved(t)) return;
  const left = load<u64>(at(budgets, t));
  store<u64>(at(budgets, t), left > ns ? left - ns : 0);
}

/** Marks whether thread `t` (which the scheduler says could run, `runnable`) is
 *  ready by its reservation at `now`: a new period returns its budget. */
export function mark(t: i32, runnable: bool, now: u64): void {
  let isReady: u8 = 0;
  const period = load<u64>(at(periods, t));
  if (period != 0 && runnable) {
    while (now >= load<u64>(at(deadlines, t))) {
      store<u64>(at(deadlines, t), load<u64>(at(deadlines, t)) + period);
      store<u64>(at(budgets, t), load<u64>(at(runtimes, t)));
    }
    if (load<u64>(at(budgets, t)) > 0) isReady = 1;
  }
  store<u8>(ready + <usize>t, isReady);
}

/** Of threads 0 .. count - 1 marked ready, the one due first, or -1. */
export function pick(count: i32): i32 { return edf.pick(ready, deadlines, count); }
