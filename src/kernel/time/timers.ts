// timers.ts — high-resolution one-shot timers: a table of deadlines in TSC ticks
// (nanosecond resolution once converted), each owned by the CPU that added it and
// fired by that CPU's local APIC timer, armed for its earliest one (TSC-deadline
// mode where the CPU has it, else one-shot counting with a calibrated rate);
// callbacks run from the timer interrupt on that CPU, cancellation by id from any.
// The table is kernel state under the kernel lock (sync/kernellock.ts).
import { Errno } from "../../abi";
import { cpu, lapic, x86 } from "../../hal";
import * as clock from "../clock";
import * as vectors from "../interrupts/vectors";
import * as kernelLock from "../sync/kernellock";

export type Callback = (id: u32, context: u32) => void;

const CAPACITY = 128;
const MAX_CPUS = <i32>x86.MAX_CPUS;
const deadlines = memory.data(CAPACITY * 8);     // TSC value; 0 = free slot
const callbacks = memory.data(CAPACITY * 4);
const contexts = memory.data(CAPACITY * 4);
const owners = memory.data(CAPACITY);            // the CPU whose local timer fires it
const generations = memory.data(CAPACITY * 2);   // ids are slot | generation << 16
const armedFor = memory.data(MAX_CPUS * 8);      // per CPU: the deadline its timer is set to, 0 = none
let useDeadlineMode = false;
let apicTicksPerMs: u64 = 0;                     // one-shot mode: APIC timer rate at divide-by-16
let fired: u64 = 0;

function deadline(i: i32): u64 { return load<u64>(deadlines + <usize>i * 8); }
function here(): i32 { return <i32>cpu.cpuIndex(); }

/** Chooses the timer mode; `apicRate` is APIC timer ticks per ms (one-shot mode),
 *  the same on every CPU. */
export function init(deadlineMode: bool, apicRate: u64): Errno {
  useDeadlineMode = deadlineMode;
  apicTicksPerMs = apicRate;
  memory.fill(deadlines, 0, CAPACITY * 8);
  return vectors.register(vectors.TIMER_VECTOR, onInterrupt, 0);
}

export function deadlineMode(): bool { return useDeadlineMode; }
export function firedCount(): u64 { return fired; }

/** Sets this CPU's local timer for its earliest timer. */
function arm(): void {
  const me = here();
  let earliest: u64 = 0;
  for (let i = 0; i < CAPACITY; i++) {
    const d = deadline(i);
    if (d != 0 && <i32>load<u8>(owners + <usize>i) == me && (earliest == 0 || d < earliest)) earliest = d;
  }
  store<u64>(armedFor + <usize>me * 8, earliest);
  if (earliest == 0) { lapic.timerStop(); return; }
  if (useDeadlineMode) { lapic.timerDeadline(vectors.TIMER_VECTOR, earliest); return; }
  const now = cpu.rdtsc();
  const wait = earliest > now ? clock.ticksToNanoseconds(earliest - now, clock.frequency()) : 0;
  let ticks = wait * apicTicksPerMs / 1_000_000;
  if (ticks > 0xffff_fffe) ticks = 0xffff_fffe;      // re-armed on expiry until the deadline
  lapic.timerOneShot(vectors.TIMER_VECTOR, <u32>ticks + 1);
}

/** A timer firing `nanoseconds` from now on this CPU; its id, or 0 when the table is full. */
export function add(nanoseconds: u64, callback: Callback, context: u32): u32 {
  const due = cpu.rdtsc() + clock.nanosecondsToTicks(nanoseconds, clock.frequency()) + 1;
  for (let i = 0; i < CAPACITY; i++) {
    if (deadline(i) != 0) continue;
    store<u64>(deadlines + <usize>i * 8, due);
    store<u32>(callbacks + <usize>i * 4, <u32>changetype<usize>(callback));
    store<u32>(contexts + <usize>i * 4, context);
    store<u8>(owners + <usize>i, <u8>here());
    const generation = <u32>load<u16>(generations + <usize>i * 2) + 1;
    store<u16>(generations + <usize>i * 2, <u16>generation);
    const armed = load<u64>(armedFor + <usize>here() * 8);
    if (armed == 0 || due < armed) arm();
    return <u32>i | ((generation & 0xffff) << 16) | 0x8000;    // never 0
  }
  return 0;
}

/** Cancels a pending timer; NotFound if it already fired or never was. Another
 *  CPU's timer may still interrupt once for it, and finds nothing due. */
export function cancel(id: u32): Errno {
  const i = <i32>(id & 0x7fff);
  if (i >= CAPACITY || deadline(i) == 0 || <u32>load<u16>(generations + <usize>i * 2) != (id >> 16)) return Errno.NotFound;
  store<u64>(deadlines + <usize>i * 8, 0);
  if (<i32>load<u8>(owners + <usize>i) == here()) arm();
  return Errno.Ok;
}

function onInterrupt(vector: u32, unused: u32): void {
  const me = here();
  const now = cpu.rdtsc();
  for (let i = 0; i < CAPACITY; i++) {
    const d = deadline(i);
    if (d == 0 || d > now || <i32>load<u8>(owners + <usize>i) != me) continue;
    store<u64>(deadlines + <usize>i * 8, 0);
    fired++;
    const callback = changetype<Callback>(<usize>load<u32>(callbacks + <usize>i * 4));
    callback(<u32>i | (<u32>load<u16>(generations + <usize>i * 2) << 16) | 0x8000, load<u32>(contexts + <usize>i * 4));
  }
  arm();
}

const sleepDone = memory.data(MAX_CPUS);
function wake(id: u32, cpuIndex: u32): void { store<u8>(sleepDone + <usize>cpuIndex, 1); }

/** Sleeps `nanoseconds` with this CPU halted between interrupts, and without the
 *  kernel lock meanwhile: other CPUs may run kernel code while it waits. */
export function sleep(nanoseconds: u64): Errno {
  const me = here();
  const flags = cpu.saveInterrupts();
  store<u8>(sleepDone + <usize>me, 0);
  if (add(nanoseconds, wake, <u32>me) == 0) { cpu.restoreInterrupts(flags); return Errno.ResourceExhausted; }
  while (load<u8>(sleepDone + <usize>me) == 0) {
    const held = kernelLock.suspend();
    cpu.waitForInterrupt();            // sti; hlt: the timer cannot fire between the check and the halt
    cpu.disableInterrupts();
    kernelLock.resume(held);
  }
  cpu.restoreInterrupts(flags);
  return Errno.Ok;
}
