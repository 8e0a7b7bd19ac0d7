// lifecycle.ts — spawn, clone, specialize and kill, each run through the
// lifecycle hooks first (a failing hook aborts it, nothing changed) and audited
// with its outcome. An agent's thread runs its entry export; when the module
// traps, the same thread is its supervisor: it records the trap, waits the
// backoff, and restarts the agent on a fresh instance, until the restart limit,
// when it gives up with the reason logged and audited. Other agents run on.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as audit from "../audit";
import * as caps from "../caps";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import { frames, kernelspace, pagetable, pools } from "../memory";
import * as modules from "../modules";
import * as scheduler from "../sched/scheduler";
import * as hooks from "./hooks";
import * as registry from "./registry";

const WASM_PAGE: u64 = 65536;
const FRAME: u64 = 4096;
/** Weights the scheduler gives the hints: interactive work runs twice as often. */
const WEIGHT_BATCH: u32 = 512;
const WEIGHT_INTERACTIVE: u32 = 2048;
const WEIGHT_LOW_LATENCY: u32 = 4096;

/** What an agent is spawned with. Unmanaged (the kernel has no garbage
 *  collector): callers fill one in static memory, e.g. changetype<Spec>(memory.data(Spec.SIZE)). */
@unmanaged export class Spec {
  static readonly SIZE: i32 = 64;
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
}

function note(kind: audit.EventKind, agent: i32, object: u64, result: Errno): void {
  audit.append(kind, <u64>agent, object, result, 0, 0);
}

function weightFor(hint: registry.Hint): u32 {
  if (hint == registry.Hint.Interactive) return WEIGHT_INTERACTIVE;
  if (hint == registry.Hint.LowLatency) return WEIGHT_LOW_LATENCY;
  return WEIGHT_BATCH;
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
  const thread = scheduler.spawn(body, <u32>agent, registry.weightOf(agent));
  if (thread == scheduler.NO_THREAD) return Errno.ResourceExhausted;
  registry.setThread(agent, thread);
  return Errno.Ok;
}

/** A new agent from `spec`; its id, or -Errno. */
export function spawn(spec: Spec): i32 {
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

/** A new agent running the same module with a copy of `parent`'s memory (pages
 *  the parent never touched stay unmapped in the copy too) and the same spec. */
export function clone(parent: i32, spec: Spec): i32 {
  if (registry.state(parent) != registry.State.Running) return -(<i32>Errno.AgentNotFound);
  const hook = hooks.run(hooks.Operation.Clone, parent, registry.NONE);
  if (hook != Errno.Ok) { note(audit.EventKind.AgentClone, parent, 0, hook); return -(<i32>hook); }
  const child = spawn(spec);
  if (child < 0) { note(audit.EventKind.AgentClone, parent, 0, <Errno>(-child)); return child; }
  const from = registry.instanceOf(parent);
  const to = registry.instanceOf(child);
  const size = <u64>modules.memorySize(from);
  const have = <u64>modules.memorySize(to);
  if (size > have && modules.grow(to, <u32>((size - have) / WASM_PAGE)) == modules.NO_INSTANCE) {
    kill(child);
    return -(<i32>Errno.MemoryLimitExceeded);
  }
  const root = kernelspace.rootTable();
  const source = modules.memoryBase(from);
  const target = modules.memoryBase(to);
  for (let page: u64 = 0; page < size; page += FRAME) {
    if (pagetable.translate(root, source + page) == pagetable.NOT_MAPPED) continue;
    for (let at: u64 = 0; at < FRAME; at += 8) cpuCopy(target + page + at, source + page + at);
  }
  note(audit.EventKind.AgentClone, parent, <u64>child, Errno.Ok);
  return child;
}

function cpuCopy(to: u64, from: u64): void { cpu.store64(to, cpu.load64(from)); }

/** Narrows an agent: role bits only cleared, a different scheduling hint. */
export function specialize(agent: i32, keepRole: u32, hint: registry.Hint): Errno {
  if (registry.state(agent) != registry.State.Running) return Errno.AgentNotFound;
  const hook = hooks.run(hooks.Operation.Specialize, agent, registry.NONE);
  if (hook == Errno.Ok) {
    registry.setRole(agent, registry.roleOf(agent) & keepRole);
    registry.setHint(agent, hint);
    registry.setWeight(agent, weightFor(hint));
    scheduler.setWeight(registry.threadOf(agent), registry.weightOf(agent));
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
