// bucket.ts — a token bucket, the rate limit of IPC messages for agents and
// groups. Whole messages are too coarse to refill by the nanosecond, so the level
// is kept in nanotokens (a message costs NANOTOKENS): `rate` messages per second
// add exactly `rate` nanotokens per nanosecond, with no division and no drift.
//
//   record:  rate u32 (messages/s, or UNLIMITED_RATE) | burst u32 (messages)
//            level u64 (nanotokens) | last u64 (ns of the last refill)
//
// Bounds keep the arithmetic in u64: level <= MAX_BURST * NANOTOKENS < 2^50.
import { Errno } from "../../abi";

export const BUCKET_BYTES: i32 = 24;
export const UNLIMITED_RATE: u32 = 0xffff_ffff;   // no limit: take() always succeeds
export const MAX_RATE: u32 = 1_000_000;           // messages per second
export const MAX_BURST: u32 = 1_000_000;          // messages
const NANOTOKENS: u64 = 1_000_000_000;            // per message: one second of a 1/s rate

const RATE: usize = 0;
const BURST: usize = 4;
const LEVEL: usize = 8;
const LAST: usize = 16;

function capacity(at: usize): u64 { return <u64>load<u32>(at + BURST) * NANOTOKENS; }

/** Sets the limit; a limited bucket starts full. A rate of 0 never refills (a
 *  fixed budget of `burst` messages). InvalidArgument past MAX_RATE or outside
 *  1..MAX_BURST. */
export function configure(at: usize, rate: u32, burst: u32, now: u64): Errno {
  if (rate != UNLIMITED_RATE && rate > MAX_RATE) return Errno.InvalidArgument;
  if (rate != UNLIMITED_RATE && (burst == 0 || burst > MAX_BURST)) return Errno.InvalidArgument;
  store<u32>(at + RATE, rate);
  store<u32>(at + BURST, rate == UNLIMITED_RATE ? 0 : burst);
  store<u64>(at + LEVEL, capacity(at));
  store<u64>(at + LAST, now);
  return Errno.Ok;
}

export function unlimited(at: usize): bool { return load<u32>(at + RATE) == UNLIMITED_RATE; }

/** Adds what has accrued since the last refill. Time that seems to run backwards
 *  (a caller's stale `now`) adds nothing and is not remembered. */
function refill(at: usize, now: u64): void {
  const last = load<u64>(at + LAST);
  if (now <= last) return;
  const rate = <u64>load<u32>(at + RATE);
  const level = load<u64>(at + LEVEL);
  const deficit = capacity(at) - level;
  const elapsed = now - last;
  if (rate != 0) {
    // elapsed * rate is computed only below deficit / rate + 1, where it cannot overflow
    store<u64>(at + LEVEL, elapsed > deficit / rate ? capacity(at) : level + elapsed * rate);
  }
  store<u64>(at + LAST, now);
}

/** Takes one message's worth, or RateLimited (nothing taken). */
export function take(at: usize, now: u64): Errno {
  if (unlimited(at)) return Errno.Ok;
  refill(at, now);
  const level = load<u64>(at + LEVEL);
  if (level < NANOTOKENS) return Errno.RateLimited;
  store<u64>(at + LEVEL, level - NANOTOKENS);
  return Errno.Ok;
}

/** Gives back one message taken by take() (a send refused further on). */
export function refund(at: usize): void {
  if (unlimited(at)) return;
  const level = load<u64>(at + LEVEL) + NANOTOKENS;
  store<u64>(at + LEVEL, level > capacity(at) ? capacity(at) : level);
}

/** Whole messages that may be sent at `now`; UNLIMITED_RATE when unlimited. */
export function available(at: usize, now: u64): u32 {
  if (unlimited(at)) return UNLIMITED_RATE;
  refill(at, now);
  return <u32>(load<u64>(at + LEVEL) / NANOTOKENS);
}
