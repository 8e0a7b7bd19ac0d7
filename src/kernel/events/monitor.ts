// monitor.ts — the kernel thread that publishes what interrupt handlers and the
// scheduler only count. Handlers never publish (the bus takes a lock and copies
// into endpoints): dispatch counts every interrupt per CPU and vector
// (interrupts/index.ts), and this thread reads those counts. Every quarter second
// it looks for device vectors that took their first interrupt (published
// retained, once per vector); every second it publishes, per vector that fired
// meanwhile, how many interrupts it took, and a performance sample: each online
// CPU's idle share, frames free, thread switches. So a vector firing 100 000
// times a second still yields one event a second: publication is bounded by the
// number of vectors and CPUs, never by the interrupt rate.
import { x86 } from "../../hal";
import * as clock from "../clock";
import * as interrupts from "../interrupts";
import { frames } from "../memory";
import * as idle from "../platform/idle";
import * as smp from "../platform/smp";
import * as scheduler from "../sched/scheduler";
import * as bus from "./bus";
import { InterruptKind, PerformanceKind } from "./kinds";

const SAMPLE_NS: u64 = 250_000_000;          // first interrupts show within this
const SAMPLES_PER_REPORT: u32 = 4;            // counts and performance: once a second
const PERMILLE: u64 = 1000;
const FIRST_VECTOR = interrupts.vectors.DEVICE_FIRST;
const VECTOR_SPAN = <i32>(interrupts.vectors.DEVICE_LAST - interrupts.vectors.DEVICE_FIRST + 1);
const MAX_CPUS = <i32>x86.MAX_CPUS;

const reportedCounts = memory.data(VECTOR_SPAN * 8);    // a vector's total at its last Count
const announced = memory.data(VECTOR_SPAN);             // its First was published
const lastIdle = memory.data(MAX_CPUS * 8);             // a CPU's idle total at the last sample
let lastReportAt: u64 = 0;
let lastSwitches: u64 = 0;
let samples: u32 = 0;
let thread: i32 = scheduler.NO_THREAD;

/** Starts the monitor thread (once); false when no thread could be had. */
export function start(): bool {
  if (thread != scheduler.NO_THREAD) return true;
  memory.fill(reportedCounts, 0, VECTOR_SPAN * 8);
  memory.fill(announced, 0, VECTOR_SPAN);
  for (let c = 0; c < MAX_CPUS; c++) store<u64>(lastIdle + <usize>c * 8, idle.idleNanoseconds(<u32>c));
  lastReportAt = clock.nanoseconds();
  lastSwitches = scheduler.contextSwitches();
  thread = scheduler.spawn(body, 0);
  return thread != scheduler.NO_THREAD;
}

function body(unused: u32): void {
  while (true) {
    scheduler.sleep(SAMPLE_NS);
    announceFirsts();
    samples++;
    if (samples % SAMPLES_PER_REPORT == 0) {
      reportCounts();
      reportPerformance();
    }
  }
}

/** Publishes (retained) each device vector's first interrupt. */
function announceFirsts(): void {
  for (let i = 0; i < VECTOR_SPAN; i++) {
    if (load<u8>(announced + <usize>i) != 0) continue;
    const total = interrupts.count(FIRST_VECTOR + <u32>i);
    if (total == 0) continue;
    store<u8>(announced + <usize>i, 1);
    bus.publishRetained(bus.Topic.Interrupt, InterruptKind.First, <u64>(FIRST_VECTOR + <u32>i), total);
  }
}

/** One Count per device vector that took interrupts since its last one. */
function reportCounts(): void {
  for (let i = 0; i < VECTOR_SPAN; i++) {
    const total = interrupts.count(FIRST_VECTOR + <u32>i);
    const before = load<u64>(reportedCounts + <usize>i * 8);
    if (total == before) continue;
    store<u64>(reportedCounts + <usize>i * 8, total);
    bus.publish(bus.Topic.Interrupt, InterruptKind.Count, <u64>(FIRST_VECTOR + <u32>i), total - before);
  }
}

function reportPerformance(): void {
  const now = clock.nanoseconds();
  const interval = now - lastReportAt;
  lastReportAt = now;
  for (let c = 0; c < MAX_CPUS; c++) {
    if (!smp.isOnline(c)) continue;
    const total = idle.idleNanoseconds(<u32>c);
    const idleNs = total - load<u64>(lastIdle + <usize>c * 8);
    store<u64>(lastIdle + <usize>c * 8, total);
    const share = interval == 0 ? 0 : idleNs * PERMILLE / interval;
    bus.publish(bus.Topic.Performance, PerformanceKind.CpuIdle, <u64>c, share > PERMILLE ? PERMILLE : share);
  }
  bus.publish(bus.Topic.Performance, PerformanceKind.FramesFree, frames.totalFrames(), frames.freeFrameCount());
  const switches = scheduler.contextSwitches();
  bus.publish(bus.Topic.Performance, PerformanceKind.ContextSwitches, switches, switches - lastSwitches);
  lastSwitches = switches;
}
