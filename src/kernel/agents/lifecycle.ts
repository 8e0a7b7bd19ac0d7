// lifecycle.ts — spawn, clone, merge, split, upgrade, specialize and kill, each run through the
// lifecycle hooks first (a failing hook aborts it, nothing changed) and audited
// with its outcome. An agent's thread runs its entry export; when the module
// traps, the same thread is its supervisor: it records the trap, waits the
// backoff, and restarts the agent on a fresh instance, until the restart limit,
// when it gives up with the reason logged and audited. Other agents run on.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as audit from "../audit";
import * as caps from "../caps";
import * as events from "../events";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import { modulememory, pools } from "../memory";
import * as modules from "../modules";
import * as ipi from "../platform/ipi";
import * as scheduler from "../sched/scheduler";
import * as hooks from "./hooks";
import * as registry from "./registry";

const WASM_PAGE: u64 = 65536;
/** ipi.shootdown's "every address". */
const TLB_EVERYTHING: u64 = 0;
/** Weights the scheduler gives the hints: interactive work runs twice as often. */
const WEIGHT_BATCH: u32 = 512;
const WEIGHT_INTERACTIVE: u32 = 2048;
const WEIGHT_LOW_LATENCY: u32 = 4096;

/** What an agent is spawned with. Unmanaged (the kernel has no garbage
 *  collector): callers fill one in static memory, e.g. changetype<Spec>(memory.data(Spec.SIZE)). */
@unmanaged export class Spec {
  static readonly SIZE: i32 = 72;
  module: u32;            // from modules.registry.find()
  entry: u32;             // export number the agent runs
  argumentA: u32;
  argumentB: u32;
  memoryPages: u64;       // quota, 4 KiB pages
  hint: registry.Hint;
  role: u32;
  restartLimit: u32;
  backoffNs: u64;
  backoffCapNs: u64;
  watchdogNs: u64;        // one call of the agent's entry may run this long (0: no limit)
}

/** Audits a lifecycle step and, when it succeeded, publishes it on the lifecycle
 *  topic (the event kind is the audit kind). */
function note(kind: audit.EventKind, agent: i32, object: u64, result: Errno): void {
  audit.append(kind, <u64>agent, object, result, 0, 0);
  if (result == Errno.Ok) events.bus.publish(events.bus.Topic.Lifecycle, <u32>kind, <u64>agent, object);
}

function weightFor(hint: registry.Hint): u32 {
  if (hint == registry.Hint.Interactive) return WEIGHT_INTERACTIVE;
  if (hint == registry.Hint.LowLatency) return WEIGHT_LOW_LATENCY;
  return WEIGHT_BATCH;
}

/** What else the hint changes in scheduling: slices and wake-ups (sched/hints.ts). */
function classFor(hint: registry.Hint): scheduler.Class {
  if (hint == registry.Hint.Interactive) return scheduler.Class.Interactive;
  if (hint == registry.Hint.LowLatency) return scheduler.Class.LowLatency;
  return scheduler.Class.Batch;
}

/** The agent's thread, with its hint's weight and class; NO_THREAD when none is free. */
function spawnThread(agent: i32): i32 {
  const thread = scheduler.spawn(body, <u32>agent, registry.weightOf(agent));
  if (thread != scheduler.NO_THREAD) scheduler.setClass(thread, classFor(registry.hintOf(agent)));
  return thread;
}

