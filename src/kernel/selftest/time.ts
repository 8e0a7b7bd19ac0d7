// time.ts — guest scenarios for timers: a 100 ms sleep measured by the HPET, and
// the timer queue's order and cancellation.
import { Errno } from "../../abi";
import { hpet } from "../../hal";
import * as line from "../line";
import * as log from "../log";
import * as timers from "../time/timers";

const SLEEP_NS: u64 = 100_000_000;
const TOLERANCE_NS: u64 = SLEEP_NS / 20;     // ±5%

/** sleep(100 ms), measured by the HPET's own counter. */
const SLEEPS: i32 = 5;

/** The closest of five sleeps to SLEEP_NS, by the HPET: no sleep may end early,
 *  and the best must be within the tolerance. (A loaded host can stall the
 *  emulated CPU and make any one sleep late; a miscalibrated timer makes every
 *  one wrong, which is what this catches.) */
export function sleepAccuracy(): bool {
  if (!hpet.present()) { log.error("selftest: no HPET to measure with"); return false; }
  let best: u64 = 0xffff_ffff_ffff_ffff;
  let early = false;
  for (let i = 0; i < SLEEPS; i++) {
    const start = hpet.counter();
    if (timers.sleep(SLEEP_NS) != Errno.Ok) return false;
    const elapsed = hpet.ticksToNanoseconds(hpet.counter() - start);
    if (elapsed < SLEEP_NS - TOLERANCE_NS) early = true;
    if (elapsed < best) best = elapsed;
  }
  line.reset();
  line.text("AIOS sleep measured_us=");
  line.decimal(best / 1000);
  line.text(early ? " early=yes" : " early=no");
  log.publish();
  return !early && best <= SLEEP_NS + TOLERANCE_NS;
}

const order = memory.data(8);
let fired: i32 = 0;
function record(id: u32, context: u32): void {
  if (fired < 8) store<u8>(order + <usize>fired, <u8>context);
  fired++;
}

/** Three timers added out of order fire in deadline order; a cancelled one never fires. */
export function timerQueue(): bool {
  fired = 0;
  timers.add(30_000_000, record, 3);
  timers.add(10_000_000, record, 1);
  const cancelled = timers.add(15_000_000, record, 9);
  timers.add(20_000_000, record, 2);
  if (timers.cancel(cancelled) != Errno.Ok) return false;
  if (timers.cancel(cancelled) != Errno.NotFound) return false;
  timers.sleep(50_000_000);
  log.begin(log.Level.Info);
  line.text("selftest: timers fired ");
  line.decimal(fired);
  line.text(" in order ");
  for (let i = 0; i < fired && i < 8; i++) line.decimal(load<u8>(order + <usize>i));
  log.end();
  return fired == 3 && load<u8>(order) == 1 && load<u8>(order + 1) == 2 && load<u8>(order + 2) == 3;
}
