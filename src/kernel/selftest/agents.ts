// agents.ts — guest scenarios for the agent lifecycle: spawn, clone (memory
// shared copy-on-write, see clone.ts), specialize, kill (everything reclaimed), a failing hook aborting an
// operation, and an agent that traps 100 times in a row restarted with backoff
// and then given up on while another agent keeps running; all audited.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as agents from "../agents";
import * as audit from "../audit";
import * as caps from "../caps";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import { frames } from "../memory";
import * as modules from "../modules";
import { probe } from "../modules";
import * as scheduler from "../sched/scheduler";

const specBuffer = memory.data(agents.lifecycle.Spec.SIZE);
const TRAPS: u32 = 100;
const ROLE_ALL: u32 = 0xff;
const ROLE_READER: u32 = 0x01;

function spec(entry: u32, a: u32, limit: u32): agents.lifecycle.Spec {
  const s = changetype<agents.lifecycle.Spec>(specBuffer);
  s.module = probe.id();
  s.entry = entry;
  s.argumentA = a;
  s.argumentB = 0;
  s.memoryPages = 64;
  s.hint = agents.registry.Hint.Batch;
  s.role = ROLE_ALL;
  s.restartLimit = limit;
  s.backoffNs = 100_000;
  s.backoffCapNs = 2_000_000;
  s.watchdogNs = 0;
  return s;
}

function fail(what: string, value: i64): bool {
  log.begin(log.Level.Error);
  line.text("selftest: agents: ");
  line.text(what);
  line.text(" (");
  line.signed(value);
  line.text(")");
  log.end();
  return false;
}

let vetoKills = false;
function veto(operation: agents.hooks.Operation, agent: i32, other: i32): Errno {
  return vetoKills && operation == agents.hooks.Operation.Kill ? Errno.PermissionDenied : Errno.Ok;
}

function counterOf(agent: i32): u32 {
  const instance = agents.registry.instanceOf(agent);
  return cpu.load32(modules.memoryBase(instance) + <u64>(modules.memorySize(instance) - 4));
}