/** The agent's thread: run, and supervise its restarts. */
function body(agent: u32): void {
  const id = <i32>agent;
  while (registry.state(id) == registry.State.Running) {
    const instance = registry.instanceOf(id);
    modules.call(instance, registry.entryOf(id), registry.argumentA(id), registry.argumentB(id));
    const trap = modules.trapOf(instance);
    if (trap == 0) {
      note(audit.EventKind.AgentExit, id, 0, Errno.Ok);
      registry.setState(id, registry.State.Exited);
      return;
    }
    registry.setLastTrap(id, trap);
    note(audit.EventKind.AgentTrap, id, <u64>trap, Errno.Ok);
    const n = registry.countRestart(id);
    if (n > registry.restartLimit(id)) {
      log.begin(log.Level.Warn);
      line.text("agents: agent ");
      line.decimal(id);
      line.text(" trapped ");
      line.decimal(n);
      line.text(" times in a row; giving up");
      log.end();
      note(audit.EventKind.AgentKill, id, <u64>trap, Errno.ResourceExhausted);
      registry.setState(id, registry.State.Failed);
      return;
    }
    scheduler.sleep(registry.backoff(id, n));
    if (registry.state(id) != registry.State.Running) return;
    modules.destroy(instance);
    const fresh = modules.instantiate(registry.moduleOf(id), registry.poolOf(id));
    if (fresh == modules.NO_INSTANCE) {
      note(audit.EventKind.AgentRestart, id, 0, Errno.ResourceExhausted);
      registry.setState(id, registry.State.Failed);
      return;
    }
    registry.setInstance(id, fresh);
    note(audit.EventKind.AgentRestart, id, <u64>n, Errno.Ok);
  }
}

/** Reclaims what a stopped agent holds: instance, capability table, pool. */
function reclaim(agent: i32): void {
  const instance = registry.instanceOf(agent);
  if (instance != modules.NO_INSTANCE) modules.destroy(instance);
  registry.setInstance(agent, modules.NO_INSTANCE);
  caps.closeAgent(agent);
  pools.destroy(registry.poolOf(agent));
}

function start(agent: i32, spec: Spec, instance: u32, pool: i32): Errno {
  registry.setModule(agent, spec.module);
  registry.setInstance(agent, instance);
  registry.setPool(agent, pool);
  registry.setEntry(agent, spec.entry, spec.argumentA, spec.argumentB);
  registry.setHint(agent, spec.hint);
  registry.setWeight(agent, weightFor(spec.hint));
  registry.setRole(agent, spec.role);
  registry.setRestartPolicy(agent, spec.restartLimit, spec.backoffNs, spec.backoffCapNs);
  const opened = caps.openAgent(agent, clock.nanoseconds());
  if (opened != Errno.Ok) return opened;
  const thread = spawnThread(agent);
  if (thread == scheduler.NO_THREAD) return Errno.ResourceExhausted;
  scheduler.setWatchdog(thread, spec.watchdogNs);
  registry.setThread(agent, thread);
  return Errno.Ok;
}

/** A new agent from `spec`; its id, or -Errno. */
export function spawn(spec: Spec): i32 { return launch(spec, registry.NONE); }

/** spawn(), and when `parent` is an agent, the new one's memory starts as the
 *  parent's (before its thread first runs). */
function launch(spec: Spec, parent: i32): i32 {
  const agent = registry.claim();
  if (agent == registry.NONE) return -(<i32>Errno.ResourceExhausted);
  let result = hooks.run(hooks.Operation.Spawn, agent, registry.NONE);
  let instance = modules.NO_INSTANCE;
  let pool: i32 = -1;
  if (result == Errno.Ok) {
    pool = pools.create(spec.memoryPages);
    instance = pool < 0 ? modules.NO_INSTANCE : modules.instantiate(spec.module, pool);
    if (instance == modules.NO_INSTANCE) result = Errno.MemoryLimitExceeded;
  }
  if (result == Errno.Ok && parent != registry.NONE) result = inheritMemory(registry.instanceOf(parent), instance);
  if (result == Errno.Ok) result = start(agent, spec, instance, pool);
  note(audit.EventKind.AgentSpawn, agent, <u64>spec.module, result);
  if (result != Errno.Ok) {
    registry.setInstance(agent, instance);
    registry.setPool(agent, pool);
    reclaim(agent);
    registry.release(agent);
    return -(<i32>result);
  }
  return agent;
}

/** Gives instance `to` the memory of `from`: as large, on the same frames shared
 *  copy-on-write (modulememory.shareFrom); pages `from` never touched stay
 *  unmapped. Every CPU then forgets `from`'s writable translations, which now
 *  must fault. */
function inheritMemory(from: u32, to: u32): Errno {
  const size = <u64>modules.memorySize(from);
  const have = <u64>modules.memorySize(to);
  if (size > have && modules.grow(to, <u32>((size - have) / WASM_PAGE)) == modules.NO_INSTANCE) return Errno.MemoryLimitExceeded;
  const shared = modulememory.shareFrom(modules.memoryBase(from), modules.memoryBase(to));
  ipi.shootdown(TLB_EVERYTHING);
  return shared < 0 ? <Errno>(<i32>(-shared)) : Errno.Ok;
}

