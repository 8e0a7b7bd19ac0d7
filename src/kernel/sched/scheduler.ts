// scheduler.ts — kernel threads (each agent runs on one) and the fair-share
// scheduler: every thread has a weight and a virtual runtime that grows with the
// time it runs divided by its weight; the runnable thread with the least virtual
// runtime runs next. A thread running module (agent) code is preempted on the
// timer tick; kernel code is never preempted, it yields (sleep, exit, yield).
// Boot CPU only for now: the other CPUs idle until SMP scheduling lands.
import { cpu } from "../../hal";
import * as clock from "../clock";
import { stacks } from "../memory";
import * as modules from "../modules";
import * as timers from "../time/timers";
import * as idle from "../platform/idle";
import * as edf from "./edf";
import * as fairshare from "./fairshare";
import { Errno } from "../../abi";

export type ThreadEntry = (argument: u32) => void;

export const MAX_THREADS: i32 = 256;
export const NO_THREAD: i32 = -1;
export const DEFAULT_WEIGHT: u32 = 1024;
const STACK_PAGES: u32 = 16;
const TICK_NS: u64 = 2_000_000;
/** How far ahead in virtual time a waiting thread must be before it preempts. */
const GRANULARITY_NS: u64 = 1_000_000;

export const enum State { Free = 0, Runnable = 1, Running = 2, Sleeping = 3, Dead = 4 }

const states = memory.data(MAX_THREADS);
const weights = memory.data(MAX_THREADS * 4);
const vruntimes = memory.data(MAX_THREADS * 8);
const runtimes = memory.data(MAX_THREADS * 8);     // real nanoseconds run
const entries = memory.data(MAX_THREADS * 4);
const arguments_ = memory.data(MAX_THREADS * 4);
const stackTops = memory.data(MAX_THREADS * 8);
const activeInstances = memory.data(MAX_THREADS * 4);
const callStarts = memory.data(MAX_THREADS * 8);
const watchdogs = memory.data(MAX_THREADS * 8);      // ns one module call may run; 0 = none
let current: i32 = 0;
let runningSince: u64 = 0;
let needResched = false;
let switches: u64 = 0;                             // thread switches since boot (performance samples)
let tickArmed = false;
let started = false;

function u8At(base: usize, t: i32): usize { return base + <usize>t; }
function u32At(base: usize, t: i32): usize { return base + <usize>t * 4; }
function u64At(base: usize, t: i32): usize { return base + <usize>t * 8; }

export function state(t: i32): State { return <State>load<u8>(u8At(states, t)); }
function setState(t: i32, s: State): void { store<u8>(u8At(states, t), <u8>s); }
export function currentThread(): i32 { return current; }
/** True once threads run on this CPU (the boot CPU only, so far): block() works. */
export function running(): bool { return started && cpu.cpuIndex() == 0; }
export function runtimeOf(t: i32): u64 { return load<u64>(u64At(runtimes, t)); }
/** Switches from one thread to another since boot. */
export function contextSwitches(): u64 { return switches; }

/** The boot thread becomes thread 0. */
export function init(): void {
  memory.fill(states, 0, MAX_THREADS);
  setState(0, State.Running);
  store<u32>(u32At(weights, 0), DEFAULT_WEIGHT);
  cpu.threadAdopt(0);
  runningSince = clock.nanoseconds();
  started = true;
}

function minVruntime(): u64 {
  let least: u64 = 0xffff_ffff_ffff_ffff;
  for (let t = 0; t < MAX_THREADS; t++) {
    const s = state(t);
    if ((s == State.Runnable || s == State.Running) && load<u64>(u64At(vruntimes, t)) < least) least = load<u64>(u64At(vruntimes, t));
  }
  return least == 0xffff_ffff_ffff_ffff ? 0 : least;
}

