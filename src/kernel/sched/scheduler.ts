// scheduler.ts — kernel threads (each agent runs on one) and their scheduling on
// every CPU. Each CPU has a run queue: the threads whose `cpuOf` is that CPU. It
// runs, among them, an EDF thread with budget left (earliest deadline first), else
// the one with the least virtual runtime (time run / weight, fairshare.ts); with
// none, its idle thread, which halts. A thread runs only on CPUs its affinity mask
// allows. A new thread goes to the least loaded CPU, a woken one back to its own
// or to an idle one (balance.ts); an idle CPU steals a waiting thread from the
// busiest, and every BALANCE_TICKS ticks queues that differ by more than one are
// evened (queues.ts); between those, a CPU with threads waiting wakes an idle CPU to
// steal. pick.ts chooses; tuning.ts and observe.ts hold the setters and the views.
// Each CPU's local APIC timer ticks for it (time/timers.ts fires each timer on
// the CPU that added it): a thread running agent code is preempted there; kernel
// code is never preempted, it yields (sleep, block, exit, yield). See README.md.
//
// Locking: all of this is kernel code under the big kernel lock (sync/kernellock),
// so the tables are shared by all CPUs without locks of their own. The lock stays
// held across a switch (the thread going out saves its depth, the one coming in
// restores its own), so a thread's saved context is complete before any other CPU
// can see it runnable. A thread running on another CPU is stopped (kill, a changed
// affinity) through a reschedule IPI and the next preemption point there.
import { cpu } from "../../hal";
import * as clock from "../clock";
import { pagetable, stacks } from "../memory";
import * as modules from "../modules";
import * as timers from "../time/timers";
import * as vectors from "../interrupts/vectors";
import * as ipi from "../platform/ipi";
import * as smp from "../platform/smp";
import * as kernelLock from "../sync/kernellock";
import * as idle from "../platform/idle";
import * as panic from "../panic";
import * as balance from "./balance";
import * as queues from "./queues";
export { queuesConsistent } from "./queues";
import { pickNext } from "./pick";
export { inherit, reserve, setClass, setWatchdog, setWeight } from "./tuning";
export { affinityOf, busyTimeOf, contextSwitches, cpuOfThread, cpusRanOn, isSuspended, migrationCount, runtimeOf, stealCount, switchesOf, weightOf } from "./observe";
import * as reservations from "./reservations";
import * as fairshare from "./fairshare";
import * as hints from "./hints";
import { State, state, states, weights, vruntimes, runtimes, entries, arguments_, stackTops, activeInstances, callStarts, watchdogs, cpuOf, affinities, classes, killed, suspended, ranOn, timedOut, currents, idleThreads, runningSince, needResched, tickArmed, joined, floors, busyNs, switchCounts, balanceTicks, switchedFrom, queueLengths, loads, movable, u8At, u32At, u64At, onQueue, setState, here, currentOn, idleOf, queueOf, vruntimeOf, classOf, allowedOn, isIdle } from "./threads";
import { MAX_CPUS, MAX_THREADS, NO_THREAD } from "./threads";
import { Errno } from "../../abi";
export { MAX_THREADS, NO_THREAD, State, state } from "./threads";
export { Class } from "./hints";

export type ThreadEntry = (argument: u32) => void;
export const DEFAULT_WEIGHT: u32 = 1024;
export const ALL_CPUS: u64 = 0xffff_ffff_ffff_ffff;
const STACK_PAGES: u32 = 16;
/** The boot CPU's idle thread only halts and takes interrupts, on a stack in the
 *  kernel's static memory (the boot window is paid for already; the APs' idle
 *  threads keep the stacks they booted on). It has no guard page: a canary at its
 *  bottom is checked on every round of the idle loop. */
const IDLE_STACK_BYTES: i32 = 16384;
const STACK_CANARY: u64 = 0x1d1e_57ac_c0ff_ee00;
const bootIdleStack = memory.data(IDLE_STACK_BYTES, 16);
const TICK_NS: u64 = 2_000_000;
/** How far ahead in virtual time a waiting thread must be before it preempts. */
const GRANULARITY_NS: u64 = 1_000_000;
/** The periodic balance runs on a CPU's every BALANCE_TICKS-th tick. */
const BALANCE_TICKS: u32 = 5;
/** A kill waits for a thread running on another CPU in steps of this many pauses. */
const KILL_WAIT_PAUSES: i32 = 64;
const JOIN_POLL_NS: u64 = 100_000;

