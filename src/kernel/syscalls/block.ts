// block.ts — the block-device calls of the agent ABI. A disk is reached only
// through a Device capability naming it (block.objectOf): Read to read it or ask
// its size, Write to write or flush it. Every request counts against the agent's
// I/O rate (caps quota, a token bucket): past it the call waits for the next
// token, so a greedy agent is slowed, not failed. Data moves through a kernel
// bounce buffer, since an agent's memory is not physically contiguous.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as agents from "../agents";
import * as block from "../block";
import * as caps from "../caps";
import * as clock from "../clock";
import { frames } from "../memory";
import { DIRECT_MAP_BASE } from "../memory/layout";
import * as scheduler from "../sched/scheduler";
import { checked, inCallerMemory } from "./index";

/** The most one call moves: 64 KiB. */
export const MAX_BYTES: u32 = 64 << 10;
const THROTTLE_STEP_NS: u64 = 1_000_000;
export const INFO_SECTORS: u32 = 0;
export const INFO_SECTOR_SIZE: u32 = 1;

/** The disk behind capability `handle` of the calling agent, checked for
 *  `rights`; or -Errno. */
function diskOf(slot: u32, handle: u32, rights: u32): i32 {
  const index = checked(slot, handle, caps.ObjectKind.Device, rights);
  if (index < 0) return index;
  const d = block.diskOfObject(caps.objectAt(index));
  return d < 0 ? -(<i32>Errno.NotFound) : d;
}

/** Waits until the agent's I/O rate allows one more request. */
function throttle(slot: u32): void {
  const agent = agents.registry.agentOfInstance(slot);
  while (caps.quota.takeIo(agent, clock.nanoseconds()) == Errno.RateLimited) scheduler.sleep(THROTTLE_STEP_NS);
}

/** block_read / block_write: `count` sectors from `sector` to or from the
 *  caller's memory at `pointer`. 0, or the Errno. */
export function transfer(slot: u32, handle: u32, write: bool, sector: u64, pointer: u32, count: u32): i32 {
  const d = diskOf(slot, handle, write ? caps.Rights.Write : caps.Rights.Read);
  if (d < 0) return -d;
  const bytes = <u64>count * <u64>block.queue.sectorSize(d);
  if (count == 0 || bytes > <u64>MAX_BYTES || !inCallerMemory(slot, pointer, <u32>bytes)) return <i32>Errno.InvalidArgument;
  if (sector >= block.queue.capacity(d) || <u64>count > block.queue.capacity(d) - sector) return <i32>Errno.InvalidArgument;
  if (write && block.queue.readOnly(d)) return <i32>Errno.PermissionDenied;
  const bounce = frames.alloc(<u32>frames.orderFor(bytes), frames.Owner.Kernel);
  if (bounce == 0) return <i32>Errno.ResourceExhausted;
  throttle(slot);
  const memory = cpu.moduleMemoryBase(slot) + <u64>pointer;
  if (write) copy(DIRECT_MAP_BASE + bounce, memory, bytes);
  const result = write ? block.write(d, sector, bounce, count) : block.read(d, sector, bounce, count);
  if (!write && result == Errno.Ok) copy(memory, DIRECT_MAP_BASE + bounce, bytes);
  frames.free(bounce);
  return <i32>result;
}

/** block_flush: every completed write made durable. 0, or the Errno. */
export function flush(slot: u32, handle: u32): i32 {
  const d = diskOf(slot, handle, caps.Rights.Write);
  if (d < 0) return -d;
  throttle(slot);
  return <i32>block.flush(d);
}

/** block_info: INFO_SECTORS (the capacity) or INFO_SECTOR_SIZE, or -Errno. */
export function info(slot: u32, handle: u32, what: u32): i64 {
  const d = diskOf(slot, handle, caps.Rights.Read);
  if (d < 0) return <i64>d;
  if (what == INFO_SECTORS) return <i64>block.queue.capacity(d);
  if (what == INFO_SECTOR_SIZE) return <i64>block.queue.sectorSize(d);
  return -(<i64>Errno.InvalidArgument);
}

function copy(to: u64, from: u64, bytes: u64): void { cpu.copy(to, from, bytes); }
