// probeagent.ts — an agent of the probe module that sits idle (its entry returns
// at once, its instance stays), for scenarios that call into it with
// modules.call and give it capabilities: the ABI tests.
import * as agents from "../agents";
import { probe } from "../modules";
import * as scheduler from "../sched/scheduler";

const specBuffer = memory.data(agents.lifecycle.Spec.SIZE);
const SETTLE_NS: u64 = 5_000_000;

/** Spawns the idle probe agent with `pages` of memory: its id, or -1. */
export function spawnIdle(pages: u32 = 64): i32 {
  const spec = changetype<agents.lifecycle.Spec>(specBuffer);
  spec.module = probe.id();
  spec.entry = probe.ProbeFunction.Size;      // returns at once: the instance stays for our calls
  spec.argumentA = 0;
  spec.argumentB = 0;
  spec.memoryPages = pages;
  spec.hint = agents.registry.Hint.Batch;
  spec.role = 0;
  spec.restartLimit = 0;
  spec.backoffNs = 0;
  spec.backoffCapNs = 0;
  spec.watchdogNs = 0;
  const agent = agents.lifecycle.spawn(spec);
  if (agent >= 0) scheduler.sleep(SETTLE_NS);  // its thread runs the entry and idles
  return agent;
}