/** A new thread running `entry(argument)` with `weight`; its id, or NO_THREAD. */
export function spawn(entry: ThreadEntry, argument: u32, weight: u32 = DEFAULT_WEIGHT): i32 {
  for (let t = 1; t < MAX_THREADS; t++) {
    if (state(t) != State.Free) continue;
    const top = stacks.allocate(STACK_PAGES);
    if (top == 0 || !cpu.threadPrepare(<u32>t, top)) return NO_THREAD;
    store<u64>(u64At(stackTops, t), top);
    store<u32>(u32At(entries, t), <u32>changetype<usize>(entry));
    store<u32>(u32At(arguments_, t), argument);
    store<u32>(u32At(weights, t), weight == 0 ? 1 : weight);
    store<u64>(u64At(vruntimes, t), minVruntime());   // starts even, not owed the past
    store<u64>(u64At(runtimes, t), 0);
    store<u32>(u32At(activeInstances, t), modules.NO_INSTANCE);
    store<u64>(u64At(watchdogs, t), 0);
    setState(t, State.Runnable);
    armTick();
    return t;
  }
  return NO_THREAD;
}

/** Where a new thread begins (from linker/threads.c). */
export function threadMain(t: u32): void {
  runningSince = clock.nanoseconds();
  cpu.enableInterrupts();
  const entry = changetype<ThreadEntry>(<usize>load<u32>(u32At(entries, <i32>t)));
  entry(load<u32>(u32At(arguments_, <i32>t)));
  exit();
}

function account(): void {
  const now = clock.nanoseconds();
  const ran = now - runningSince;
  runningSince = now;
  store<u64>(u64At(runtimes, current), load<u64>(u64At(runtimes, current)) + ran);
  store<u64>(u64At(vruntimes, current), fairshare.charge(load<u64>(u64At(vruntimes, current)), ran, load<u32>(u32At(weights, current))));
  if (load<u64>(u64At(edfPeriod, current)) != 0) {
    const left = load<u64>(u64At(edfLeft, current));
    store<u64>(u64At(edfLeft, current), left > ran ? left - ran : 0);
  }
}

// ---- earliest-deadline-first reservations (runtime every period), admitted only
// while the total utilisation stays under edf.DEFAULT_BOUND_PPM
const edfRuntime = memory.data(MAX_THREADS * 8);
const edfPeriod = memory.data(MAX_THREADS * 8);
const edfDeadline = memory.data(MAX_THREADS * 8);
const edfLeft = memory.data(MAX_THREADS * 8);
const edfReady = memory.data(MAX_THREADS);
let edfUtilisation: u64 = 0;

/** Gives thread `t` `runtimeNs` of CPU in every `periodNs`, ahead of the fair-share
 *  threads; PermissionDenied when that would exceed what EDF can guarantee. */
export function reserve(t: i32, runtimeNs: u64, periodNs: u64): Errno {
  if (t < 0 || t >= MAX_THREADS || state(t) == State.Free || load<u64>(u64At(edfPeriod, t)) != 0) return Errno.InvalidArgument;
  const share = edf.utilisation(runtimeNs, periodNs);
  if (share == 0) return Errno.InvalidArgument;
  if (!edf.admit(edfUtilisation, share, edf.DEFAULT_BOUND_PPM)) return Errno.PermissionDenied;
  edfUtilisation += share;
  store<u64>(u64At(edfRuntime, t), runtimeNs);
  store<u64>(u64At(edfPeriod, t), periodNs);
  store<u64>(u64At(edfDeadline, t), clock.nanoseconds() + periodNs);
  store<u64>(u64At(edfLeft, t), runtimeNs);
  return Errno.Ok;
}

function unreserve(t: i32): void {
  if (load<u64>(u64At(edfPeriod, t)) == 0) return;
  edfUtilisation -= edf.utilisation(load<u64>(u64At(edfRuntime, t)), load<u64>(u64At(edfPeriod, t)));
  store<u64>(u64At(edfPeriod, t), 0);
}