let joinedMask: u64 = 0;
let started = false;

/** Idle threads take the highest ids, one per CPU; spawn() stops below them. */
const SPAWN_LIMIT: i32 = MAX_THREADS - MAX_CPUS;
function idleIdFor(c: i32): i32 { return MAX_THREADS - 1 - c; }

export function currentThread(): i32 { return started ? currentOn(here()) : 0; }
/** True once threads run on this CPU: block() works here. */
export function running(): bool { return started && load<u8>(u8At(joined, here())) != 0; }
export function cpusJoined(): i32 { return <i32>popcnt(joinedMask); }

function resetThread(t: i32, c: i32, affinity: u64, weight: u32): void {
  store<u32>(u32At(weights, t), weight == 0 ? 1 : weight);
  store<u64>(u64At(runtimes, t), 0);
  store<u32>(u32At(activeInstances, t), modules.NO_INSTANCE);
  store<u64>(u64At(watchdogs, t), 0);
  store<u8>(u8At(cpuOf, t), <u8>c);
  store<u64>(u64At(affinities, t), affinity);
  store<u8>(u8At(classes, t), <u8>hints.Class.Normal);
  store<u8>(u8At(killed, t), 0);
  store<u8>(u8At(suspended, t), 0);
  store<u64>(u64At(ranOn, t), 0);
}

function joinCpu(c: i32, idle: i32): void {
  store<i32>(u32At(idleThreads, c), idle);
  store<i32>(u32At(switchedFrom, c), NO_THREAD);
  store<u64>(u64At(runningSince, c), clock.nanoseconds());
  store<u8>(u8At(joined, c), 1);
  joinedMask |= <u64>1 << <u64>c;
  queues.coverCpu(c);
}

/** The boot flow becomes thread 0 (kept on the boot CPU: the boot sequence and the
 *  self-tests it runs expect to stay there), and the boot CPU gets its idle thread. */
export function init(): void {
  memory.fill(states, 0, MAX_THREADS);
  memory.fill(currents, 0xff, MAX_CPUS * 4);
  resetThread(0, 0, 1, DEFAULT_WEIGHT);
  store<u64>(u64At(ranOn, 0), 1);
  setState(0, State.Running);
  cpu.threadAdopt(0);
  store<i32>(u32At(currents, 0), 0);
  const idle = idleIdFor(0);
  resetThread(idle, 0, 1, DEFAULT_WEIGHT);
  store<u64>(bootIdleStack, STACK_CANARY);
  const top = cpu.layoutAddress(cpu.Layout.LinearMemoryBase) + <u64>(bootIdleStack + IDLE_STACK_BYTES);
  if (!cpu.threadPrepare(<u32>idle, top)) panic.panic("sched: cannot prepare the boot CPU's idle thread");
  store<u64>(u64At(stackTops, idle), 0);             // not from stacks.allocate: never released
  store<u32>(u32At(entries, idle), <u32>changetype<usize>(idleLoop));
  setState(idle, State.Idle);
  joinCpu(0, idle);
  vectors.register(vectors.IPI_RESCHEDULE, onReschedule, 0);
  started = true;
}

/** An application processor joins: its boot stack becomes its idle thread, which
 *  then runs the CPU's share of threads. Never returns. */
export function runOn(index: u32): void {
  kernelLock.enter();
  cpu.disableInterrupts();
  const c = <i32>index;
  const idle = idleIdFor(c);
  resetThread(idle, c, <u64>1 << <u64>c, DEFAULT_WEIGHT);
  store<u64>(u64At(stackTops, idle), 0);             // its boot stack, never released
  store<u32>(u32At(entries, idle), <u32>changetype<usize>(idleLoop));   // (already running)
  setState(idle, State.Idle);
  cpu.threadAdopt(<u32>idle);
  store<i32>(u32At(currents, c), idle);
  joinCpu(c, idle);
  idleLoop(0);
}

