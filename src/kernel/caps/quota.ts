// quota.ts — what each agent may consume: memory pages (committed to the agent's
// memory pool, pools.ts, which holds the page quota), a CPU share weight for the
// scheduler to come, an IPC message rate and a block I/O rate (IOPS), each a
// token bucket. An agent may be in
// one resource group (groups.ts), whose aggregate limits are checked before the
// agent's own charge is made, so a refusal changes nothing. Records exist while
// the agent's table is open; closing it gives back all it still holds.
//
//   record a:  pool i32 | weight u32 | group i32 | charged pages u64 | bucket | I/O bucket
import { Errno } from "../../abi";
import { pools } from "../memory";
import * as bucket from "./bucket";
import { BUCKET_BYTES, UNLIMITED_RATE } from "./bucket";
import * as groups from "./groups";
import { isOpen, MAX_AGENTS } from "./handles";
import { agentError } from "./lookup";

export const NO_POOL: i32 = -1;           // memory is counted but charged to no pool
export const NO_GROUP: i32 = -1;
export const DEFAULT_WEIGHT: u32 = 100;
export const MAX_WEIGHT: u32 = 10_000;

const poolIds = memory.data(MAX_AGENTS * 4);
const weights = memory.data(MAX_AGENTS * 4);
const groupIds = memory.data(MAX_AGENTS * 4);
const charged = memory.data(MAX_AGENTS * 8);
const buckets = memory.data(MAX_AGENTS * BUCKET_BYTES);
const ioBuckets = memory.data(MAX_AGENTS * BUCKET_BYTES);

function at(array: usize, agent: i32, bytes: i32): usize { return array + <usize>(agent * bytes); }
function bucketOf(agent: i32): usize { return at(buckets, agent, BUCKET_BYTES); }

// The readers answer for open agents only (a closed agent has nothing).
export function poolOf(agent: i32): i32 { return isOpen(agent) ? load<i32>(at(poolIds, agent, 4)) : NO_POOL; }
export function groupOf(agent: i32): i32 { return isOpen(agent) ? load<i32>(at(groupIds, agent, 4)) : NO_GROUP; }
export function cpuWeight(agent: i32): u32 { return isOpen(agent) ? load<u32>(at(weights, agent, 4)) : 0; }
export function memoryCharged(agent: i32): u64 { return isOpen(agent) ? load<u64>(at(charged, agent, 8)) : 0; }

/** Defaults for a new agent: no pool, DEFAULT_WEIGHT, no group, no IPC limit. */
export function reset(agent: i32, now: u64): void {
  store<i32>(at(poolIds, agent, 4), NO_POOL);
  store<u32>(at(weights, agent, 4), DEFAULT_WEIGHT);
  store<i32>(at(groupIds, agent, 4), NO_GROUP);
  store<u64>(at(charged, agent, 8), 0);
  bucket.configure(bucketOf(agent), UNLIMITED_RATE, 0, now);
  bucket.configure(at(ioBuckets, agent, BUCKET_BYTES), UNLIMITED_RATE, 0, now);
}

/** Gives back everything the agent holds (memory, its place in a group). */
export function release(agent: i32): void {
  releaseMemory(agent, memoryCharged(agent));
  leaveGroup(agent);
}

/** The pool later charges go to (NO_POOL for none); NotReady while pages are
 *  charged. The kernel's own pool is unlimited, so no agent may draw on it. */
export function setPool(agent: i32, pool: i32): Errno {
  const error = agentError(agent);
  if (error != Errno.Ok) return error;
  if (pool != NO_POOL && (pool <= pools.KERNEL_POOL || pool >= pools.MAX_POOLS)) return Errno.InvalidArgument;
  if (memoryCharged(agent) != 0) return Errno.NotReady;
  store<i32>(at(poolIds, agent, 4), pool);
  return Errno.Ok;
}

export function setCpuWeight(agent: i32, weight: u32): Errno {
  const error = agentError(agent);
  if (error != Errno.Ok) return error;
  if (weight == 0 || weight > MAX_WEIGHT) return Errno.InvalidArgument;
  const group = groupOf(agent);
  if (group != NO_GROUP) {
    const refused = groups.changeWeight(group, cpuWeight(agent), weight);
    if (refused != Errno.Ok) return refused;
  }
  store<u32>(at(weights, agent, 4), weight);
  return Errno.Ok;
}