/** The reserved thread due first that still has budget this period, or NO_THREAD. */
function pickDeadline(): i32 {
  const now = clock.nanoseconds();
  for (let t = 0; t < MAX_THREADS; t++) {
    let ready: u8 = 0;
    const period = load<u64>(u64At(edfPeriod, t));
    if (period != 0) {
      while (now >= load<u64>(u64At(edfDeadline, t))) {    // a new period: the budget returns
        store<u64>(u64At(edfDeadline, t), load<u64>(u64At(edfDeadline, t)) + period);
        store<u64>(u64At(edfLeft, t), load<u64>(u64At(edfRuntime, t)));
      }
      const s = state(t);
      if ((s == State.Runnable || s == State.Running) && load<u64>(u64At(edfLeft, t)) > 0) ready = 1;
    }
    store<u8>(edfReady + <usize>t, ready);
  }
  return edf.pick(edfReady, edfDeadline, MAX_THREADS);
}

function pickNext(): i32 {
  const due = pickDeadline();
  if (due != NO_THREAD) return due;
  let best = NO_THREAD;
  let least: u64 = 0;
  for (let t = 0; t < MAX_THREADS; t++) {
    const s = state(t);
    if (s != State.Runnable && s != State.Running) continue;
    const v = load<u64>(u64At(vruntimes, t));
    if (best == NO_THREAD || v < least) { best = t; least = v; }
  }
  return best;
}

/** Runs the best thread; the current one must already be marked as it should be.
 *  With interrupts off. Returns when this thread runs again. */
function schedule(): void {
  account();
  let next = pickNext();
  while (next == NO_THREAD) {                 // nothing to run: idle until a wake-up
    idle.waitForInterrupt();
    cpu.disableInterrupts();
    next = pickNext();
  }
  needResched = false;
  if (next == current) { setState(current, State.Running); return; }
  if (state(current) == State.Running) setState(current, State.Runnable);
  store<u32>(u32At(activeInstances, current), modules.active());
  store<u64>(u64At(callStarts, current), modules.callStart());
  const previous = current;
  switches++;
  current = next;
  setState(next, State.Running);
  modules.setActive(load<u32>(u32At(activeInstances, next)));
  modules.setCallStart(load<u64>(u64At(callStarts, next)));
  cpu.threadSwitch(<u32>next);
  // back on `previous`'s stack
  current = previous;
  runningSince = clock.nanoseconds();
  modules.setActive(load<u32>(u32At(activeInstances, previous)));
  modules.setCallStart(load<u64>(u64At(callStarts, previous)));
}

function tick(id: u32, context: u32): void {
  tickArmed = false;
  account();
  const next = pickNext();
  const deadlineDue = next != NO_THREAD && load<u64>(u64At(edfPeriod, next)) != 0;
  if (next != NO_THREAD && next != current && (deadlineDue
    || load<u64>(u64At(vruntimes, current)) > load<u64>(u64At(vruntimes, next)) + GRANULARITY_NS)) needResched = true;
  armTick();
}

function armTick(): void {
  if (tickArmed) return;
  tickArmed = timers.add(TICK_NS, tick, 0) != 0;
}

/** Limits how long one module call on thread `t` may run (0: no limit). */
export function setWatchdog(t: i32, nanoseconds: u64): void {
  if (t >= 0 && t < MAX_THREADS) store<u64>(u64At(watchdogs, t), nanoseconds);
}

/** True when the running thread is in a module call older than its watchdog
 *  (checked at the end of every interrupt; the call is then ended as a trap). */
export function watchdogExpired(): bool {
  if (!started || cpu.cpuIndex() != 0 || modules.active() == modules.NO_INSTANCE) return false;
  const limit = load<u64>(u64At(watchdogs, current));
  return limit != 0 && clock.nanoseconds() - modules.callStart() > limit;
}

