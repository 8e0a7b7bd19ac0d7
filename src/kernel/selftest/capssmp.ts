// capssmp.ts — guest scenario "caps-smp" (two CPUs or more): aios.cap_check, which
// checks without the kernel lock inside the capability tables' sequence counter
// (caps/version.ts), raced against changes made from another CPU. An agent pinned
// to CPU 1 calls it in a loop on one handle (probe revokeRace) while this thread,
// pinned to CPU 0, first churns other capabilities of the same agent (every change
// moves the counter, so some of the agent's calls see it move and take the locked
// way) and then revokes the handle. A call that returned before the revoke began
// must have passed; a call that began after revoke() returned must be denied
// (Revoked); and nothing may crash. ROUNDS rounds, a fresh handle each. Last, the
// same loop of calls on a thread with a watchdog: the watchdog ends it as a trap
// of the agent's (an interrupt inside the kernel's unlocked part of a call must
// not end it there, where no unwind target is set: that would be a panic). And
// aios.clock_ns, also served without the lock, moves forward.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as agents from "../agents";
import * as caps from "../caps";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import * as modules from "../modules";
import { probe } from "../modules";
import * as smp from "../platform/smp";
import * as scheduler from "../sched/scheduler";
import * as probeAgent from "./probeagent";

const ROUNDS = 4;
const CPU0: u64 = 1;
const CPU1: u64 = 2;
/** Where in the agent's memory the shared words are (probe revokeRace's layout). */
const WORDS: u32 = 0x4000;
const REVOKING: u64 = 0;
const REVOKED: u64 = 4;
const PASSED: u64 = 8;
const EARLY_DENIALS: u64 = 12;
const LATE_PASSES: u64 = 16;
const LAST_ERROR: u64 = 20;
const WORD_BYTES: u64 = 24;
/** Calls that must have passed before the revoke starts: the loop is running. */
const WARM_CALLS: u32 = 500;
const CHURN_BURSTS = 20;
const CHURN_PER_BURST = 16;
const CHURN_PAUSE_NS: u64 = 200_000;
const POLL_NS: u64 = 1_000_000;
/** Far beyond what any step needs; only a real failure (or a stalled host) hits it. */
const STALL_LIMIT_NS: u64 = 5_000_000_000;

let raceInstance: u32 = 0;
let raceHandle: u32 = 0;
let raceLatePasses: u32 = 0;
let raceDone = false;
let watchedResult: u32 = 0;
/** The watchdog for the last part: a few timer ticks. */
const WATCHDOG_NS: u64 = 30_000_000;
const ENDLESS_CALLS: u32 = 0xffff_ffff;
const TRAP_WATCHDOG: u32 = 100;        // trap.ts TrapKind.Watchdog
const WATCHED_ROUNDS = 4;

function fail(what: string): bool {
  log.begin(log.Level.Error);
  line.text("selftest: caps-smp: ");
  line.text(what);
  log.end();
  return false;
}

@inline function word(offset: u64): u64 { return modules.memoryBase(raceInstance) + <u64>WORDS + offset; }

/** The racing thread, pinned to CPU 1: the agent's loop, then done. */
function raceBody(unused: u32): void {
  raceLatePasses = modules.call(raceInstance, probe.ProbeFunction.RevokeRace, raceHandle, WORDS);
  raceDone = true;
}

/** The watched thread, pinned to CPU 1: calls without end, until its watchdog. */
function watchedBody(unused: u32): void {
  watchedResult = modules.call(raceInstance, probe.ProbeFunction.CheckedCalls, raceHandle, ENDLESS_CALLS);
  raceDone = true;
}

type Check = () => bool;
function waitFor(done: Check): bool {
  const start = clock.nanoseconds();
  while (!done()) {
    if (clock.nanoseconds() - start > STALL_LIMIT_NS) return false;
    scheduler.sleep(POLL_NS);
  }
  return true;
}
function warm(): bool { return cpu.load32(word(PASSED)) >= WARM_CALLS; }
function finished(): bool { return raceDone; }

/** Capability changes for the same agent, in bursts with pauses between (the
 *  agent's locked calls need the lock this thread holds while it changes them). */
function churn(agent: i32): bool {
  for (let burst = 0; burst < CHURN_BURSTS; burst++) {
    for (let i = 0; i < CHURN_PER_BURST; i++) {
      const other = caps.createRoot(agent, caps.ObjectKind.Timer, <u64>i, caps.Rights.Read, caps.NO_EXPIRY, clock.nanoseconds());
      if (other < 0) return fail("createRoot refused during the churn");
      if (caps.drop(agent, <u32>other) != Errno.Ok) return fail("drop refused during the churn");
    }
    scheduler.sleep(CHURN_PAUSE_NS);
  }
  return true;
}

