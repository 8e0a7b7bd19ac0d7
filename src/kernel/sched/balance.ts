// balance.ts — which CPU a thread runs on, pure: where a new thread goes, where a
// woken one goes, which CPU an idle one steals from, and the move the periodic
// balance makes. A CPU's load is the number of threads on its run queue (the one
// running included); `movable` counts, for each pair (from, to), the threads
// waiting on `from` (runnable, not running) that their affinity lets run on `to`.
// Arrays are in the caller's memory:
//   loads:   u32 per CPU
//   movable: u32 per pair, at (from * cpus + to) * 4
// Queues are evened only when they differ by more than one thread: moving a thread
// between queues of n + 1 and n would only swap them.
export const NONE: i32 = -1;
/** How much longer a queue must be before a thread is taken from it. */
export const IMBALANCE: u32 = 2;

function loadOf(loads: usize, c: i32): u32 { return load<u32>(loads + <usize>c * 4); }
function allows(mask: u64, c: i32): bool { return c >= 0 && c < 64 && (mask & (<u64>1 << <u64>c)) != 0; }
function movableOf(movable: usize, cpus: i32, from: i32, to: i32): u32 {
  return load<u32>(movable + <usize>(from * cpus + to) * 4);
}

/** The CPU among `allowed` (bit c: CPU c) with the smallest load, the lowest index
 *  on ties; NONE when `allowed` names none of the `cpus`. */
export function leastLoaded(loads: usize, allowed: u64, cpus: i32): i32 {
  let best = NONE;
  for (let c = 0; c < cpus; c++) {
    if (!allows(allowed, c)) continue;
    if (best == NONE || loadOf(loads, c) < loadOf(loads, best)) best = c;
  }
  return best;
}

/** Where a woken thread runs: its previous CPU when that is allowed and idle; else
 *  an allowed idle CPU; else its previous CPU if allowed (its cache is there);
 *  else the least loaded allowed one. `loads` leave the woken thread out. */
export function wakeTarget(loads: usize, allowed: u64, previous: i32, cpus: i32): i32 {
  const previousAllowed = previous >= 0 && previous < cpus && allows(allowed, previous);
  if (previousAllowed && loadOf(loads, previous) == 0) return previous;
  const least = leastLoaded(loads, allowed, cpus);
  if (least != NONE && loadOf(loads, least) == 0) return least;
  return previousAllowed ? previous : least;
}

/** The CPU `thief` takes a waiting thread from: the busiest one holding a thread
 *  allowed on `thief` whose queue is at least IMBALANCE longer; NONE if none is. */
export function stealFrom(loads: usize, movable: usize, cpus: i32, thief: i32): i32 {
  let best = NONE;
  for (let from = 0; from < cpus; from++) {
    if (from == thief || movableOf(movable, cpus, from, thief) == 0) continue;
    if (loadOf(loads, from) < loadOf(loads, thief) + IMBALANCE) continue;
    if (best == NONE || loadOf(loads, from) > loadOf(loads, best)) best = from;
  }
  return best;
}

/** The periodic balance: the move (from * cpus + to) between the pair of queues
 *  that differ most, among pairs where a waiting thread may move, if they differ
 *  by IMBALANCE or more; NONE when the queues are even. Lowest indices on ties. */
export function planMove(loads: usize, movable: usize, cpus: i32): i32 {
  let best = NONE;
  let widest: u32 = IMBALANCE - 1;
  for (let from = 0; from < cpus; from++) {
    for (let to = 0; to < cpus; to++) {
      if (from == to || movableOf(movable, cpus, from, to) == 0) continue;
      const a = loadOf(loads, from);
      const b = loadOf(loads, to);
      if (a <= b || a - b <= widest) continue;
      widest = a - b;
      best = from * cpus + to;
    }
  }
  return best;
}
