// iosched.ts — which pending request a block device starts next. Pure over the
// device's pending list (kept in arrival order), so the host tests drive it.
//   FIFO: arrival order.
//   Deadline (after Linux's deadline elevator): requests carry a deadline (reads
//   soon, writes later, since a reader usually waits and a writer usually does
//   not); while none has passed, serve in ascending sector order from where the
//   head last was (one sweep, then back to the lowest), which keeps a disk's
//   seeks short; once one has passed, the most overdue goes first.
// A flush is a barrier: nothing that arrived after it is started before it, and
// it is started only after everything before it has been (the caller also waits
// for those to complete).

export const enum Policy { Fifo = 0, Deadline = 1 }

/** Position in the pending list of the next request to start, or -1 for none
 *  startable now. `sectors`, `deadlines` (u64) and `flushes` (u8, 1 = flush) are
 *  `count` entries in arrival order; `head` is the sector after the last one
 *  started. */
export function pick(policy: Policy, count: i32, sectors: usize, deadlines: usize, flushes: usize, head: u64, now: u64): i32 {
  if (count <= 0) return -1;
  if (load<u8>(flushes) != 0) return 0;                  // the oldest is a barrier: it goes alone
  let barrier = count;                                    // requests before the first flush are eligible
  for (let i = 1; i < count; i++) if (load<u8>(flushes + <usize>i) != 0) { barrier = i; break; }
  if (policy == Policy.Fifo) return 0;
  let overdue = -1;
  for (let i = 0; i < barrier; i++) {
    const deadline = load<u64>(deadlines + <usize>i * 8);
    if (deadline <= now && (overdue < 0 || deadline < load<u64>(deadlines + <usize>overdue * 8))) overdue = i;
  }
  if (overdue >= 0) return overdue;
  let ahead = -1;
  let lowest = 0;
  for (let i = 0; i < barrier; i++) {
    const sector = load<u64>(sectors + <usize>i * 8);
    if (sector >= head && (ahead < 0 || sector < load<u64>(sectors + <usize>ahead * 8))) ahead = i;
    if (sector < load<u64>(sectors + <usize>lowest * 8)) lowest = i;
  }
  return ahead >= 0 ? ahead : lowest;
}