/** Waits (asleep, so the kernel lock is free for them) until `count` CPUs run
 *  threads, or `timeoutNs` passed; true when they all do. */
export function awaitCpus(count: i32, timeoutNs: u64): bool {
  const start = clock.nanoseconds();
  while (cpusJoined() < count && clock.nanoseconds() - start < timeoutNs) sleep(JOIN_POLL_NS);
  return cpusJoined() >= count;
}

/** A CPU's idle thread: run what its queue or a steal gives, else halt without the
 *  kernel lock until an interrupt (a wake-up's IPI, a timer) says to look again. */
function idleLoop(unused: u32): void {
  while (true) {
    cpu.disableInterrupts();
    if (load<u64>(bootIdleStack) != STACK_CANARY) panic.panic("sched: the boot CPU's idle stack overflowed");
    const c = here();
    if (!queues.hasWork(c)) queues.steal(c);
    // (a queue may hold only suspended threads: counted, but nothing to run)
    if (queues.hasWork(c) && pickNext(c) != idleOf(c)) { schedule(); continue; }
    const held = kernelLock.suspend();          // never halt holding the kernel lock
    idle.waitForInterrupt();                    // sti; hlt: a wake-up IPI cannot slip in between
    cpu.disableInterrupts();
    kernelLock.resume(held);
  }
}

/** Tells CPU `c` that thread `t` joined its queue: an idle CPU is woken; a busy one
 *  is preempted when the hints say so, else its tick weighs the newcomer. */
function kick(c: i32, t: i32): void {
  const running = currentOn(c);
  const idle = running == NO_THREAD || isIdle(running);
  const preempts = hints.wakePreempts(classOf(t), vruntimeOf(t), idle ? hints.Class.Normal : classOf(running),
    idle ? 0 : vruntimeOf(running), idle, GRANULARITY_NS);
  if (c == here()) {
    if (!idle) {
      if (preempts) store<u8>(u8At(needResched, c), 1);
      armTick();
    }
    return;                                   // an idle CPU's own loop looks after the interrupt
  }
  if (!idle && !preempts) return;             // its tick is armed while it runs something
  if (!idle) store<u8>(u8At(needResched, c), 1);
  ipi.reschedule(smp.apicIdOf(c));
}

function onReschedule(vector: u32, unused: u32): void {
  const c = here();
  if (load<u8>(u8At(joined, c)) == 0) return;
  if (!isIdle(currentOn(c))) armTick();
}

/** A new thread running `entry(argument)` with `weight`, on the least loaded CPU;
 *  its id, or NO_THREAD. */
export function spawn(entry: ThreadEntry, argument: u32, weight: u32 = DEFAULT_WEIGHT): i32 {
  for (let t = 1; t < SPAWN_LIMIT; t++) {
    if (state(t) != State.Free) continue;
    const top = stacks.allocate(STACK_PAGES);
    if (top == 0 || !cpu.threadPrepare(<u32>t, top)) return NO_THREAD;
    queues.fillLoads(NO_THREAD);
    let c = balance.leastLoaded(loads, joinedMask, queues.cpus());
    if (c == balance.NONE) c = here();
    resetThread(t, c, ALL_CPUS, weight);
    queues.coverThread(t);
    store<u64>(u64At(stackTops, t), top);
    store<u32>(u32At(entries, t), <u32>changetype<usize>(entry));
    store<u32>(u32At(arguments_, t), argument);
    store<u64>(u64At(vruntimes, t), queues.queueMinimum(c, t));   // starts even, not owed the past
    setState(t, State.Runnable);
    kick(c, t);
    return t;
  }
  return NO_THREAD;
}

/** Where a new thread begins (from linker/threads.c), holding the kernel lock the
 *  switch to it kept. */
export function threadMain(t: u32): void {
  kernelLock.setDepth(1);
  finishSwitch();
  cpu.enableInterrupts();
  const entry = changetype<ThreadEntry>(<usize>load<u32>(u32At(entries, <i32>t)));
  entry(load<u32>(u32At(arguments_, <i32>t)));
  exit();
}