/** Stops `agent`'s thread wherever it runs (scheduler.suspend), so its memory and
 *  instance hold still while the kernel copies or calls into them; whether it was
 *  stopped here, for resumeAgent. */
function pauseAgent(agent: i32): bool { return scheduler.suspend(registry.threadOf(agent)); }
function resumeAgent(agent: i32, paused: bool): void { if (paused) scheduler.resume(registry.threadOf(agent)); }

/** A new agent running the same module on `parent`'s memory, shared copy-on-write
 *  (a write by either gives the writer its own copy of that page), and the same
 *  spec. The parent is paused meanwhile, so the clone's memory is one snapshot. */
export function clone(parent: i32, spec: Spec): i32 {
  if (!alive(parent)) return -(<i32>Errno.AgentNotFound);
  const hook = hooks.run(hooks.Operation.Clone, parent, registry.NONE);
  if (hook != Errno.Ok) { note(audit.EventKind.AgentClone, parent, 0, hook); return -(<i32>hook); }
  const paused = pauseAgent(parent);
  const child = launch(spec, parent);
  resumeAgent(parent, paused);
  if (child < 0) { note(audit.EventKind.AgentClone, parent, 0, <Errno>(-child)); return child; }
  inheritCapabilities(parent, child);
  note(audit.EventKind.AgentClone, parent, <u64>child, Errno.Ok);
  return child;
}

/** Rights a clone never inherits: it may not pass on, reconfigure or revoke. */
const NOT_INHERITED: u32 = caps.Rights.Grant | caps.Rights.Control | caps.Rights.Revoke;

/** Gives `child` a derived, attenuated copy of each of `parent`'s capabilities
 *  that the parent may grant (those without Grant stay with the parent). */
function inheritCapabilities(parent: i32, child: i32): void {
  const now = clock.nanoseconds();
  for (let slot = 0; slot < caps.MAX_HANDLES; slot++) {
    const handle = caps.liveHandle(parent, slot);
    if (handle == 0) continue;
    const held = caps.rightsHeld(parent, handle, now);
    if ((held & caps.Rights.Grant) == 0) continue;
    caps.grant(parent, handle, child, held & ~NOT_INHERITED, caps.NO_EXPIRY, now);
  }
}

// ---- moving state between instances: each module of a family exports
// stateBuffer() (an offset of a 4 KiB buffer in its memory), stateSave(offset) ->
// length, stateLoad(offset, length) -> 0 or refusal, merge(offset, length) and
// splitHalf(which). The kernel copies the bytes between the two buffers.
const STATE_LIMIT: u32 = 4096;
const NO_EXPORT: u32 = 0xffffffff;

function alive(agent: i32): bool {
  const s = registry.state(agent);
  return s == registry.State.Running || s == registry.State.Exited;
}

function exportOf(agent: i32, name: string): u32 {
  return modules.registry.exportIndex(registry.moduleOf(agent), name);
}

function exportIn(module: u32, name: string): u32 { return modules.registry.exportIndex(module, name); }

/** Copies `from`'s saved state into `toInstance`'s state buffer; its length, or 0
 *  when the module does not speak the state protocol or the state is too large. */
function carryState(fromInstance: u32, fromModule: u32, toInstance: u32, toModule: u32): u32 {
  const buffer = exportIn(fromModule, "stateBuffer");
  const save = exportIn(fromModule, "stateSave");
  const targetBuffer = exportIn(toModule, "stateBuffer");
  if (buffer == NO_EXPORT || save == NO_EXPORT || targetBuffer == NO_EXPORT) return 0;
  const fromOffset = modules.call(fromInstance, buffer);
  const length = modules.call(fromInstance, save, fromOffset);
  const toOffset = modules.call(toInstance, targetBuffer);
  if (length == 0 || length > STATE_LIMIT || modules.trapOf(fromInstance) != 0) return 0;
  if (<u64>fromOffset + <u64>length > <u64>modules.memorySize(fromInstance)) return 0;
  if (<u64>toOffset + <u64>length > <u64>modules.memorySize(toInstance)) return 0;
  const source = modules.memoryBase(fromInstance) + <u64>fromOffset;
  const target = modules.memoryBase(toInstance) + <u64>toOffset;
  for (let i: u64 = 0; i < <u64>length; i++) cpu.store8(target + i, cpu.load8(source + i));
  return length;
}

