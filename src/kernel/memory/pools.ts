// pools.ts — memory pools: the quota and the accounting of whoever owns module
// memories (an agent, once agents exist; pool 0 is the kernel's own, unlimited).
// A pool counts pages committed (linear-memory size, charged at instantiate and
// memory.grow, refused past the quota) and frames actually mapped (demand faults).
import { Errno } from "../../abi";

export const MAX_POOLS: i32 = 64;
export const KERNEL_POOL: i32 = 0;
export const UNLIMITED: u64 = 0xffff_ffff_ffff_ffff;

const quota = memory.data(MAX_POOLS * 8);       // in 4 KiB pages
const committed = memory.data(MAX_POOLS * 8);
const mapped = memory.data(MAX_POOLS * 8);
const used = memory.data(MAX_POOLS);

function slot(array: usize, pool: i32): usize { return array + <usize>pool * 8; }
function valid(pool: i32): bool { return pool >= 0 && pool < MAX_POOLS && load<u8>(used + <usize>pool) != 0; }

/** Sets up the kernel's pool; called once at boot. */
export function init(): void {
  memory.fill(used, 0, MAX_POOLS);
  store<u8>(used, 1);
  store<u64>(slot(quota, KERNEL_POOL), UNLIMITED);
  store<u64>(slot(committed, KERNEL_POOL), 0);
  store<u64>(slot(mapped, KERNEL_POOL), 0);
}

/** A new pool with a quota in 4 KiB pages; -1 when every pool is taken. */
export function create(quotaPages: u64): i32 {
  for (let pool = 1; pool < MAX_POOLS; pool++) {
    if (load<u8>(used + <usize>pool) != 0) continue;
    store<u8>(used + <usize>pool, 1);
    store<u64>(slot(quota, pool), quotaPages);
    store<u64>(slot(committed, pool), 0);
    store<u64>(slot(mapped, pool), 0);
    return pool;
  }
  return -1;
}

/** Ends a pool that no memory uses any more. */
export function destroy(pool: i32): Errno {
  if (!valid(pool) || pool == KERNEL_POOL) return Errno.InvalidArgument;
  if (load<u64>(slot(committed, pool)) != 0 || load<u64>(slot(mapped, pool)) != 0) return Errno.NotReady;
  store<u8>(used + <usize>pool, 0);
  return Errno.Ok;
}

let totalCommitted: u64 = 0;
let commitLimit: u64 = UNLIMITED;

/** No pool, not even the kernel's, may commit more pages in all than the machine
 *  has frames: a memory larger than memory is refused at grow, not at first touch. */
export function setCommitLimit(pages: u64): void { commitLimit = pages; }

/** Commits `pages` to the pool, or refuses past its quota or the machine's memory. */
export function commit(pool: i32, pages: u64): Errno {
  if (!valid(pool)) return Errno.InvalidArgument;
  const now = load<u64>(slot(committed, pool));
  const limit = load<u64>(slot(quota, pool));
  if (pages > limit || now > limit - pages) return Errno.MemoryLimitExceeded;
  if (pages > commitLimit || totalCommitted > commitLimit - pages) return Errno.ResourceExhausted;
  store<u64>(slot(committed, pool), now + pages);
  totalCommitted += pages;
  return Errno.Ok;
}

export function uncommit(pool: i32, pages: u64): void {
  if (!valid(pool)) return;
  const now = load<u64>(slot(committed, pool));
  const released = pages > now ? now : pages;
  store<u64>(slot(committed, pool), now - released);
  totalCommitted -= released;
}

export function countMapped(pool: i32, delta: i64): void {
  if (!valid(pool)) return;
  store<u64>(slot(mapped, pool), <u64>(<i64>load<u64>(slot(mapped, pool)) + delta));
}

/** Changes a pool's quota; NotReady when more than the new quota is committed. */
export function setQuota(pool: i32, pages: u64): Errno {
  if (!valid(pool) || pool == KERNEL_POOL) return Errno.InvalidArgument;
  if (load<u64>(slot(committed, pool)) > pages) return Errno.NotReady;
  store<u64>(slot(quota, pool), pages);
  return Errno.Ok;
}

export function committedPages(pool: i32): u64 { return valid(pool) ? load<u64>(slot(committed, pool)) : 0; }
export function mappedFrames(pool: i32): u64 { return valid(pool) ? load<u64>(slot(mapped, pool)) : 0; }
export function quotaPages(pool: i32): u64 { return valid(pool) ? load<u64>(slot(quota, pool)) : 0; }