function account(c: i32): void {
  const now = clock.nanoseconds();
  const ran = now - load<u64>(u64At(runningSince, c));
  store<u64>(u64At(runningSince, c), now);
  const t = currentOn(c);
  store<u64>(u64At(runtimes, t), load<u64>(u64At(runtimes, t)) + ran);
  if (isIdle(t)) return;
  store<u64>(u64At(busyNs, c), load<u64>(u64At(busyNs, c)) + ran);
  store<u64>(u64At(vruntimes, t), fairshare.charge(vruntimeOf(t), ran, load<u32>(u32At(weights, t))));
  reservations.charge(t, ran);
}

/** Runs the best thread on this CPU; the current one must already be marked as it
 *  should be. With interrupts off. Returns when this thread runs again, which may
 *  be on another CPU. */
function schedule(): void {
  const c = here();
  account(c);
  const previous = currentOn(c);
  if (load<u8>(u8At(killed, previous)) != 0) setState(previous, State.Dead);
  let next = pickNext(c);
  if (next == idleOf(c) && next != previous && queues.steal(c)) next = pickNext(c);
  store<u8>(u8At(needResched, c), 0);
  if (next == previous) return;
  if (state(previous) == State.Running) setState(previous, State.Runnable);
  store<u32>(u32At(activeInstances, previous), modules.activeOn(c));
  store<u64>(u64At(callStarts, previous), modules.callStartOn(c));
  store<i32>(u32At(currents, c), next);
  if (!isIdle(next)) {
    setState(next, State.Running);
    store<u64>(u64At(ranOn, next), load<u64>(u64At(ranOn, next)) | (<u64>1 << <u64>c));
    armTick();
  }
  modules.setActiveOn(c, load<u32>(u32At(activeInstances, next)));
  modules.setCallStartOn(c, load<u64>(u64At(callStarts, next)));
  store<i32>(u32At(switchedFrom, c), previous);
  store<u64>(u64At(switchCounts, c), load<u64>(u64At(switchCounts, c)) + 1);
  const held = kernelLock.currentDepth();
  cpu.threadSwitch(<u32>next);
  // back on `previous`'s stack, on whichever CPU switched to it
  kernelLock.setDepth(held);
  finishSwitch();
}

/** After a switch, on the thread switched to: the thread left behind is saved
 *  now; free it if it was killed, move it if this CPU is no longer allowed it. */
function finishSwitch(): void {
  const c = here();
  const left = load<i32>(u32At(switchedFrom, c));
  store<i32>(u32At(switchedFrom, c), NO_THREAD);
  if (left == NO_THREAD) return;
  if (load<u8>(u8At(killed, left)) != 0) {
    store<u8>(u8At(killed, left), 0);
    release(left);
    return;
  }
  if (state(left) == State.Runnable && !allowedOn(left, c)) {
    queues.fillLoads(left);
    const to = balance.leastLoaded(loads, load<u64>(u64At(affinities, left)) & joinedMask, queues.cpus());
    if (to != balance.NONE) {
      queues.migrate(left, to);
      kick(to, left);
    }
  }
}

function release(t: i32): void {
  setState(t, State.Free);
  const top = load<u64>(u64At(stackTops, t));
  if (top == 0) return;
  // the thread may have run on any CPU: none may keep the old stack's translations
  // for the next thread that gets this slot
  pagetable.deferRemoteInvalidation();
  stacks.release(top);
  pagetable.endDeferredInvalidation(pagetable.Remote.BeforeReuse);
}

function tick(id: u32, context: u32): void {
  const c = here();
  store<u8>(u8At(tickArmed, c), 0);
  const running = currentOn(c);
  account(c);
  if (!isIdle(running)) {
    const next = pickNext(c);
    const deadlineDue = !isIdle(next) && reservations.reserved(next);
    if (next != running && (deadlineDue || isIdle(next)
      || vruntimeOf(running) > vruntimeOf(next) + hints.granularity(classOf(running), GRANULARITY_NS))) store<u8>(u8At(needResched, c), 1);
  }
  const ticks = load<u32>(u32At(balanceTicks, c)) + 1;
  store<u32>(u32At(balanceTicks, c), ticks >= BALANCE_TICKS ? 0 : ticks);
  if (ticks >= BALANCE_TICKS) {
    const moved = queues.balanceQueues();
    if (moved != NO_THREAD) kick(queueOf(moved), moved);
  } else if (queues.hasWork(c)) wakeIdleThief(c);
  if (!isIdle(running) || queues.hasWork(c)) armTick();
}

