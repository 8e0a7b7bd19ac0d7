// registry.ts — the agents: each is one instance of a module linked into the
// image, running on a kernel thread of its own, its memory charged to a pool of
// its own (its quota), with a capability table (caps/) and a restart policy.
//   state: Free → Running → (Exited | Failed | Killed) → Free when reaped
import * as caps from "../caps";

export const MAX_AGENTS: i32 = caps.MAX_AGENTS;
export const NONE: i32 = -1;

export const enum State { Free = 0, Running = 1, Exited = 2, Failed = 3, Killed = 4 }
/** Scheduling hints an agent is spawned with (the scheduler maps them to weights). */
export const enum Hint { Batch = 0, Interactive = 1, LowLatency = 2 }

const states = memory.data(MAX_AGENTS);
const moduleIds = memory.data(MAX_AGENTS * 4);
const instances = memory.data(MAX_AGENTS * 4);
const threads = memory.data(MAX_AGENTS * 4);
const poolIds = memory.data(MAX_AGENTS * 4);
const entries = memory.data(MAX_AGENTS * 4);         // export number the agent runs
const argumentsA = memory.data(MAX_AGENTS * 4);
const argumentsB = memory.data(MAX_AGENTS * 4);
const weights = memory.data(MAX_AGENTS * 4);
const hints = memory.data(MAX_AGENTS);
const roles = memory.data(MAX_AGENTS * 4);           // role bits; specialize only clears them
const restartLimits = memory.data(MAX_AGENTS * 4);
const restartCounts = memory.data(MAX_AGENTS * 4);
const backoffBase = memory.data(MAX_AGENTS * 8);     // ns; doubles per restart up to backoffCap
const backoffCap = memory.data(MAX_AGENTS * 8);
const lastTraps = memory.data(MAX_AGENTS * 4);

function a32(base: usize, agent: i32): usize { return base + <usize>agent * 4; }
function a64(base: usize, agent: i32): usize { return base + <usize>agent * 8; }

export function valid(agent: i32): bool { return agent >= 0 && agent < MAX_AGENTS; }
export function state(agent: i32): State { return valid(agent) ? <State>load<u8>(states + <usize>agent) : State.Free; }
export function setState(agent: i32, value: State): void { store<u8>(states + <usize>agent, <u8>value); }

/** A free agent id (marked Running), or NONE. */
export function claim(): i32 {
  for (let agent = 0; agent < MAX_AGENTS; agent++) {
    if (state(agent) != State.Free) continue;
    setState(agent, State.Running);
    store<u32>(a32(restartCounts, agent), 0);
    store<u32>(a32(lastTraps, agent), 0);
    return agent;
  }
  return NONE;
}

export function release(agent: i32): void {
  if (!valid(agent)) return;
  setInstance(agent, 0xffffffff);
  setState(agent, State.Free);
}

export function moduleOf(agent: i32): u32 { return load<u32>(a32(moduleIds, agent)); }
export function setModule(agent: i32, module: u32): void { store<u32>(a32(moduleIds, agent), module); }
export function instanceOf(agent: i32): u32 { return load<u32>(a32(instances, agent)); }
export function setInstance(agent: i32, instance: u32): void {
  const old = instanceOf(agent);
  if (old < <u32>INSTANCE_SLOTS && agentOfInstance(old) == agent) store<i32>(agentByInstance + <usize>old * 4, 0);
  store<u32>(a32(instances, agent), instance);
  if (instance < <u32>INSTANCE_SLOTS) store<i32>(agentByInstance + <usize>instance * 4, agent + 1);
}
export function threadOf(agent: i32): i32 { return load<i32>(a32(threads, agent)); }
export function setThread(agent: i32, thread: i32): void { store<i32>(a32(threads, agent), thread); }
export function poolOf(agent: i32): i32 { return load<i32>(a32(poolIds, agent)); }
export function setPool(agent: i32, pool: i32): void { store<i32>(a32(poolIds, agent), pool); }
export function entryOf(agent: i32): u32 { return load<u32>(a32(entries, agent)); }
export function argumentA(agent: i32): u32 { return load<u32>(a32(argumentsA, agent)); }
export function argumentB(agent: i32): u32 { return load<u32>(a32(argumentsB, agent)); }
export function setEntry(agent: i32, entry: u32, a: u32, b: u32): void {
  store<u32>(a32(entries, agent), entry);
  store<u32>(a32(argumentsA, agent), a);
  store<u32>(a32(argumentsB, agent), b);
}
export function weightOf(agent: i32): u32 { return load<u32>(a32(weights, agent)); }
export function setWeight(agent: i32, weight: u32): void { store<u32>(a32(weights, agent), weight); }
export function hintOf(agent: i32): Hint { return <Hint>load<u8>(hints + <usize>agent); }
export function setHint(agent: i32, hint: Hint): void { store<u8>(hints + <usize>agent, <u8>hint); }
export function roleOf(agent: i32): u32 { return load<u32>(a32(roles, agent)); }
export function setRole(agent: i32, role: u32): void { store<u32>(a32(roles, agent), role); }
export function setRestartPolicy(agent: i32, limit: u32, baseNs: u64, capNs: u64): void {
  store<u32>(a32(restartLimits, agent), limit);
  store<u64>(a64(backoffBase, agent), baseNs);
  store<u64>(a64(backoffCap, agent), capNs);
}
export function restartLimit(agent: i32): u32 { return load<u32>(a32(restartLimits, agent)); }
export function restarts(agent: i32): u32 { return load<u32>(a32(restartCounts, agent)); }
export function countRestart(agent: i32): u32 {
  const next = restarts(agent) + 1;
  store<u32>(a32(restartCounts, agent), next);
  return next;
}
/** The wait before restart number `n` (1-based): base × 2^(n-1), at most the cap. */
export function backoff(agent: i32, n: u32): u64 {
  const base = load<u64>(a64(backoffBase, agent));
  const cap = load<u64>(a64(backoffCap, agent));
  let wait = base;
  for (let i: u32 = 1; i < n && wait < cap; i++) wait <<= 1;
  return wait < cap ? wait : cap;
}
export function lastTrap(agent: i32): u32 { return load<u32>(a32(lastTraps, agent)); }
export function setLastTrap(agent: i32, trap: u32): void { store<u32>(a32(lastTraps, agent), trap); }

// instance slot -> agent + 1 (0: none), so an ABI call finds its caller in one load
const INSTANCE_SLOTS = 64;
const agentByInstance = memory.data(INSTANCE_SLOTS * 4);

/** The agent whose instance is in module slot `instance`, or NONE. Inlined: every
 *  ABI call starts here. */
@inline export function agentOfInstance(instance: u32): i32 {
  return instance < <u32>INSTANCE_SLOTS ? load<i32>(agentByInstance + <usize>instance * 4) - 1 : NONE;
}
