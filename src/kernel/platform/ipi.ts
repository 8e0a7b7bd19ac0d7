// ipi.ts — inter-processor interrupts: run a function on every other CPU and
// wait for all of them (call-function), TLB shootdown, reschedule (to one CPU: the
// scheduler's wake-up), and halt-all (panic, shutdown). One request at a time,
// serialised by a lock; the sender waits with a bound, so a dead CPU cannot hang it.
// Call-function, shootdown and halt run without the kernel lock (their vectors are
// in class 15): a CPU waiting for the lock, held by the sender, still answers.
import { cpu, lapic } from "../../hal";
import * as clock from "../clock";
import * as vectors from "../interrupts/vectors";
import * as locks from "../sync/locks";
import { linearToVirtual } from "../physical";

export type Remote = (argument: u64) => void;

const WAIT_LIMIT_NS: u64 = 100_000_000;
const TLB_FLUSH_ALL: u64 = 0;

const requestLock = memory.data(locks.TICKET_LOCK_BYTES);
const pending = memory.data(4);           // CPUs yet to answer the current request
let remoteFunction: u32 = 0;
let remoteArgument: u64 = 0;
let shootdownAddress: u64 = 0;
let onlineOthers: u32 = 0;

function real(address: usize): u64 { return linearToVirtual(address); }
function answered(): void { cpu.atomicFetchAdd32(real(pending), 0xffffffff); }

function onCallFunction(vector: u32, unused: u32): void {
  const remote = changetype<Remote>(<usize>remoteFunction);
  remote(remoteArgument);
  answered();
}

function onShootdown(vector: u32, unused: u32): void {
  if (shootdownAddress == TLB_FLUSH_ALL) cpu.writeCr3(cpu.readCr3());
  else cpu.invalidatePage(shootdownAddress);
  answered();
}

function onHalt(vector: u32, unused: u32): void {
  cpu.disableInterrupts();
  while (true) cpu.halt();
}

export function init(): void {
  vectors.register(vectors.IPI_CALL_FUNCTION, onCallFunction, 0);
  vectors.register(vectors.IPI_TLB_SHOOTDOWN, onShootdown, 0);
  vectors.register(vectors.IPI_HALT, onHalt, 0);
}

/** How many other CPUs are online to answer (set by smp.ts as they come up). */
export function setOthers(count: u32): void { onlineOthers = count; }

function broadcast(vector: u8): void {
  lapic.sendIpi(0, lapic.ICR_ALL_EXCLUDING_SELF | lapic.DELIVERY_FIXED | vector);
}

/** Sends `vector` to all other CPUs and waits until each has answered; returns
 *  how many did within the bound. */
function request(vector: u8): u32 {
  store<u32>(pending, onlineOthers);
  broadcast(vector);
  const start = clock.nanoseconds();
  while (load<u32>(pending) != 0 && clock.nanoseconds() - start < WAIT_LIMIT_NS) cpu.pause();
  return onlineOthers - load<u32>(pending);
}

/** Runs `remote(argument)` on every other CPU; the number that ran it. With
 *  interrupts off meanwhile: a handler here asking for a shootdown (a lease ending)
 *  would wait for the request lock this CPU holds. */
export function callOthers(remote: Remote, argument: u64): u32 {
  if (onlineOthers == 0) return 0;
  const flags = cpu.saveInterrupts();
  locks.ticketAcquire(requestLock);
  remoteFunction = <u32>changetype<usize>(remote);
  remoteArgument = argument;
  const done = request(vectors.IPI_CALL_FUNCTION);
  locks.ticketRelease(requestLock);
  cpu.restoreInterrupts(flags);
  return done;
}

/** Starts `remote(argument)` on every other CPU without waiting for it (the
 *  benchmark's ping-pong partner); the request lock is held until they finish. */
export function postOthers(remote: Remote, argument: u64): bool {
  if (onlineOthers == 0) return false;
  locks.ticketAcquire(requestLock);
  remoteFunction = <u32>changetype<usize>(remote);
  remoteArgument = argument;
  store<u32>(pending, onlineOthers);
  broadcast(vectors.IPI_CALL_FUNCTION);
  return true;
}

/** Waits for the CPUs of postOthers() to finish and frees the request lock. */
export function waitOthers(): u32 {
  const start = clock.nanoseconds();
  while (load<u32>(pending) != 0 && clock.nanoseconds() - start < WAIT_LIMIT_NS) cpu.pause();
  const done = onlineOthers - load<u32>(pending);
  locks.ticketRelease(requestLock);
  return done;
}

/** Drops `address` (0: everything) from every CPU's TLB, this one included. */
export function shootdown(address: u64): u32 {
  if (address == TLB_FLUSH_ALL) cpu.writeCr3(cpu.readCr3());
  else cpu.invalidatePage(address);
  if (onlineOthers == 0) return 0;
  const flags = cpu.saveInterrupts();               // as in callOthers
  locks.ticketAcquire(requestLock);
  shootdownAddress = address;
  const done = request(vectors.IPI_TLB_SHOOTDOWN);
  locks.ticketRelease(requestLock);
  cpu.restoreInterrupts(flags);
  return done;
}

/** Sends the reschedule IPI to the CPU with APIC id `apicId` (its handler is the
 *  scheduler's); does not wait. */
export function reschedule(apicId: u32): void {
  lapic.sendIpi(apicId, lapic.DELIVERY_FIXED | vectors.IPI_RESCHEDULE);
}

/** True when other CPUs are online (a shootdown has someone to ask). */
export function othersOnline(): bool { return onlineOthers > 0; }

/** Stops every other CPU for good (panic, shutdown); does not wait. */
export function haltOthers(): void { if (onlineOthers > 0) broadcast(vectors.IPI_HALT); }