/** Threads wait on CPU `c`: wake one idle CPU that may run one of them, whose idle
 *  loop then steals (the busiest queue's thread, not necessarily ours). */
function wakeIdleThief(c: i32): void {
  for (let other = 0; other < queues.cpus(); other++) {
    if (other == c || load<u8>(u8At(joined, other)) == 0 || !isIdle(currentOn(other))) continue;
    for (let t = 0; t < queues.threads(); t++) {
      if (state(t) != State.Runnable || queueOf(t) != c || !allowedOn(t, other)) continue;
      ipi.reschedule(smp.apicIdOf(other));
      return;
    }
  }
}

/** This CPU's preemption tick (its own local APIC timer), if not armed yet. */
function armTick(): void {
  const c = here();
  if (load<u8>(u8At(tickArmed, c)) != 0) return;
  if (timers.add(TICK_NS, tick, 0) != 0) store<u8>(u8At(tickArmed, c), 1);
}

/** True when this CPU's thread is in a module call older than its watchdog
 *  (checked at the end of every interrupt; the call is then ended as a trap). */
export function watchdogExpired(): bool {
  if (!running() || !modules.agentCodeRunning()) return false;
  const limit = load<u64>(u64At(watchdogs, currentOn(here())));
  return limit != 0 && clock.nanoseconds() - modules.callStart() > limit;
}

/** Called at the end of every interrupt (after EOI): preempts agent code. */
export function preemptPoint(): void {
  if (!running()) return;
  if (!modules.agentCodeRunning()) return;     // kernel code (an unlocked ABI call too) is not preempted
  const c = here();
  if (load<u8>(u8At(needResched, c)) == 0 && load<u8>(u8At(killed, currentOn(c))) == 0) return;
  schedule();
}

/** Gives the CPU to another runnable thread, if one is owed it. */
export function yieldNow(): void {
  cpu.disableInterrupts();
  schedule();
  cpu.enableInterrupts();
}

function wake(id: u32, thread: u32): void { wakeThread(<i32>thread); }

/** Blocks this thread for `nanoseconds`; others run meanwhile. */
export function sleep(nanoseconds: u64): void {
  cpu.disableInterrupts();
  const me = currentThread();
  setState(me, State.Sleeping);
  if (timers.add(nanoseconds, wake, <u32>me) == 0) setState(me, State.Running);
  schedule();
  cpu.enableInterrupts();
}

export const enum BlockResult { Woken = 0, TimedOut = 1 }

function timeoutWake(id: u32, thread: u32): void {
  if (state(<i32>thread) == State.Sleeping) {
    store<u8>(timedOut + <usize>thread, 1);
    wakeThread(<i32>thread);
  }
}

/** Blocks this thread until wakeThread() (or `timeoutNs`, 0 = none). Call with
 *  interrupts off, after publishing where the waker finds this thread. */
export function block(timeoutNs: u64): BlockResult {
  const me = currentThread();
  store<u8>(timedOut + <usize>me, 0);
  setState(me, State.Sleeping);
  let timer: u32 = 0;
  if (timeoutNs != 0) timer = timers.add(timeoutNs, timeoutWake, <u32>me);
  schedule();
  if (timer != 0) timers.cancel(timer);
  return load<u8>(timedOut + <usize>me) != 0 ? BlockResult.TimedOut : BlockResult.Woken;
}

/** Makes a blocked thread runnable again, on its own CPU or an idle one. */
export function wakeThread(t: i32): void {
  if (t < 0 || t >= MAX_THREADS || state(t) != State.Sleeping) return;
  setState(t, State.Runnable);
  if (queues.cpus() > 1) {
    queues.fillLoads(t);
    const to = balance.wakeTarget(loads, load<u64>(u64At(affinities, t)) & joinedMask, queueOf(t), queues.cpus());
    if (to != balance.NONE) queues.migrate(t, to);
  }
  kick(queueOf(t), t);
}

