// sched.ts — guest scenario for preemption: two agents stuck in endless loops in
// their own module instances cannot starve each other or the kernel thread that
// sleeps while they run; both are then killed and their resources reclaimed.
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import { cpu } from "../../hal";
import { pools } from "../memory";
import * as modules from "../modules";
import { probe } from "../modules";
import * as scheduler from "../sched/scheduler";
import * as mutex from "../sched/mutex";

const WATCH_NS: u64 = 300_000_000;

function agentBody(instance: u32): void {
  const offset = modules.memorySize(instance) - 4;
  modules.call(instance, probe.ProbeFunction.Spin, offset);
}

function counter(instance: u32): u32 {
  return cpu.load32(modules.memoryBase(instance) + <u64>(modules.memorySize(instance) - 4));
}

export function preemption(): bool {
  const a = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  const b = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  const ta = scheduler.spawn(agentBody, a);
  const tb = scheduler.spawn(agentBody, b);
  if (ta < 0 || tb < 0) { log.error("selftest: could not spawn the agent threads"); return false; }
  const start = clock.nanoseconds();
  scheduler.sleep(WATCH_NS);
  const slept = clock.nanoseconds() - start;
  const countA = counter(a);
  const countB = counter(b);
  const runA = scheduler.runtimeOf(ta);
  const runB = scheduler.runtimeOf(tb);
  scheduler.kill(ta);
  scheduler.kill(tb);
  modules.destroy(a);
  modules.destroy(b);
  line.reset();
  line.text("AIOS preempt slept_ms=");
  line.decimal(slept / 1_000_000);
  line.text(" agent_a=");
  line.decimal(countA);
  line.text(" agent_b=");
  line.decimal(countB);
  line.text(" run_a_ms=");
  line.decimal(runA / 1_000_000);
  line.text(" run_b_ms=");
  line.decimal(runB / 1_000_000);
  log.publish();
  const fair = runA > 0 && runB > 0 && runA < runB * 2 && runB < runA * 2;
  const onTime = slept < WATCH_NS + WATCH_NS / 2;
  return countA > 0 && countB > 0 && fair && onTime;
}

/** EDF: a thread reserved 6 ms of every 10 ms gets its share beside two fair-share
 *  threads in endless loops; a reservation that would overcommit is refused. */
export function deadlines(): bool {
  const a = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  const b = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  const c = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  const ta = scheduler.spawn(agentBody, a);
  const tb = scheduler.spawn(agentBody, b);
  const tc = scheduler.spawn(agentBody, c);
  const admitted = scheduler.reserve(tc, 6_000_000, 10_000_000);
  const refused = scheduler.reserve(ta, 5_000_000, 10_000_000);
  scheduler.sleep(WATCH_NS);
  const runA = scheduler.runtimeOf(ta);
  const runB = scheduler.runtimeOf(tb);
  const runC = scheduler.runtimeOf(tc);
  scheduler.kill(ta);
  scheduler.kill(tb);
  scheduler.kill(tc);
  modules.destroy(a);
  modules.destroy(b);
  modules.destroy(c);
  const total = runA + runB + runC;
  line.reset();
  line.text("AIOS edf reserved_share_pct=");
  line.decimal(total == 0 ? 0 : runC * 100 / total);
  line.text(" fair_a_ms=");
  line.decimal(runA / 1_000_000);
  line.text(" fair_b_ms=");
  line.decimal(runB / 1_000_000);
  line.text(" admitted=");
  line.text(admitted == 0 ? "yes" : "no");
  line.text(" overcommit_refused=");
  line.text(refused != 0 ? "yes" : "no");
  log.publish();
  return admitted == 0 && refused != 0 && runC * 100 >= total * 55 && runA > 0 && runB > 0;
}

// ---- priority inheritance: a light thread holds a mutex through a long stretch
// of agent code while two middle-weight agents spin; a heavy thread then waits for
// the mutex. With inheritance the light owner runs with the heavy weight and
// finishes quickly; without it, at 1/128 of the others' weight, it would take
// seconds.
const lock = memory.data(mutex.MUTEX_BYTES);
let lightInstance: u32 = 0;
let heavyWaitedNs: u64 = 0;
let heavyDone = false;

function lightBody(unused: u32): void {
  mutex.lock(lock);
  modules.call(lightInstance, probe.ProbeFunction.Matrix, 64, 40);    // ~90 ms of agent code, preemptible
  mutex.unlock(lock);
}

function heavyBody(unused: u32): void {
  const start = clock.nanoseconds();
  mutex.lock(lock);
  heavyWaitedNs = clock.nanoseconds() - start;
  mutex.unlock(lock);
  heavyDone = true;
}

export function priorityInheritance(): bool {
  mutex.init(lock);
  lightInstance = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  modules.grow(lightInstance, 1);
  const a = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  const b = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  const light = scheduler.spawn(lightBody, 0, 8);
  scheduler.sleep(5_000_000);                          // the light thread takes the mutex
  const ta = scheduler.spawn(agentBody, a, 1024);
  const tb = scheduler.spawn(agentBody, b, 1024);
  scheduler.sleep(5_000_000);
  heavyDone = false;
  const heavy = scheduler.spawn(heavyBody, 0, 8192);
  let waited = 0;
  while (!heavyDone && waited < 300) { scheduler.sleep(10_000_000); waited++; }
  scheduler.kill(ta);
  scheduler.kill(tb);
  modules.destroy(a);
  modules.destroy(b);
  modules.destroy(lightInstance);
  line.reset();
  line.text("AIOS pi heavy_waited_ms=");
  line.decimal(heavyWaitedNs / 1_000_000);
  line.text(" done=");
  line.text(heavyDone ? "yes" : "no");
  log.publish();
  return heavyDone && heavyWaitedNs < 1_000_000_000 && light >= 0 && heavy >= 0;
}
