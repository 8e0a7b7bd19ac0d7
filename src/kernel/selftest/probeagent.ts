// probeagent.ts — an agent that sits idle (its entry returns at once, its instance
// stays), for scenarios that call into it with modules.call, give it
// capabilities, clone or merge it: the spec they share, and the probe agent the
// ABI tests spawn.
import * as agents from "../agents";
import { probe } from "../modules";
import * as scheduler from "../sched/scheduler";

const specBuffer = memory.data(agents.lifecycle.Spec.SIZE);
const SETTLE_NS: u64 = 5_000_000;

/** The spec of an idle agent of `module` whose entry `entry` returns at once,
 *  with `pages` of memory, batch, no role, no restarts, no watchdog. */
export function idleSpec(module: u32, entry: u32, pages: u32): agents.lifecycle.Spec {
  const spec = changetype<agents.lifecycle.Spec>(specBuffer);
  spec.module = module;
  spec.entry = entry;
  spec.argumentA = 0;
  spec.argumentB = 0;
  spec.memoryPages = pages;
  spec.hint = agents.registry.Hint.Batch;
  spec.role = 0;
  spec.restartLimit = 0;
  spec.backoffNs = 0;
  spec.backoffCapNs = 0;
  spec.watchdogNs = 0;
  return spec;
}

/** Spawns the idle probe agent with `pages` of memory: its id, or -1. */
export function spawnIdle(pages: u32 = 64): i32 {
  const agent = agents.lifecycle.spawn(idleSpec(probe.id(), probe.ProbeFunction.Size, pages));
  if (agent >= 0) scheduler.sleep(SETTLE_NS);  // its thread runs the entry and idles
  return agent;
}
