// statemoves.ts — guest scenario for the lifecycle operations that move state,
// on the counter module: merge (counts add up, the absorbed agent ends), split
// (state and quota divided), upgrade to counter_v2 (state carried), and an upgrade
// the new version refuses, which leaves the agent on the old one (rollback).
import { Errno } from "../../abi";
import * as agents from "../agents";
import * as audit from "../audit";
import * as line from "../line";
import * as log from "../log";
import { pools } from "../memory";
import * as modules from "../modules";
import * as probeAgent from "./probeagent";

const QUOTA: u64 = 64;

function counterSpec(): agents.lifecycle.Spec {
  const module = modules.registry.find("counter");
  return probeAgent.idleSpec(module, modules.registry.exportIndex(module, "value"), <u32>QUOTA);   // "value" returns at once
}

function call(agent: i32, name: string, argument: u32 = 0): u32 {
  return modules.call(agents.registry.instanceOf(agent), modules.registry.exportIndex(agents.registry.moduleOf(agent), name), argument);
}

function fail(what: string, value: i64): bool {
  log.begin(log.Level.Error);
  line.text("selftest: state moves: ");
  line.text(what);
  line.text(" (");
  line.signed(value);
  line.text(")");
  log.end();
  return false;
}

export function stateMoves(): bool {
  const a = agents.lifecycle.spawn(counterSpec());
  const b = agents.lifecycle.spawn(counterSpec());
  if (a < 0 || b < 0) return fail("spawn", a < 0 ? a : b);
  call(a, "add", 10);
  call(b, "add", 5);
  if (agents.lifecycle.merge(a, b) != Errno.Ok) return fail("merge", 0);
  if (call(a, "value") != 15) return fail("merged count", call(a, "value"));
  if (agents.registry.state(b) != agents.registry.State.Free) return fail("the absorbed agent lives on", agents.registry.state(b));

  const c = agents.lifecycle.split(a, counterSpec());
  if (c < 0) return fail("split", c);
  if (call(a, "value") != 8 || call(c, "value") != 7) return fail("split counts", <i64>call(a, "value") * 100 + call(c, "value"));
  if (pools.quotaPages(agents.registry.poolOf(a)) != QUOTA / 2 || pools.quotaPages(agents.registry.poolOf(c)) != QUOTA / 2) {
    return fail("split quotas", <i64>pools.quotaPages(agents.registry.poolOf(a)));
  }

  if (agents.lifecycle.upgrade(a) != Errno.Ok) return fail("upgrade", 0);
  if (call(a, "version") != 2 || call(a, "value") != 8) return fail("upgraded state", <i64>call(a, "version") * 100 + call(a, "value"));

  const d = agents.lifecycle.spawn(counterSpec());
  call(d, "add", 13);                       // counter_v2 refuses a count of 13
  if (agents.lifecycle.upgrade(d) != Errno.InvalidArgument) return fail("a refused upgrade was not reported", 0);
  if (call(d, "version") != 1 || call(d, "value") != 13) return fail("rollback", <i64>call(d, "version") * 100 + call(d, "value"));
  if (agents.lifecycle.upgrade(a) != Errno.NotFound) return fail("upgrade past the newest version", 0);

  agents.lifecycle.kill(a);
  agents.lifecycle.kill(c);
  agents.lifecycle.kill(d);
  line.reset();
  line.text("AIOS lifecycle merge=15 split=8+7 upgrade=v2 rollback=yes audit=");
  line.text(audit.verify() == Errno.Ok ? "verified" : "broken");
  log.publish();
  return audit.verify() == Errno.Ok;
}
