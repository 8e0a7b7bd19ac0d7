// mutex.ts — kernel mutexes that block (the waiter sleeps, the CPU goes to others)
// with priority inheritance: while a thread waits, the owner runs with the
// waiter's weight and place in line if those are better than its own, so a
// low-weight owner cannot be crowded out by middle-weight threads while a
// heavier thread waits on it (unbounded priority inversion). Ownership passes
// straight to the heaviest waiter on unlock.
//   mutex (16 bytes): +0 i32 owner thread (-1 free) | +4 u32 owner's own weight
//                     +8 u64 waiters, one bit per thread (threads 0..63)
import { cpu } from "../../hal";
import * as scheduler from "./scheduler";

export const MUTEX_BYTES: i32 = 16;
const FREE: i32 = -1;
const MAX_WAITERS: i32 = 64;

export function init(mutex: usize): void {
  store<i32>(mutex, FREE);
  store<u32>(mutex + 4, 0);
  store<u64>(mutex + 8, 0);
}

export function owner(mutex: usize): i32 { return load<i32>(mutex); }

/** Takes the mutex, waiting (and lending the owner this thread's priority) if held. */
export function lock(mutex: usize): void {
  cpu.disableInterrupts();
  const me = scheduler.currentThread();
  if (load<i32>(mutex) == FREE) {
    store<i32>(mutex, me);
    store<u32>(mutex + 4, scheduler.weightOf(me));
    cpu.enableInterrupts();
    return;
  }
  if (me >= MAX_WAITERS) { cpu.enableInterrupts(); while (true) scheduler.sleep(1_000_000); }
  store<u64>(mutex + 8, load<u64>(mutex + 8) | (<u64>1 << <u64>me));
  scheduler.inherit(load<i32>(mutex), me);
  while (load<i32>(mutex) != me) scheduler.block(0);
  cpu.enableInterrupts();
}

/** Releases the mutex: the owner's own weight returns; the heaviest waiter owns it next. */
export function unlock(mutex: usize): void {
  cpu.disableInterrupts();
  const me = load<i32>(mutex);
  scheduler.setWeight(me, load<u32>(mutex + 4));
  const waiters = load<u64>(mutex + 8);
  let next = FREE;
  for (let t = 0; t < MAX_WAITERS; t++) {
    if ((waiters & (<u64>1 << <u64>t)) == 0) continue;
    if (next == FREE || scheduler.weightOf(t) > scheduler.weightOf(next)) next = t;
  }
  if (next == FREE) {
    store<i32>(mutex, FREE);
  } else {
    store<u64>(mutex + 8, waiters & ~(<u64>1 << <u64>next));
    store<i32>(mutex, next);
    store<u32>(mutex + 4, scheduler.weightOf(next));
    // the new owner inherits from whoever still waits
    for (let t = 0; t < MAX_WAITERS; t++) if ((load<u64>(mutex + 8) & (<u64>1 << <u64>t)) != 0) scheduler.inherit(next, t);
    scheduler.wakeThread(next);
  }
  cpu.enableInterrupts();
}