/** `rate` messages per second with bursts of `burst` (UNLIMITED_RATE: no limit). */
export function setIpcRate(agent: i32, rate: u32, burst: u32, now: u64): Errno {
  const error = agentError(agent);
  if (error != Errno.Ok) return error;
  return bucket.configure(bucketOf(agent), rate, burst, now);
}

/** `rate` block requests per second with bursts of `burst` (UNLIMITED_RATE: no limit). */
export function setIoRate(agent: i32, rate: u32, burst: u32, now: u64): Errno {
  const error = agentError(agent);
  if (error != Errno.Ok) return error;
  return bucket.configure(at(ioBuckets, agent, BUCKET_BYTES), rate, burst, now);
}

/** Takes one block request from the agent's I/O budget, or RateLimited. */
export function takeIo(agent: i32, now: u64): Errno {
  const error = agentError(agent);
  if (error != Errno.Ok) return error;
  return bucket.take(at(ioBuckets, agent, BUCKET_BYTES), now);
}

/** Joins `group` bringing the agent's current pages and weight, if they fit. */
export function joinGroup(agent: i32, group: i32): Errno {
  const error = agentError(agent);
  if (error != Errno.Ok) return error;
  if (!groups.valid(group)) return Errno.InvalidArgument;
  if (groupOf(agent) != NO_GROUP) return Errno.AlreadyExists;
  const refused = groups.join(group, memoryCharged(agent), cpuWeight(agent));
  if (refused != Errno.Ok) return refused;
  store<i32>(at(groupIds, agent, 4), group);
  return Errno.Ok;
}

export function leaveGroup(agent: i32): Errno {
  const error = agentError(agent);
  if (error != Errno.Ok) return error;
  const group = groupOf(agent);
  if (group == NO_GROUP) return Errno.NotFound;
  groups.leave(group, memoryCharged(agent), cpuWeight(agent));
  store<i32>(at(groupIds, agent, 4), NO_GROUP);
  return Errno.Ok;
}

/** Charges `pages` to the group, then the pool; MemoryLimitExceeded (or the
 *  pool's ResourceExhausted) refuses the whole charge. */
export function chargeMemory(agent: i32, pages: u64): Errno {
  const error = agentError(agent);
  if (error != Errno.Ok) return error;
  const group = groupOf(agent);
  if (group != NO_GROUP) {
    const refused = groups.chargeMemory(group, pages);
    if (refused != Errno.Ok) return refused;
  }
  const pool = poolOf(agent);
  if (pool != NO_POOL) {
    const refused = pools.commit(pool, pages);
    if (refused != Errno.Ok) {
      if (group != NO_GROUP) groups.releaseMemory(group, pages);
      return refused;
    }
  }
  store<u64>(at(charged, agent, 8), memoryCharged(agent) + pages);
  return Errno.Ok;
}

/** Gives back `pages` charged earlier; InvalidArgument for more than is charged. */
export function releaseMemory(agent: i32, pages: u64): Errno {
  const error = agentError(agent);
  if (error != Errno.Ok) return error;
  if (pages > memoryCharged(agent)) return Errno.InvalidArgument;
  if (poolOf(agent) != NO_POOL) pools.uncommit(poolOf(agent), pages);
  if (groupOf(agent) != NO_GROUP) groups.releaseMemory(groupOf(agent), pages);
  store<u64>(at(charged, agent, 8), memoryCharged(agent) - pages);
  return Errno.Ok;
}

/** One IPC message at `now`: the agent's bucket, then its group's; RateLimited
 *  by either takes nothing from both. */
export function takeMessage(agent: i32, now: u64): Errno {
  const error = agentError(agent);
  if (error != Errno.Ok) return error;
  const own = bucket.take(bucketOf(agent), now);
  if (own != Errno.Ok) return own;
  const group = groupOf(agent);
  if (group == NO_GROUP) return Errno.Ok;
  const shared = groups.takeMessage(group, now);
  if (shared != Errno.Ok) bucket.refund(bucketOf(agent));
  return shared;
}

export function messagesAvailable(agent: i32, now: u64): u32 { return isOpen(agent) ? bucket.available(bucketOf(agent), now) : 0; }