export function lifecycle(): bool {
  const auditBefore = audit.count();
  const freeBefore = frames.freeFrameCount();
  agents.hooks.register(veto, 10);

  // spawn: a spinner (endless loop at the end of its memory)
  const spinner = agents.lifecycle.spawn(spec(probe.ProbeFunction.Spin, 0xfffc, 0));
  if (spinner < 0) return fail("spawn", spinner);
  scheduler.sleep(20_000_000);
  if (counterOf(spinner) == 0) return fail("the spinner did not run", 0);

  // clone: the copy starts with the parent's memory and the grantable capabilities, attenuated
  const now = clock.nanoseconds();
  const grantable = caps.createRoot(spinner, caps.ObjectKind.IpcEndpoint, 7, caps.Rights.Send | caps.Rights.Grant | caps.Rights.Revoke, caps.NO_EXPIRY, now);
  caps.createRoot(spinner, caps.ObjectKind.Timer, 3, caps.Rights.Read, caps.NO_EXPIRY, now);
  const clone = agents.lifecycle.clone(spinner, spec(probe.ProbeFunction.Size, 0, 0));
  if (clone < 0) return fail("clone", clone);
  if (counterOf(clone) == 0) return fail("the clone did not get the parent's memory", 0);
  if (caps.handleCount(clone) != 1) return fail("clone inherited capabilities", caps.handleCount(clone));
  const inherited = caps.liveHandle(clone, 0);
  if (caps.rightsHeld(clone, inherited, clock.nanoseconds()) != caps.Rights.Send) return fail("inherited rights", caps.rightsHeld(clone, inherited, clock.nanoseconds()));

  // specialize: role bits only shrink, capabilities narrowed
  if (agents.lifecycle.specialize(spinner, ROLE_READER, agents.registry.Hint.Interactive, caps.Rights.Read) != Errno.Ok) return fail("specialize", 0);
  for (let slot = 0; slot < caps.MAX_HANDLES; slot++) {
    const h = caps.liveHandle(spinner, slot);
    if (h != 0 && (caps.rightsHeld(spinner, h, clock.nanoseconds()) & ~caps.Rights.Read) != 0) return fail("specialize left a wider capability", slot);
  }
  if (caps.rightsHeld(spinner, <u32>grantable, clock.nanoseconds()) != 0) return fail("the wide handle survived", 0);
  if (agents.registry.roleOf(spinner) != ROLE_READER) return fail("role", agents.registry.roleOf(spinner));
  agents.lifecycle.specialize(spinner, ROLE_ALL, agents.registry.Hint.Interactive);
  if (agents.registry.roleOf(spinner) != ROLE_READER) return fail("specialize widened a role", agents.registry.roleOf(spinner));

  // a failing hook aborts the operation
  vetoKills = true;
  if (agents.lifecycle.kill(spinner) != Errno.PermissionDenied) return fail("a vetoing hook did not stop kill", 0);
  vetoKills = false;

  // the crasher: traps at once every time (reads far outside its memory)
  const crasher = agents.lifecycle.spawn(spec(probe.ProbeFunction.Read, 0xfffffff0, TRAPS));
  if (crasher < 0) return fail("spawn crasher", crasher);
  const before = counterOf(spinner);
  let waited = 0;
  while (agents.registry.state(crasher) == agents.registry.State.Running && waited < 200) {
    scheduler.sleep(20_000_000);
    waited++;
  }
  if (agents.registry.state(crasher) != agents.registry.State.Failed) return fail("the crasher was not given up on", agents.registry.state(crasher));
  if (agents.registry.restarts(crasher) != TRAPS + 1) return fail("restart count", agents.registry.restarts(crasher));
  if (counterOf(spinner) == before) return fail("the spinner starved while the crasher restarted", 0);

  // kill all: every frame back
  agents.lifecycle.kill(crasher);
  agents.lifecycle.kill(clone);
  if (agents.lifecycle.kill(spinner) != Errno.Ok) return fail("kill", 0);
  if (agents.lifecycle.kill(spinner) != Errno.AgentNotFound) return fail("kill twice", 0);
  agents.hooks.unregister(veto);
  const leaked = <i64>freeBefore - <i64>frames.freeFrameCount();
  line.reset();
  line.text("AIOS agents restarts=");
  line.decimal(TRAPS);
  line.text(" audit_records=");
  line.decimal(audit.count() - auditBefore);
  line.text(" frames_not_back=");
  line.signed(leaked);
  log.publish();
  if (audit.verify() != Errno.Ok) return fail("the audit chain does not verify", 0);
  return leaked <= 32;    // thread stacks' page tables stay
}

/** A watchdog ends an agent's call that runs too long (an endless loop), the
 *  supervisor restarts it like any trap and gives up at the limit; a second agent
 *  without a watchdog keeps running all along. */
export function watchdog(): bool {
  const looping = spec(probe.ProbeFunction.Spin, 0xfffc, 2);
  looping.watchdogNs = 30_000_000;
  const stuck = agents.lifecycle.spawn(looping);
  const steady = agents.lifecycle.spawn(spec(probe.ProbeFunction.Spin, 0xfffc, 0));
  if (stuck < 0 || steady < 0) return fail("spawn", stuck < 0 ? stuck : steady);
  let waited = 0;
  while (agents.registry.state(stuck) == agents.registry.State.Running && waited < 100) {
    scheduler.sleep(20_000_000);
    waited++;
  }
  const trap = agents.registry.lastTrap(stuck);
  const steadyCount = counterOf(steady);
  line.reset();
  line.text("AIOS watchdog last_trap=");
  line.decimal(trap);
  line.text(" restarts=");
  line.decimal(agents.registry.restarts(stuck));
  line.text(" gave_up=");
  line.text(agents.registry.state(stuck) == agents.registry.State.Failed ? "yes" : "no");
  line.text(" other_ran=");
  line.text(steadyCount > 0 ? "yes" : "no");
  log.publish();
  agents.lifecycle.kill(stuck);
  agents.lifecycle.kill(steady);
  return trap == 100 && agents.registry.restarts(stuck) == 3 && steadyCount > 0;
}
