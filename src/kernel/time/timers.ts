// timers.ts — high-resolution one-shot timers: a queue of deadlines in TSC ticks
// (nanosecond resolution once converted), the local APIC timer armed for the
// earliest one (TSC-deadline mode where the CPU has it, else one-shot counting
// with a calibrated rate), callbacks run from the timer interrupt, cancellation
// by id. Boot CPU only until SMP gives each CPU its own queue.
import { Errno } from "../../abi";
import { cpu, lapic } from "../../hal";
import * as clock from "../clock";
import * as vectors from "../interrupts/vectors";

export type Callback = (id: u32, context: u32) => void;

const CAPACITY = 64;
const deadlines = memory.data(CAPACITY * 8);     // TSC value; 0 = free slot
const callbacks = memory.data(CAPACITY * 4);
const contexts = memory.data(CAPACITY * 4);
const generations = memory.data(CAPACITY * 2);   // ids are slot | generation << 16
let useDeadlineMode = false;
let apicTicksPerMs: u64 = 0;                     // one-shot mode: APIC timer rate at divide-by-16
let fired: u64 = 0;
let armedFor: u64 = 0;

function deadline(i: i32): u64 { return load<u64>(deadlines + <usize>i * 8); }

/** Chooses the timer mode; `apicRate` is APIC timer ticks per ms (one-shot mode). */
export function init(deadlineMode: bool, apicRate: u64): Errno {
  useDeadlineMode = deadlineMode;
  apicTicksPerMs = apicRate;
  memory.fill(deadlines, 0, CAPACITY * 8);
  return vectors.register(vectors.TIMER_VECTOR, onInterrupt, 0);
}

export function deadlineMode(): bool { return useDeadlineMode; }
export function firedCount(): u64 { return fired; }

function arm(): void {
  let earliest: u64 = 0;
  for (let i = 0; i < CAPACITY; i++) {
    const d = deadline(i);
    if (d != 0 && (earliest == 0 || d < earliest)) earliest = d;
  }
  armedFor = earliest;
  if (earliest == 0) { lapic.timerStop(); return; }
  if (useDeadlineMode) { lapic.timerDeadline(vectors.TIMER_VECTOR, earliest); return; }
  const now = cpu.rdtsc();
  const wait = earliest > now ? clock.ticksToNanoseconds(earliest - now, clock.frequency()) : 0;
  let ticks = wait * apicTicksPerMs / 1_000_000;
  if (ticks > 0xffff_fffe) ticks = 0xffff_fffe;      // re-armed on expiry until the deadline
  lapic.timerOneShot(vectors.TIMER_VECTOR, <u32>ticks + 1);
}

/** A timer firing `nanoseconds` from now; its id, or 0 when the queue is full. */
export function add(nanoseconds: u64, callback: Callback, context: u32): u32 {
  const due = cpu.rdtsc() + clock.nanosecondsToTicks(nanoseconds, clock.frequency()) + 1;
  for (let i = 0; i < CAPACITY; i++) {
    if (deadline(i) != 0) continue;
    store<u64>(deadlines + <usize>i * 8, due);
    store<u32>(callbacks + <usize>i * 4, <u32>changetype<usize>(callback));
    store<u32>(contexts + <usize>i * 4, context);
    const generation = <u32>load<u16>(generations + <usize>i * 2) + 1;
    store<u16>(generations + <usize>i * 2, <u16>generation);
    if (armedFor == 0 || due < armedFor) arm();
    return <u32>i | ((generation & 0xffff) << 16) | 0x8000;    // never 0
  }
  return 0;
}

/** Cancels a pending timer; NotFound if it already fired or never was. */
export function cancel(id: u32): Errno {
  const i = <i32>(id & 0x7fff);
  if (i >= CAPACITY || deadline(i) == 0 || <u32>load<u16>(generations + <usize>i * 2) != (id >> 16)) return Errno.NotFound;
  store<u64>(deadlines + <usize>i * 8, 0);
  arm();
  return Errno.Ok;
}

function onInterrupt(vector: u32, unused: u32): void {
  if (cpu.cpuIndex() != 0) return;     // other CPUs' timers only count, for now
  const now = cpu.rdtsc();
  for (let i = 0; i < CAPACITY; i++) {
    const d = deadline(i);
    if (d == 0 || d > now) continue;
    store<u64>(deadlines + <usize>i * 8, 0);
    fired++;
    const callback = changetype<Callback>(<usize>load<u32>(callbacks + <usize>i * 4));
    callback(<u32>i | (<u32>load<u16>(generations + <usize>i * 2) << 16) | 0x8000, load<u32>(contexts + <usize>i * 4));
  }
  arm();
}

let sleepDone = false;
function wake(id: u32, context: u32): void { sleepDone = true; }

/** Sleeps `nanoseconds` with the CPU halted between interrupts. */
export function sleep(nanoseconds: u64): Errno {
  sleepDone = false;
  if (add(nanoseconds, wake, 0) == 0) return Errno.ResourceExhausted;
  while (!sleepDone) cpu.waitForInterrupt();
  return Errno.Ok;
}
