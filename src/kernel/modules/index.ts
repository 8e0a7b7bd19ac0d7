// modules — instances of the service modules linked into the image. Each instance
// has its own linear memory (a guarded slot charged to a pool). A trap in an
// instance ends only the call that trapped; the kernel records it and carries on.
import { cpu } from "../../hal";
import * as memory from "../memory";
import * as clock from "../clock";
import * as probe from "./probe";
import * as registry from "./registry";

export { probe, registry };
export const NO_INSTANCE: u32 = cpu.MODULE_INSTANCE_NONE;

let activeInstance: u32 = cpu.MODULE_INSTANCE_NONE;
let callStarted: u64 = 0;          // when the outermost running call began (the watchdog's clock)

/** A new instance whose memory is charged to `pool`; `prefault` maps it eagerly
 *  (no demand faults). NO_INSTANCE when out of slots, memory or quota. */
export function instantiate(module: u32, pool: i32, prefault: bool = false): u32 {
  memory.modulememory.setCreator(pool, prefault);
  const instance = cpu.moduleInstantiate(module);
  memory.modulememory.setCreator(memory.pools.KERNEL_POOL, false);
  return instance;
}

/** Calls an export; a trap returns 0 and is then reported by trapOf(). */
export function call(instance: u32, exportIndex: u32, a: u32 = 0, b: u32 = 0): u32 {
  const outer = activeInstance;
  const outerStarted = callStarted;
  activeInstance = instance;
  callStarted = clock.nanoseconds();
  const result = cpu.moduleCall(instance, exportIndex, a, b);
  activeInstance = outer;
  callStarted = outerStarted;
  return result;
}

/** The trap kind (wasm_rt_trap_t) that ended the instance's last call, 0 if none. */
export function trapOf(instance: u32): u32 { return cpu.moduleTrap(instance); }
export function memoryBase(instance: u32): u64 { return cpu.moduleMemoryBase(instance); }
export function memorySize(instance: u32): u32 { return cpu.moduleMemorySize(instance); }
export function grow(instance: u32, pages: u32): u32 { return cpu.moduleGrow(instance, pages); }
export function moduleOf(instance: u32): u32 { return cpu.moduleOf(instance); }
export function destroy(instance: u32): void { cpu.moduleDestroy(instance); }

/** The instance whose code is running (a call is in progress), or NO_INSTANCE. */
export function active(): u32 { return activeInstance; }

/** Restores the running instance of a thread being switched to (the scheduler). */
export function setActive(instance: u32): void { activeInstance = instance; }

/** The kernel serving a module's ABI call is kernel code again (not preempted, a
 *  fault in it is the kernel's): enterKernel() before, leaveKernel(its result) after. */
export function enterKernel(): u32 {
  const caller = activeInstance;
  activeInstance = cpu.MODULE_INSTANCE_NONE;
  return caller;
}
export function leaveKernel(caller: u32): void { activeInstance = caller; }

/** When the running call began; the scheduler saves and restores it per thread. */
export function callStart(): u64 { return callStarted; }
export function setCallStart(at: u64): void { callStarted = at; }