/** Ends the current thread (its stack is released by whoever reaps it). */
export function exit(): void {
  cpu.disableInterrupts();
  reservations.remove(currentThread());
  setState(currentThread(), State.Dead);
  schedule();
}

/** Lets thread `t` run only on the CPUs in `mask` (bit c: CPU c). InvalidArgument
 *  when none of them is online. A thread queued elsewhere moves now; one running
 *  elsewhere moves when it next leaves its CPU (the calling thread itself: at its
 *  next yield, sleep or block). */
export function setAffinity(t: i32, mask: u64): Errno {
  if (t < 0 || t >= MAX_THREADS || state(t) == State.Free || isIdle(t)) return Errno.InvalidArgument;
  if ((mask & joinedMask) == 0) return Errno.InvalidArgument;
  store<u64>(u64At(affinities, t), mask);
  const c = queueOf(t);
  if (allowedOn(t, c)) return Errno.Ok;
  const s = state(t);
  if (s == State.Runnable) {
    queues.fillLoads(t);
    const to = balance.leastLoaded(loads, mask & joinedMask, queues.cpus());
    queues.migrate(t, to);
    kick(to, t);
  } else if (s == State.Running) {
    store<u8>(u8At(needResched, c), 1);
    if (c != here()) ipi.reschedule(smp.apicIdOf(c));
  } else if (s == State.Sleeping) {
    queues.fillLoads(t);
    queues.migrate(t, balance.leastLoaded(loads, mask & joinedMask, queues.cpus()));
  }
  return Errno.Ok;
}

/** Keeps thread `t` off every CPU until resume(t), and returns once it is not
 *  running anywhere: an agent on another CPU stops at its next preemption point
 *  (a reschedule IPI makes that now), so the kernel can read or call into its
 *  instance without it changing underneath (clone, merge, split, upgrade). False
 *  for no such thread, an idle thread or the caller itself. */
export function suspend(t: i32): bool {
  if (t <= 0 || t >= MAX_THREADS || t == currentThread() || state(t) == State.Free || isIdle(t)) return false;
  store<u8>(u8At(suspended, t), 1);
  while (state(t) == State.Running) {
    const c = queueOf(t);
    store<u8>(u8At(needResched, c), 1);
    ipi.reschedule(smp.apicIdOf(c));
    const held = kernelLock.suspend();                   // let that CPU take the lock to switch
    for (let i = 0; i < KILL_WAIT_PAUSES; i++) cpu.pause();
    kernelLock.resume(held);
  }
  return true;
}

/** Lets a suspended thread run again. */
export function resume(t: i32): void {
  if (t <= 0 || t >= MAX_THREADS || load<u8>(u8At(suspended, t)) == 0) return;
  store<u8>(u8At(suspended, t), 0);
  if (state(t) == State.Runnable) kick(queueOf(t), t);
}

/** Stops thread `t` for good wherever it is (it is never scheduled again) and frees
 *  its stack. A thread running on another CPU is stopped there at its next
 *  preemption point (at once when in agent code); this waits for that, without the
 *  kernel lock meanwhile, since its stack and instance must be out of use first. */
export function kill(t: i32): bool {
  if (t <= 0 || t >= MAX_THREADS || t == currentThread() || state(t) == State.Free || isIdle(t)) return false;
  reservations.remove(t);
  if (state(t) != State.Running) {
    release(t);
    return true;
  }
  const c = queueOf(t);
  store<u8>(u8At(killed, t), 1);
  store<u8>(u8At(needResched, c), 1);
  ipi.reschedule(smp.apicIdOf(c));
  // finishSwitch() there clears the mark (the slot may be reused at once after)
  while (load<u8>(u8At(killed, t)) != 0) {
    const held = kernelLock.suspend();
    for (let i = 0; i < KILL_WAIT_PAUSES; i++) cpu.pause();
    kernelLock.resume(held);
    const me = currentThread();
    if (load<u8>(u8At(killed, me)) != 0) {     // killed meanwhile ourselves: stop here
      cpu.disableInterrupts();
      schedule();
    }
  }
  return true;
}