/** One round: a fresh handle, the race, the verdict. */
function round(agent: i32, index: i32): bool {
  const handle = caps.createRoot(agent, caps.ObjectKind.Agent, <u64>agent, caps.Rights.Read | caps.Rights.Revoke, caps.NO_EXPIRY, clock.nanoseconds());
  if (handle < 0) return fail("no handle");
  for (let offset: u64 = 0; offset < WORD_BYTES; offset += 4) cpu.store32(word(offset), 0);
  raceHandle = <u32>handle;
  raceDone = false;
  const thread = scheduler.spawn(raceBody, 0);
  if (thread < 0 || scheduler.setAffinity(thread, CPU1) != Errno.Ok) return fail("no racing thread on CPU 1");
  if (!waitFor(warm)) return fail("the agent's calls did not start passing");
  if (!churn(agent)) return false;
  cpu.store32(word(REVOKING), 1);
  const revoked = caps.revoke(agent, <u32>handle, clock.nanoseconds());
  cpu.store32(word(REVOKED), 1);
  if (revoked != Errno.Ok) return fail("revoke refused");
  if (!waitFor(finished)) return fail("the agent's loop did not end");
  const passed = cpu.load32(word(PASSED));
  const early = cpu.load32(word(EARLY_DENIALS));
  const late = cpu.load32(word(LATE_PASSES));
  const error = cpu.load32(word(LAST_ERROR));
  line.reset();
  line.text("AIOS caps-smp round=");
  line.decimal(<u32>index);
  line.text(" passed=");
  line.decimal(passed);
  line.text(" early_denials=");
  line.decimal(early);
  line.text(" late_passes=");
  line.decimal(late);
  line.text(" last_error=");
  line.decimal(error);
  line.text(" ran_on=");
  line.hex(scheduler.cpusRanOn(thread));
  log.publish();
  if (late != 0 || raceLatePasses != 0) return fail("a call that began after revoke() returned passed");
  if (early != 0) return fail("a call was denied before the revoke began");
  if (error != <u32>Errno.Revoked) return fail("the handle was not denied as Revoked");
  if (scheduler.cpusRanOn(thread) != CPU1) return fail("the racing thread left CPU 1");
  return caps.drop(agent, <u32>handle) == Errno.Ok || fail("the tombstone could not be dropped");
}

/** Capability-checked calls without end under a watchdog: ended as a trap. */
function watched(agent: i32): bool {
  const handle = caps.createRoot(agent, caps.ObjectKind.Agent, <u64>agent, caps.Rights.Read, caps.NO_EXPIRY, clock.nanoseconds());
  if (handle < 0) return fail("no handle");
  raceHandle = <u32>handle;
  raceDone = false;
  const thread = scheduler.spawn(watchedBody, 0);
  if (thread < 0 || scheduler.setAffinity(thread, CPU1) != Errno.Ok) return fail("no watched thread on CPU 1");
  scheduler.setWatchdog(thread, WATCHDOG_NS);
  if (!waitFor(finished)) return fail("the watchdog did not end the calls");
  const trap = modules.trapOf(raceInstance);
  line.reset();
  line.text("AIOS caps-smp watchdog last_trap=");
  line.decimal(trap);
  log.publish();
  if (trap != TRAP_WATCHDOG) return fail("the calls did not end by the watchdog");
  return caps.drop(agent, <u32>handle) == Errno.Ok || fail("the handle could not be dropped");
}

export function revokeRace(): bool {
  const cpus = <i32>smp.onlineCpus();
  if (cpus < 2 || scheduler.cpusJoined() != cpus) return fail("needs two CPUs or more, all running threads");
  const me = scheduler.currentThread();
  if (scheduler.setAffinity(me, CPU0) != Errno.Ok) return fail("could not pin this thread to CPU 0");
  scheduler.sleep(POLL_NS);                       // moves there if it was elsewhere
  const agent = probeAgent.spawnIdle();
  if (agent < 0) return fail("no probe agent");
  raceInstance = agents.registry.instanceOf(agent);
  // aios.clock_ns is served without the lock too: it moves forward across a log call
  if (modules.call(raceInstance, probe.ProbeFunction.Hello) != 1) return fail("aios.clock_ns did not move forward");
  let ok = true;
  for (let i = 0; i < ROUNDS && ok; i++) ok = round(agent, i);
  // each watchdog firing is one interrupt at a random point of the loop, which
  // spends a good part of its time in the kernel's part of the calls: several
  for (let i = 0; i < WATCHED_ROUNDS && ok; i++) ok = watched(agent);
  ok = ok && caps.verify() == Errno.Ok;
  agents.lifecycle.kill(agent);
  scheduler.setAffinity(me, scheduler.ALL_CPUS);
  return ok;
}