/** `agent` absorbs `other`'s state through its module's merge export; `other` ends. */
export function merge(agent: i32, other: i32): Errno {
  if (!alive(agent) || !alive(other) || agent == other) return Errno.AgentNotFound;
  let result = hooks.run(hooks.Operation.Merge, agent, other);
  const pausedAgent = result == Errno.Ok && pauseAgent(agent);
  const pausedOther = result == Errno.Ok && pauseAgent(other);
  if (result == Errno.Ok) {
    const target = registry.instanceOf(agent);
    const length = carryState(registry.instanceOf(other), registry.moduleOf(other), target, registry.moduleOf(agent));
    const mergeExport = exportOf(agent, "merge");
    if (length == 0 || mergeExport == NO_EXPORT) result = Errno.NotSupported;
    else if (modules.call(target, mergeExport, modules.call(target, exportOf(agent, "stateBuffer")), length) != 0) result = Errno.InvalidArgument;
  }
  resumeAgent(agent, pausedAgent);
  resumeAgent(other, pausedOther);
  note(audit.EventKind.AgentMerge, agent, <u64>other, result);
  if (result == Errno.Ok) kill(other);
  return result;
}

/** Divides `agent` in two: a new agent of the same module with half the quota
 *  (taken from the parent's) and half of the state. The new agent's id, or -Errno. */
export function split(agent: i32, spec: Spec): i32 {
  if (!alive(agent)) return -(<i32>Errno.AgentNotFound);
  const hook = hooks.run(hooks.Operation.Split, agent, registry.NONE);
  if (hook != Errno.Ok) { note(audit.EventKind.AgentSplit, agent, 0, hook); return -(<i32>hook); }
  const pool = registry.poolOf(agent);
  const half = pools.quotaPages(pool) / 2;
  if (pools.setQuota(pool, pools.quotaPages(pool) - half) != Errno.Ok) {
    note(audit.EventKind.AgentSplit, agent, 0, Errno.MemoryLimitExceeded);
    return -(<i32>Errno.MemoryLimitExceeded);
  }
  spec.module = registry.moduleOf(agent);
  spec.memoryPages = half;
  const child = spawn(spec);
  if (child < 0) {
    pools.setQuota(pool, pools.quotaPages(pool) + half);
    note(audit.EventKind.AgentSplit, agent, 0, <Errno>(-child));
    return child;
  }
  const parentInstance = registry.instanceOf(agent);
  const childInstance = registry.instanceOf(child);
  const paused = pauseAgent(agent);
  const length = carryState(parentInstance, registry.moduleOf(agent), childInstance, registry.moduleOf(child));
  const load = exportOf(child, "stateLoad");
  const halve = exportOf(agent, "splitHalf");
  if (length == 0 || load == NO_EXPORT || halve == NO_EXPORT
    || modules.call(childInstance, load, modules.call(childInstance, exportOf(child, "stateBuffer")), length) != 0) {
    resumeAgent(agent, paused);
    kill(child);
    pools.setQuota(pool, pools.quotaPages(pool) + half);
    note(audit.EventKind.AgentSplit, agent, 0, Errno.NotSupported);
    return -(<i32>Errno.NotSupported);
  }
  modules.call(parentInstance, halve, 0);
  resumeAgent(agent, paused);
  modules.call(childInstance, halve, 1);
  note(audit.EventKind.AgentSplit, agent, <u64>child, Errno.Ok);
  return child;
}

/** Moves `agent` to the newest version of its module's family linked in the image,
 *  its state carried by stateSave / stateLoad. If the new version refuses the state
 *  the agent stays on the old one, untouched (rollback). A newer version keeps its
 *  predecessor's export numbering (the manifests list them in the same order). */
