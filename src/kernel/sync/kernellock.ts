// kernellock.ts — the big kernel lock: one CPU at a time runs kernel code. A CPU
// takes it on every way into the kernel (boot, interrupt dispatch, an agent's ABI
// call, a module memory growing) and gives it up only while it runs agent (module)
// code or halts idle, so agents run in parallel on every CPU, each in its own
// memory, while the kernel's globals (the log's line buffer, registries, the
// scheduler's tables) need no locks of their own. Exception: an ABI call whose
// work is a pure read with its own consistency check skips the lock (a capability
// check, inside the capability tables' sequence counter: caps/version.ts, and
// README.md here for what such a read may do).
//
// The lock belongs to a CPU, not to a thread, and is recursive: an interrupt that
// arrives while its CPU holds the lock nests (depth + 1). A thread switch keeps
// it held across the switch; the scheduler saves the depth of the thread going out
// and restores that of the one coming in (currentDepth()/setDepth()).
//
// Waiting is a ticket lock (arrival order). A CPU that has to wait does so with
// interrupts enabled but the local APIC's task priority raised to let only the IPI
// class through (vectors 0xf0 and up): a CPU holding the lock may be waiting for
// this one to answer a call-function or TLB-shootdown IPI (those run without the
// lock), while a timer or device interrupt taken here would try to take a second
// ticket behind its own first one and never be served.
//
// Until a second CPU starts (share()), the lock is only the boot CPU's nesting
// count: an interrupt's enter/leave pair between the load and the store of a
// change to it leaves it as it found it, so no interrupt masking is needed, and a
// kernel entry costs a load and a store. Once shared, each change is made with
// interrupts off: an interrupt between taking the ticket and naming the owner (or
// between clearing the owner and releasing the ticket) would find the lock held by
// nobody it knows and wait on it for ever.
import { cpu, lapic, x86 } from "../../hal";
import * as locks from "./locks";

/** Task priority while waiting: classes 0x0-0xe (vectors below 0xf0) are held back. */
const PRIORITY_IPIS_ONLY: u32 = 0xe0;
const NOBODY: i32 = -1;

const MAX_CPUS = <i32>x86.MAX_CPUS;
const ticket = memory.data(locks.TICKET_LOCK_BYTES);
const flushesSeen = memory.data(MAX_CPUS * 4);       // per CPU: the flush generation it caught up with
let flushes: u32 = 0;             // TLB flushes asked of every CPU at its next entry
let isShared = false;             // other CPUs may enter: the ticket and owner are real
let owner: i32 = NOBODY;          // written only by the holder (shared)
let depth: u32 = 0;               // the holder's nesting
let waits: u64 = 0;               // acquisitions that found the lock taken

/** Takes the ticket (shared); interrupts are off. */
function take(me: i32): void {
  if (!locks.ticketTryAcquire(ticket)) {
    // Only reached once a second CPU is in the kernel, so after lapic.enable on both.
    const flags = cpu.saveInterrupts();
    const before = lapic.read(lapic.REG_TASK_PRIORITY);
    lapic.write(lapic.REG_TASK_PRIORITY, PRIORITY_IPIS_ONLY);
    cpu.enableInterrupts();
    locks.ticketAcquire(ticket);
    cpu.disableInterrupts();
    lapic.write(lapic.REG_TASK_PRIORITY, before);
    cpu.restoreInterrupts(flags);
    waits++;
  }
  owner = me;
  const seen = flushesSeen + <usize>me * 4;
  if (load<u32>(seen) != flushes) {                   // translations dropped elsewhere meanwhile
    store<u32>(seen, flushes);
    cpu.writeCr3(cpu.readCr3());
  }
}

/** Takes the lock for this CPU (again, if it already holds it). Inlined into every
 *  way into the kernel: with one CPU it is an increment. */
@inline export function enter(): void {
  if (isShared) enterShared();
  else depth++;
}

/** Undoes one enter(). */
@inline export function leave(): void {
  if (isShared) leaveShared();
  else depth--;
}

/** enter() and leave() for a caller that has already seen shared() false (one
 *  CPU): the bare count, so an ABI call's way in and out branches once each. */
@inline export function enterAlone(): void { depth++; }
@inline export function leaveAlone(): void { depth--; }

function enterShared(): void {
  const flags = cpu.saveInterrupts();
  const me = <i32>cpu.cpuIndex();
  if (owner == me) depth++;
  else {
    take(me);
    depth = 1;
  }
  cpu.restoreInterrupts(flags);
}

function leaveShared(): void {
  const flags = cpu.saveInterrupts();
  if (--depth == 0) {
    owner = NOBODY;
    locks.ticketRelease(ticket);
  }
  cpu.restoreInterrupts(flags);
}

/** Gives the lock up entirely (agent code, an idle halt); resume() with the result. */
export function suspend(): u32 {
  if (!isShared) {
    const before = depth;
    depth = 0;
    return before;
  }
  const flags = cpu.saveInterrupts();
  const held = depth;
  if (held == 0 || owner != <i32>cpu.cpuIndex()) { cpu.restoreInterrupts(flags); return 0; }
  depth = 0;
  owner = NOBODY;
  locks.ticketRelease(ticket);
  cpu.restoreInterrupts(flags);
  return held;
}

/** Takes the lock back at the depth suspend() returned (nothing when that was 0). */
export function resume(held: u32): void {
  if (held == 0) return;
  if (!isShared) { depth = held; return; }
  const flags = cpu.saveInterrupts();
  take(<i32>cpu.cpuIndex());
  depth = held;
  cpu.restoreInterrupts(flags);
}

/** Makes the lock real before a second CPU can enter the kernel (smp.ts, before
 *  the first AP starts). Called on the boot CPU holding the lock, which then takes
 *  its ticket. */
export function share(): void {
  if (isShared) return;
  const flags = cpu.saveInterrupts();
  if (depth != 0) {
    locks.ticketAcquire(ticket);
    owner = <i32>cpu.cpuIndex();
  }
  isShared = true;
  cpu.restoreInterrupts(flags);
}

/** Asks every other CPU to flush its TLB when it next takes the lock, which it
 *  must do before it runs anything that could use pages just given up (kernel
 *  code, or agent code, which only ever starts or resumes from kernel code).
 *  Called holding the lock; this CPU is up to date already. */
export function flushOthersOnEntry(): void {
  flushes++;
  if (isShared) store<u32>(flushesSeen + <usize>cpu.cpuIndex() * 4, flushes);
}

/** True once a second CPU may enter the kernel (per-CPU state is then per CPU). */
@inline export function shared(): bool { return isShared; }

/** True when this CPU holds the lock. */
export function heldHere(): bool { return isShared ? owner == <i32>cpu.cpuIndex() : depth != 0; }

/** The holder's nesting, saved per thread across a switch by the scheduler. */
export function currentDepth(): u32 { return depth; }
export function setDepth(held: u32): void { depth = held; }

/** How many acquisitions had to wait for another CPU (a measure of contention). */
export function waitCount(): u64 { return waits; }
