// benchplatform.ts — in-guest platform benchmarks (scenario "bench-platform",
// run by `npm run bench` with two CPUs), each as median and p99 of SAMPLES:
//   timer: local APIC timer interrupt latency, from the deadline to the callback
//   ipi:   call-function IPI round trip to the other CPUs and back
//   lock:  ticket-lock hand-off between two CPUs (half a ping-pong round trip)
//   ipc:   blocking IPC round trip between two threads, both on CPU 0 and with the
//          partner pinned to CPU 1 (wake-up IPI, idle halt and kernel lock included)
//   switch: context switch between two threads yielding on CPU 0
import { cpu } from "../../hal";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import * as ipi from "../platform/ipi";
import * as smp from "../platform/smp";
import * as locks from "../sync/locks";
import * as timers from "../time/timers";
import * as scheduler from "../sched/scheduler";
import * as smpsched from "./smpsched";

const SAMPLES = 200;
const IPC_ROUNDS: u32 = 1000;
const samples = memory.data(SAMPLES * 8);
const pingLock = memory.data(locks.TICKET_LOCK_BYTES);
const turn = memory.data(4);             // 0: the boot CPU's move, 1: the partner's
let expectedTsc: u64 = 0;
let latencyTicks: u64 = 0;
let done = false;

function sortSamples(count: i32): void {
  for (let i = 1; i < count; i++) {
    const value = load<u64>(samples + <usize>i * 8);
    let j = i - 1;
    while (j >= 0 && load<u64>(samples + <usize>j * 8) > value) {
      store<u64>(samples + <usize>(j + 1) * 8, load<u64>(samples + <usize>j * 8));
      j--;
    }
    store<u64>(samples + <usize>(j + 1) * 8, value);
  }
}

function report(name: string, scaleDown: u64): void {
  sortSamples(SAMPLES);
  const hz = clock.frequency();
  line.reset();
  line.text("AIOS bench ");
  line.text(name);
  line.text(" samples=");
  line.decimal(SAMPLES);
  line.text(" median_ns=");
  line.decimal(clock.ticksToNanoseconds(load<u64>(samples + <usize>(SAMPLES / 2) * 8), hz) / scaleDown);
  line.text(" p99_ns=");
  line.decimal(clock.ticksToNanoseconds(load<u64>(samples + <usize>(SAMPLES * 99 / 100) * 8), hz) / scaleDown);
  log.publish();
}

function onTimer(id: u32, context: u32): void {
  latencyTicks = cpu.rdtsc() - expectedTsc;
  done = true;
}

function noop(argument: u64): void {}

function partner(rounds: u64): void {
  for (let i: u64 = 0; i < rounds; i++) {
    while (true) {
      locks.ticketAcquire(pingLock);
      if (load<u32>(turn) == 1) break;
      locks.ticketRelease(pingLock);
      cpu.pause();
    }
    store<u32>(turn, 0);
    locks.ticketRelease(pingLock);
  }
}

// ---- context switch: two threads yielding to each other
const SWITCHES: i32 = 2000;
let partnerYields = true;
function yielder(unused: u32): void {
  while (partnerYields) scheduler.yieldNow();
}

function switchCost(): void {
  partnerYields = true;
  const partner = scheduler.spawn(yielder, 0);
  scheduler.setAffinity(partner, 1);    // beside this thread, on CPU 0
  scheduler.yieldNow();                 // let it start
  const start = cpu.rdtsc();
  for (let i = 0; i < SWITCHES; i++) scheduler.yieldNow();
  const ticks = cpu.rdtsc() - start;
  partnerYields = false;
  scheduler.yieldNow();
  scheduler.kill(partner);
  line.reset();
  line.text("AIOS bench switch yields=");
  line.decimal(<u64>SWITCHES);
  line.text(" ns_per_switch=");
  // each yield is a switch there and one back
  line.decimal(clock.ticksToNanoseconds(ticks, clock.frequency()) / <u64>(SWITCHES * 2));
  log.publish();
}

export function platformBenchmarks(): bool {
  switchCost();
  const delay: u64 = 200_000;     // 200 µs ahead
  for (let i = 0; i < SAMPLES; i++) {
    done = false;
    expectedTsc = cpu.rdtsc() + clock.nanosecondsToTicks(delay, clock.frequency());
    timers.add(delay, onTimer, 0);
    while (!done) cpu.waitForInterrupt();
    store<u64>(samples + <usize>i * 8, latencyTicks);
  }
  report("timer", 1);

  if (smp.onlineCpus() < 2) {
    log.warn("bench: one CPU online; no IPI or lock figures");
    return true;
  }
  for (let i = 0; i < SAMPLES; i++) {
    const start = cpu.rdtsc();
    if (ipi.callOthers(noop, 0) != smp.onlineCpus() - 1) return false;
    store<u64>(samples + <usize>i * 8, cpu.rdtsc() - start);
  }
  report("ipi", 1);

  store<u32>(turn, 0);
  if (!ipi.postOthers(partner, <u64>SAMPLES)) return false;
  for (let i = 0; i < SAMPLES; i++) {
    const start = cpu.rdtsc();
    locks.ticketAcquire(pingLock);
    store<u32>(turn, 1);
    locks.ticketRelease(pingLock);
    while (true) {
      locks.ticketAcquire(pingLock);
      if (load<u32>(turn) == 0) break;
      locks.ticketRelease(pingLock);
      cpu.pause();
    }
    locks.ticketRelease(pingLock);
    store<u64>(samples + <usize>i * 8, cpu.rdtsc() - start);
  }
  ipi.waitOthers();
  report("lock", 2);                // a round trip is two hand-offs

  const sameCpu = smpsched.pingPongRoundTrip(IPC_ROUNDS, 0);
  const crossCpu = smpsched.pingPongRoundTrip(IPC_ROUNDS, 1);
  line.reset();
  line.text("AIOS bench ipc-cpus roundtrips=");
  line.decimal(<u64>IPC_ROUNDS);
  line.text(" same_cpu_ns=");
  line.decimal(sameCpu);
  line.text(" cross_cpu_ns=");
  line.decimal(crossCpu);
  log.publish();
  return sameCpu > 0 && crossCpu > 0;
}
