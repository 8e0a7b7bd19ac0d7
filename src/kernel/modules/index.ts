// modules — instances of the service modules linked into the image. Each instance
// has its own linear memory (a guarded slot charged to a pool). A trap in an
// instance ends only the call that trapped; the kernel records it and carries on.
// Module code runs without the kernel lock (sync/kernellock.ts): a call gives the
// lock up and takes it back after, and an ABI call into the kernel holds it for its
// duration (except an unlocked one: caps/version.ts), so agents run in parallel on
// every CPU. Which call runs is per CPU.
import { cpu, x86 } from "../../hal";
import * as mem from "../memory";
import * as clock from "../clock";
import * as kernelLock from "../sync/kernellock";
import * as measure from "../measure";
import * as probe from "./probe";
import * as registry from "./registry";

export { probe, registry };
export const NO_INSTANCE: u32 = cpu.MODULE_INSTANCE_NONE;

const MAX_CPUS = <i32>x86.MAX_CPUS;
// per CPU: the running instance plus one (0: kernel code, so the zeroed area
// starts right), and when the outermost running call began (the watchdog's clock)
const activePlusOne = memory.data(MAX_CPUS * 4);
const callStarts = memory.data(MAX_CPUS * 8);

// With one CPU (kernelLock.shared() false) its slots are the first: no CPU index to read.
@inline function here(): usize { return kernelLock.shared() ? <usize>cpu.cpuIndex() : 0; }
@inline function activeSlot(): usize { return activePlusOne + here() * 4; }
@inline function startSlot(): usize { return callStarts + here() * 8; }

/** A new instance whose memory is charged to `pool`; `prefault` maps it eagerly
 *  (no demand faults). NO_INSTANCE when out of slots, memory or quota, or when
 *  the module's signed record does not verify (measure.moduleAllowed: checked
 *  on first use, logged and audited there). */
export function instantiate(module: u32, pool: i32, prefault: bool = false): u32 {
  if (!measure.moduleAllowed(module)) return NO_INSTANCE;
  mem.modulememory.setCreator(pool, prefault);
  const instance = cpu.moduleInstantiate(module);
  mem.modulememory.setCreator(mem.pools.KERNEL_POOL, false);
  return instance;
}

/** Calls an export; a trap returns 0 and is then reported by trapOf(). The
 *  kernel lock is given up for the call (agent code needs none) and taken back. */
export function call(instance: u32, exportIndex: u32, a: u32 = 0, b: u32 = 0): u32 {
  const outer = active();
  const outerStarted = callStart();
  setActive(instance);
  setCallStart(clock.nanoseconds());
  const held = kernelLock.suspend();
  const result = cpu.moduleCall(instance, exportIndex, a, b);
  // possibly on another CPU now: the scheduler moved this thread's call state along
  setActive(outer);
  setCallStart(outerStarted);
  kernelLock.resume(held);
  return result;
}

/** The trap kind (wasm_rt_trap_t) that ended the instance's last call, 0 if none. */
export function trapOf(instance: u32): u32 { return cpu.moduleTrap(instance); }
export function memoryBase(instance: u32): u64 { return cpu.moduleMemoryBase(instance); }
export function memorySize(instance: u32): u32 { return cpu.moduleMemorySize(instance); }
export function grow(instance: u32, pages: u32): u32 { return cpu.moduleGrow(instance, pages); }
export function moduleOf(instance: u32): u32 { return cpu.moduleOf(instance); }
export function destroy(instance: u32): void { cpu.moduleDestroy(instance); }

/** The instance whose code is running on this CPU (a call is in progress), or NO_INSTANCE. */
export function active(): u32 { return load<u32>(activeSlot()) - 1; }

/** True when this CPU is running a module's own code, which may be preempted or
 *  ended by its watchdog: a call is in progress and the CPU is not in kernel code
 *  serving one of its ABI imports. A locked ABI call clears the running instance
 *  (enterKernel); an unlocked one (tools/abi.ts `unlocked`) leaves it and is told
 *  apart by its import stub having cleared the module's unwind target. */
export function agentCodeRunning(): bool { return active() != NO_INSTANCE && cpu.moduleCodeRunning(); }

/** Restores the running instance of a thread being switched to (the scheduler). */
@inline export function setActive(instance: u32): void { store<u32>(activeSlot(), instance + 1); }

/** The kernel serving a module's ABI call is kernel code again (not preempted, a
 *  fault in it is the kernel's, and it holds the kernel lock): enterKernel()
 *  before, leaveKernel(its result) after. The instance is cleared before the lock
 *  is taken, so an interrupt meanwhile never preempts a half-entered call. */
@inline export function enterKernel(): u32 {
  if (!kernelLock.shared()) {                  // one CPU: slot 0, a bare count (one branch)
    const caller = load<u32>(activePlusOne) - 1;
    store<u32>(activePlusOne, NO_INSTANCE + 1);
    kernelLock.enterAlone();
    return caller;
  }
  return enterKernelShared();
}
@inline export function leaveKernel(caller: u32): void {
  if (!kernelLock.shared()) {
    kernelLock.leaveAlone();
    store<u32>(activePlusOne, caller + 1);
    return;
  }
  leaveKernelShared(caller);
}
function enterKernelShared(): u32 {
  const slot = activeSlot();
  const caller = load<u32>(slot) - 1;
  store<u32>(slot, NO_INSTANCE + 1);
  kernelLock.enter();
  return caller;
}
function leaveKernelShared(caller: u32): void {
  kernelLock.leave();
  setActive(caller);
}

/** What the scheduler saves and restores per thread on CPU `c` at a switch (the
 *  CPU index passed in: a switch asks for it once, not four times). */
export function activeOn(c: u32): u32 { return load<u32>(activePlusOne + <usize>c * 4) - 1; }
export function setActiveOn(c: u32, instance: u32): void { store<u32>(activePlusOne + <usize>c * 4, instance + 1); }
export function callStartOn(c: u32): u64 { return load<u64>(callStarts + <usize>c * 8); }
export function setCallStartOn(c: u32, at: u64): void { store<u64>(callStarts + <usize>c * 8, at); }

/** When the running call began; the scheduler saves and restores it per thread. */
export function callStart(): u64 { return load<u64>(startSlot()); }
export function setCallStart(at: u64): void { store<u64>(startSlot(), at); }
