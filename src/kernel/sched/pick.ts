// pick.ts — what a CPU runs next: a reserved thread due first with budget left
// (EDF, reservations.ts), else the runnable thread on its queue with the least
// virtual runtime (fair share), else its idle thread. A suspended or killed
// thread is never picked. Called by the scheduler with interrupts off, under the
// kernel lock; it moves the queue's floor up to the virtual runtime it picks.
import * as clock from "../clock";
import * as queues from "./queues";
import * as reservations from "./reservations";
import { State, state, killed, suspended, floors, u8At, u64At, currentOn, idleOf, queueOf, vruntimeOf, allowedOn, NO_THREAD } from "./threads";

/** May `t` run next on CPU `c`, whose current thread is `running`? */
@inline function candidate(t: i32, c: i32, running: i32): bool {
  const s = state(t);
  if (load<u8>(u8At(suspended, t)) != 0) return false;
  if (t == running) return s == State.Running && allowedOn(t, c) && load<u8>(u8At(killed, t)) == 0;
  return s == State.Runnable && queueOf(t) == c;
}

/** The reserved thread on CPU `c` due first that still has budget this period, or NO_THREAD. */
function pickDeadline(c: i32, running: i32): i32 {
  if (!reservations.any()) return NO_THREAD;                // no reservations at all
  const now = clock.nanoseconds();
  for (let t = 0; t < queues.threads(); t++) reservations.mark(t, reservations.reserved(t) && candidate(t, c, running), now);
  return reservations.pick(queues.threads());
}

/** What CPU `c` runs next: EDF, then least virtual runtime, then its idle thread. */
export function pickNext(c: i32): i32 {
  const running = currentOn(c);
  const due = pickDeadline(c, running);
  if (due != NO_THREAD) return due;
  let best = NO_THREAD;
  let least: u64 = 0;
  for (let t = 0; t < queues.threads(); t++) {
    if (!candidate(t, c, running)) continue;
    const v = vruntimeOf(t);
    if (best == NO_THREAD || v < least) { best = t; least = v; }
  }
  if (best == NO_THREAD) return idleOf(c);
  if (least > load<u64>(u64At(floors, c))) store<u64>(u64At(floors, c), least);
  return best;
}
