// groups.ts — resource groups: aggregate limits that member agents draw from. A
// group caps the memory pages its members have charged in all, the sum of their
// CPU weights, and their IPC messages together (one shared token bucket, taken
// after each member's own). An agent is in at most one group; a group with
// members cannot be destroyed. Accounting only: quota.ts decides who is charged.
//
//   record g:  used u8 | members u32 | cpu limit u32 | cpu used u32
//              memory limit u64 | memory used u64 | bucket (bucket.ts)
import { Errno } from "../../abi";
import * as bucket from "./bucket";
import { BUCKET_BYTES } from "./bucket";
import { failure } from "./result";

export const MAX_GROUPS: i32 = 16;

const used = memory.data(MAX_GROUPS);
const members = memory.data(MAX_GROUPS * 4);
const cpuLimits = memory.data(MAX_GROUPS * 4);
const cpuUsed = memory.data(MAX_GROUPS * 4);
const memoryLimits = memory.data(MAX_GROUPS * 8);
const memoryUsed = memory.data(MAX_GROUPS * 8);
const buckets = memory.data(MAX_GROUPS * BUCKET_BYTES);

function at(array: usize, group: i32, bytes: i32): usize { return array + <usize>(group * bytes); }
function bucketOf(group: i32): usize { return at(buckets, group, BUCKET_BYTES); }

export function reset(): void { memory.fill(used, 0, MAX_GROUPS); }

export function valid(group: i32): bool { return group >= 0 && group < MAX_GROUPS && load<u8>(used + <usize>group) != 0; }

/** A new group; its id, or -InvalidArgument (weight 0, bad IPC limits) or
 *  -ResourceExhausted when every group is taken. */
export function create(memoryPages: u64, cpuWeight: u32, ipcRate: u32, ipcBurst: u32, now: u64): i32 {
  if (cpuWeight == 0) return failure(Errno.InvalidArgument);
  for (let group = 0; group < MAX_GROUPS; group++) {
    if (load<u8>(used + <usize>group) != 0) continue;
    const error = bucket.configure(bucketOf(group), ipcRate, ipcBurst, now);
    if (error != Errno.Ok) return failure(error);
    store<u8>(used + <usize>group, 1);
    store<u32>(at(members, group, 4), 0);
    store<u32>(at(cpuLimits, group, 4), cpuWeight);
    store<u32>(at(cpuUsed, group, 4), 0);
    store<u64>(at(memoryLimits, group, 8), memoryPages);
    store<u64>(at(memoryUsed, group, 8), 0);
    return group;
  }
  return failure(Errno.ResourceExhausted);
}

/** Ends a group without members: InvalidArgument if none, NotReady with members. */
export function destroy(group: i32): Errno {
  if (!valid(group)) return Errno.InvalidArgument;
  if (load<u32>(at(members, group, 4)) != 0) return Errno.NotReady;
  store<u8>(used + <usize>group, 0);
  return Errno.Ok;
}

function memoryFits(group: i32, pages: u64): bool {
  const usedPages = load<u64>(at(memoryUsed, group, 8));
  const limit = load<u64>(at(memoryLimits, group, 8));
  return pages <= limit && usedPages <= limit - pages;
}

function cpuFits(group: i32, weight: u32): bool {
  const usedWeight = load<u32>(at(cpuUsed, group, 4));
  const limit = load<u32>(at(cpuLimits, group, 4));
  return weight <= limit && usedWeight <= limit - weight;
}

/** Adds a member that already holds `pages` and `weight`, or refuses:
 *  MemoryLimitExceeded, ResourceExhausted (CPU weight). */
export function join(group: i32, pages: u64, weight: u32): Errno {
  if (!memoryFits(group, pages)) return Errno.MemoryLimitExceeded;
  if (!cpuFits(group, weight)) return Errno.ResourceExhausted;
  store<u64>(at(memoryUsed, group, 8), load<u64>(at(memoryUsed, group, 8)) + pages);
  store<u32>(at(cpuUsed, group, 4), load<u32>(at(cpuUsed, group, 4)) + weight);
  store<u32>(at(members, group, 4), load<u32>(at(members, group, 4)) + 1);
  return Errno.Ok;
}

export function leave(group: i32, pages: u64, weight: u32): void {
  releaseMemory(group, pages);
  store<u32>(at(cpuUsed, group, 4), load<u32>(at(cpuUsed, group, 4)) - weight);
  store<u32>(at(members, group, 4), load<u32>(at(members, group, 4)) - 1);
}

export function chargeMemory(group: i32, pages: u64): Errno {
  if (!memoryFits(group, pages)) return Errno.MemoryLimitExceeded;
  store<u64>(at(memoryUsed, group, 8), load<u64>(at(memoryUsed, group, 8)) + pages);
  return Errno.Ok;
}

export function releaseMemory(group: i32, pages: u64): void {
  store<u64>(at(memoryUsed, group, 8), load<u64>(at(memoryUsed, group, 8)) - pages);
}

/** A member's weight changes from `previous` to `next`; ResourceExhausted past the limit. */
export function changeWeight(group: i32, previous: u32, next: u32): Errno {
  const others = load<u32>(at(cpuUsed, group, 4)) - previous;
  const limit = load<u32>(at(cpuLimits, group, 4));
  if (next > limit || others > limit - next) return Errno.ResourceExhausted;
  store<u32>(at(cpuUsed, group, 4), others + next);
  return Errno.Ok;
}

export function takeMessage(group: i32, now: u64): Errno { return bucket.take(bucketOf(group), now); }
export function memoryUsedBy(group: i32): u64 { return valid(group) ? load<u64>(at(memoryUsed, group, 8)) : 0; }
export function cpuUsedBy(group: i32): u32 { return valid(group) ? load<u32>(at(cpuUsed, group, 4)) : 0; }
export function memberCount(group: i32): u32 { return valid(group) ? load<u32>(at(members, group, 4)) : 0; }
export function messagesAvailable(group: i32, now: u64): u32 { return valid(group) ? bucket.available(bucketOf(group), now) : 0; }