/** Called at the end of every interrupt (after EOI): preempts agent code. */
export function preemptPoint(): void {
  if (!started || !needResched || cpu.cpuIndex() != 0) return;
  if (modules.active() == modules.NO_INSTANCE) return;     // kernel code is not preempted
  schedule();
}

/** Gives the CPU to another runnable thread, if one is owed it. */
export function yieldNow(): void {
  cpu.disableInterrupts();
  schedule();
  cpu.enableInterrupts();
}

function wake(id: u32, thread: u32): void {
  if (state(<i32>thread) == State.Sleeping) setState(<i32>thread, State.Runnable);
}

/** Blocks this thread for `nanoseconds`; others run meanwhile. */
export function sleep(nanoseconds: u64): void {
  cpu.disableInterrupts();
  setState(current, State.Sleeping);
  if (timers.add(nanoseconds, wake, <u32>current) == 0) setState(current, State.Running);
  schedule();
  cpu.enableInterrupts();
}

export const enum BlockResult { Woken = 0, TimedOut = 1 }
const timedOut = memory.data(MAX_THREADS);

function timeoutWake(id: u32, thread: u32): void {
  if (state(<i32>thread) == State.Sleeping) {
    store<u8>(timedOut + <usize>thread, 1);
    setState(<i32>thread, State.Runnable);
  }
}

/** Blocks this thread until wakeThread() (or `timeoutNs`, 0 = none). Call with
 *  interrupts off, after publishing where the waker finds this thread. */
export function block(timeoutNs: u64): BlockResult {
  store<u8>(timedOut + <usize>current, 0);
  setState(current, State.Sleeping);
  let timer: u32 = 0;
  if (timeoutNs != 0) timer = timers.add(timeoutNs, timeoutWake, <u32>current);
  schedule();
  if (timer != 0) timers.cancel(timer);
  return load<u8>(timedOut + <usize>current) != 0 ? BlockResult.TimedOut : BlockResult.Woken;
}

/** Makes a blocked thread runnable again. */
export function wakeThread(t: i32): void {
  if (t >= 0 && t < MAX_THREADS && state(t) == State.Sleeping) setState(t, State.Runnable);
}

/** Ends the current thread (its stack is released by whoever reaps it). */
export function exit(): void {
  cpu.disableInterrupts();
  unreserve(current);
  setState(current, State.Dead);
  schedule();
}

export function weightOf(t: i32): u32 { return t >= 0 && t < MAX_THREADS ? load<u32>(u32At(weights, t)) : 0; }

/** Priority inheritance: `owner` runs with `waiter`'s weight and place in line
 *  where those are better than its own (the mutex restores its weight). */
export function inherit(owner: i32, waiter: i32): void {
  if (owner < 0 || owner >= MAX_THREADS || waiter < 0 || waiter >= MAX_THREADS) return;
  if (load<u32>(u32At(weights, waiter)) > load<u32>(u32At(weights, owner))) store<u32>(u32At(weights, owner), load<u32>(u32At(weights, waiter)));
  if (load<u64>(u64At(vruntimes, waiter)) < load<u64>(u64At(vruntimes, owner))) store<u64>(u64At(vruntimes, owner), load<u64>(u64At(vruntimes, waiter)));
  needResched = true;
}

/** Changes a thread's weight (its share of the CPU from now on). */
export function setWeight(t: i32, weight: u32): void {
  if (t >= 0 && t < MAX_THREADS && state(t) != State.Free) store<u32>(u32At(weights, t), weight == 0 ? 1 : weight);
}

/** Stops thread `t` for good wherever it is (it is never scheduled again) and frees its stack. */
export function kill(t: i32): bool {
  if (t <= 0 || t >= MAX_THREADS || t == current || state(t) == State.Free) return false;
  unreserve(t);
  setState(t, State.Free);
  stacks.release(load<u64>(u64At(stackTops, t)));
  return true;
}
