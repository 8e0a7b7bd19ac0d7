// queues.ts — the CPUs' run queues as a whole: which queue has work, the loads
// balance.ts decides on, moving a waiting thread between queues (keeping its
// distance from the queue's virtual-time floor), work stealing and the periodic
// balance. The limits every scan stops at live here too. Under the kernel lock.
import * as balance from "./balance";
import * as reservations from "./reservations";
import {
  NO_THREAD, MAX_THREADS, MAX_CPUS, State, state, onQueue, currentOn, queueOf, vruntimeOf, allowedOn,
  u8At, u32At, u64At, queueLengths, floors, vruntimes, cpuOf, joined, loads, movable,
} from "./threads";

let cpuLimit: i32 = 1;                               // one above the highest joined CPU index
let threadLimit: i32 = 1;                            // one above the highest thread id in use (scans stop there)
let migrations: u64 = 0;
let steals: u64 = 0;

export function cpus(): i32 { return cpuLimit; }
export function threads(): i32 { return threadLimit; }
/** CPU `c` joined: scans cover it from now on. */
export function coverCpu(c: i32): void { if (c + 1 > cpuLimit) cpuLimit = c + 1; }
/** Thread id `t` is in use: scans cover it from now on. */
export function coverThread(t: i32): void { if (t >= threadLimit) threadLimit = t + 1; }
export function migrationCount(): u64 { return migrations; }
export function stealCount(): u64 { return steals; }

/** Threads waiting on CPU `c`'s queue (the running one left out). */
export function hasWork(c: i32): bool {
  const running = currentOn(c);
  const length = load<u32>(u32At(queueLengths, c));
  return length > (running != NO_THREAD && state(running) == State.Running ? <u32>1 : 0);
}

/** The least virtual runtime on CPU `c`'s queue (leaving `except` out), else its floor. */
export function queueMinimum(c: i32, except: i32): u64 {
  let least: u64 = 0xffff_ffff_ffff_ffff;
  for (let t = 0; t < threadLimit; t++) {
    if (t == except || queueOf(t) != c) continue;
    const s = state(t);
    if ((s == State.Runnable || s == State.Running) && vruntimeOf(t) < least) least = vruntimeOf(t);
  }
  return least == 0xffff_ffff_ffff_ffff ? load<u64>(u64At(floors, c)) : least;
}

/** Each joined CPU's queue length into `loads` (balance.ts's input), leaving
 *  `except` out. */
export function fillLoads(except: i32): void {
  memory.copy(loads, queueLengths, <usize>cpuLimit * 4);
  if (except != NO_THREAD && onQueue(state(except))) {
    const length = u32At(loads, queueOf(except));
    store<u32>(length, load<u32>(length) - 1);
  }
}

/** The loads, and into `movable` the threads that could move between each pair. */
function gatherLoads(): void {
  fillLoads(NO_THREAD);
  memory.fill(movable, 0, cpuLimit * cpuLimit * 4);
  for (let t = 0; t < threadLimit; t++) {
    if (state(t) != State.Runnable) continue;
    const from = queueOf(t);
    for (let to = 0; to < cpuLimit; to++) {
      if (to == from || load<u8>(u8At(joined, to)) == 0 || !allowedOn(t, to)) continue;
      const pair = u32At(movable, from * cpuLimit + to);
      store<u32>(pair, load<u32>(pair) + 1);
    }
  }
}

/** Checks the queue lengths kept by setState against a count (the self-tests). */
export function queuesConsistent(): bool {
  for (let c = 0; c < MAX_CPUS; c++) {
    let n: u32 = 0;
    for (let t = 0; t < MAX_THREADS; t++) if (onQueue(state(t)) && queueOf(t) == c) n++;
    if (n != load<u32>(u32At(queueLengths, c))) return false;
  }
  return true;
}

const MIGRATION_LEAD_NS: u64 = 20_000_000;

/** Moves a thread that is not running to CPU `to`'s queue, keeping its virtual
 *  runtime's distance from the queue floor (queues' virtual clocks differ). */
export function migrate(t: i32, to: i32): void {
  const from = queueOf(t);
  if (from == to) return;
  const floor = load<u64>(u64At(floors, from));
  let ahead = vruntimeOf(t) > floor ? vruntimeOf(t) - floor : 0;
  // A floor that lagged its queue (it moves when that CPU schedules) would carry
  // a new thread over far ahead of the destination's, starving it there for as
  // long: a lead past MIGRATION_LEAD_NS is not kept across CPUs.
  if (ahead > MIGRATION_LEAD_NS) ahead = MIGRATION_LEAD_NS;
  store<u64>(u64At(vruntimes, t), load<u64>(u64At(floors, to)) + ahead);
  if (onQueue(state(t))) {
    store<u32>(u32At(queueLengths, from), load<u32>(u32At(queueLengths, from)) - 1);
    store<u32>(u32At(queueLengths, to), load<u32>(u32At(queueLengths, to)) + 1);
  }
  store<u8>(u8At(cpuOf, t), <u8>to);
  migrations++;
}

/** A waiting thread on `from` that may run on `to`: the one least owed CPU. */
function movableThread(from: i32, to: i32): i32 {
  let best = NO_THREAD;
  for (let t = 0; t < threadLimit; t++) {
    if (state(t) != State.Runnable || queueOf(t) != from || !allowedOn(t, to)) continue;
    if (reservations.reserved(t)) continue;                 // reservations stay put
    if (best == NO_THREAD || vruntimeOf(t) > vruntimeOf(best)) best = t;
  }
  return best;
}

/** Work stealing: CPU `c` takes a waiting thread from the busiest queue. */
export function steal(c: i32): bool {
  if (cpuLimit < 2) return false;
  gatherLoads();
  const from = balance.stealFrom(loads, movable, cpuLimit, c);
  if (from == balance.NONE) return false;
  const t = movableThread(from, c);
  if (t == NO_THREAD) return false;
  migrate(t, c);
  steals++;
  return true;
}

/** The periodic balance: one thread from the longest queue to the shortest.
 *  The thread moved (its queueOf is where it went), or NO_THREAD. */
export function balanceQueues(): i32 {
  if (cpuLimit < 2) return NO_THREAD;
  gatherLoads();
  const move = balance.planMove(loads, movable, cpuLimit);
  if (move == balance.NONE) return NO_THREAD;
  const from = move / cpuLimit;
  const to = move % cpuLimit;
  const t = movableThread(from, to);
  if (t == NO_THREAD) return NO_THREAD;
  migrate(t, to);
  return t;
}

