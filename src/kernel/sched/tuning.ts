// tuning.ts — what an owner sets on a thread: its weight (its CPU share), its
// class (an agent's hint), a reservation (EDF: runtime per period, admitted by
// reservations.ts), a watchdog on its module calls, and priority inheritance (a
// kernel mutex lending its owner a waiter's weight and place). Under the kernel
// lock; scheduler.ts re-exports all of it.
import { Errno } from "../../abi";
import * as clock from "../clock";
import * as hints from "./hints";
import * as reservations from "./reservations";
import { MAX_THREADS, State, state, weights, vruntimes, watchdogs, classes, needResched, u8At, u32At, u64At, here, vruntimeOf, isIdle } from "./threads";

/** Gives thread `t` `runtimeNs` of CPU in every `periodNs`, ahead of the fair-share
 *  threads (reservations.ts); PermissionDenied when that would exceed what EDF can guarantee. */
export function reserve(t: i32, runtimeNs: u64, periodNs: u64): Errno {
  if (t < 0 || t >= MAX_THREADS || state(t) == State.Free || isIdle(t) || reservations.reserved(t)) return Errno.InvalidArgument;
  return reservations.add(t, runtimeNs, periodNs, clock.nanoseconds());
}

/** Limits how long one module call on thread `t` may run (0: no limit). */
export function setWatchdog(t: i32, nanoseconds: u64): void {
  if (t >= 0 && t < MAX_THREADS) store<u64>(u64At(watchdogs, t), nanoseconds);
}

/** Priority inheritance: `owner` runs with `waiter`'s weight and place in line
 *  where those are better than its own (the mutex restores its weight). */
export function inherit(owner: i32, waiter: i32): void {
  if (owner < 0 || owner >= MAX_THREADS || waiter < 0 || waiter >= MAX_THREADS) return;
  if (load<u32>(u32At(weights, waiter)) > load<u32>(u32At(weights, owner))) store<u32>(u32At(weights, owner), load<u32>(u32At(weights, waiter)));
  if (vruntimeOf(waiter) < vruntimeOf(owner)) store<u64>(u64At(vruntimes, owner), vruntimeOf(waiter));
  store<u8>(u8At(needResched, here()), 1);
}

/** Changes a thread's weight (its share of the CPU from now on). */
export function setWeight(t: i32, weight: u32): void {
  if (t >= 0 && t < MAX_THREADS && state(t) != State.Free && !isIdle(t)) store<u32>(u32At(weights, t), weight == 0 ? 1 : weight);
}

/** Sets how thread `t`'s wake-ups and slices are treated (an agent's hint). */
export function setClass(t: i32, hint: hints.Class): void {
  if (t >= 0 && t < MAX_THREADS && state(t) != State.Free && !isIdle(t)) store<u8>(u8At(classes, t), <u8>hint);
}