export function upgrade(agent: i32): Errno {
  if (!alive(agent)) return Errno.AgentNotFound;
  let result = hooks.run(hooks.Operation.Upgrade, agent, registry.NONE);
  const oldModule = registry.moduleOf(agent);
  const newModule = modules.registry.newer(oldModule);
  if (result == Errno.Ok && newModule == NO_EXPORT) result = Errno.NotFound;
  let fresh = modules.NO_INSTANCE;
  if (result == Errno.Ok) {
    fresh = modules.instantiate(newModule, registry.poolOf(agent));
    if (fresh == modules.NO_INSTANCE) result = Errno.MemoryLimitExceeded;
  }
  const paused = result == Errno.Ok && pauseAgent(agent);      // its state holds still while it is carried
  if (result == Errno.Ok) {
    const length = carryState(registry.instanceOf(agent), oldModule, fresh, newModule);
    const load = exportIn(newModule, "stateLoad");
    if (length == 0 || load == NO_EXPORT || modules.call(fresh, load, modules.call(fresh, exportIn(newModule, "stateBuffer")), length) != 0
      || modules.trapOf(fresh) != 0) {
      result = Errno.InvalidArgument;                 // refused: roll back
    }
  }
  if (result != Errno.Ok) {
    if (fresh != modules.NO_INSTANCE) modules.destroy(fresh);
    resumeAgent(agent, paused);                        // rolled back: it goes on as it was
    note(audit.EventKind.AgentUpgrade, agent, <u64>newModule, result);
    return result;
  }
  const wasRunning = registry.state(agent) == registry.State.Running;
  if (wasRunning) scheduler.kill(registry.threadOf(agent));
  modules.destroy(registry.instanceOf(agent));
  registry.setInstance(agent, fresh);
  registry.setModule(agent, newModule);
  if (wasRunning) {
    const thread = spawnThread(agent);
    registry.setThread(agent, thread);
  }
  note(audit.EventKind.AgentUpgrade, agent, <u64>newModule, Errno.Ok);
  return Errno.Ok;
}

/** Narrows an agent: role bits only cleared, a different scheduling hint, and
 *  every capability cut down to `keepRights` (each narrowed one is re-issued under
 *  a new handle, derived from the old, which ends; the lifecycle event tells the
 *  agent's watchers). */
export function specialize(agent: i32, keepRole: u32, hint: registry.Hint, keepRights: u32 = caps.RIGHTS_ALL): Errno {
  if (!alive(agent)) return Errno.AgentNotFound;
  const hook = hooks.run(hooks.Operation.Specialize, agent, registry.NONE);
  if (hook == Errno.Ok) {
    const now = clock.nanoseconds();
    for (let slot = 0; slot < caps.MAX_HANDLES; slot++) {
      const handle = caps.liveHandle(agent, slot);
      if (handle == 0) continue;
      const held = caps.rightsHeld(agent, handle, now);
      if ((held & ~keepRights) == 0) continue;
      if (!caps.failed(caps.attenuate(agent, handle, held & keepRights, caps.NO_EXPIRY, now))) caps.drop(agent, handle);
    }
    registry.setRole(agent, registry.roleOf(agent) & keepRole);
    registry.setHint(agent, hint);
    registry.setWeight(agent, weightFor(hint));
    scheduler.setWeight(registry.threadOf(agent), registry.weightOf(agent));
    scheduler.setClass(registry.threadOf(agent), classFor(hint));
  }
  note(audit.EventKind.AgentSpecialize, agent, <u64>keepRole, hook);
  return hook;
}

/** Ends an agent wherever it is and reclaims every resource. */
export function kill(agent: i32): Errno {
  const current = registry.state(agent);
  if (current == registry.State.Free) return Errno.AgentNotFound;
  const hook = hooks.run(hooks.Operation.Kill, agent, registry.NONE);
  if (hook != Errno.Ok) { note(audit.EventKind.AgentKill, agent, 0, hook); return hook; }
  registry.setState(agent, registry.State.Killed);
  scheduler.kill(registry.threadOf(agent));
  reclaim(agent);
  note(audit.EventKind.AgentKill, agent, 0, Errno.Ok);
  registry.release(agent);
  return Errno.Ok;
}
