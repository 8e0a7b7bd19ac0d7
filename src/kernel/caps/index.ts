// caps — capabilities: the only way an agent names a kernel object. A global
// table of capabilities in derivation trees (table.ts), per-agent handle tables
// (handles.ts), the check every ABI call makes (lookup.ts), derivation (derive.ts),
// revocation (revoke.ts), dropping and agent teardown (close.ts), and per-agent
// quotas with resource groups (quota.ts, groups.ts). Time comes in as `now`
// (clock.nanoseconds() in the kernel), so every rule is a pure function of it.
import * as groups from "./groups";
import * as handles from "./handles";
import * as quota from "./quota";
import * as table from "./table";
import { resolve } from "./lookup";
import * as version from "./version";

export { ObjectKind, Rights, RIGHTS_ALL, NO_EXPIRY } from "./kinds";
export { MAX_AGENTS, MAX_HANDLES } from "./handles";
export { MAX_CAPABILITIES } from "./table";
export { check, checkFast, UNDECIDED, describe, INFO_KIND, INFO_RIGHTS, INFO_OBJECT, INFO_EXPIRY, INFO_BYTES } from "./lookup";
export { createRoot, duplicate, attenuate, grant } from "./derive";
export { revoke, revokeDerived, revokeObject, reap } from "./revoke";
export { drop, openAgent, closeAgent } from "./close";
export { verify } from "./verify";
export { failed, errorOf } from "./result";
export { UNLIMITED_RATE, MAX_RATE, MAX_BURST } from "./bucket";
export { quota, groups };

/** Empties every table; once at boot (a zeroed image is already empty). */
export function init(): void {
  version.writeBegin();
  table.reset();
  handles.reset();
  version.writeEnd();
  groups.reset();
}

/** Where the tables' sequence counter is in kernel linear memory (version.ts):
 *  the ABI's lock-free import stubs read it around a check. */
export function versionAddress(): usize { return version.address(); }
/** The counter itself: even at rest, changed by every change to the tables. */
export function versionNow(): u32 { return version.current(); }
/** Table stores made outside a write section: 0 unless a writer forgot one. */
export function strayStores(): u32 { return version.strays(); }

/** The object id of the capability at `index`, a value check() returned; 0 for
 *  an index that names no capability. */
export function objectAt(index: i32): u64 { return table.used(index) ? table.objectOf(index) : 0; }

/** Capabilities in the global table. */
export function capabilityCount(): i32 { return table.live(); }

/** Handle slots `agent` uses (live handles and tombstones). */
export function handleCount(agent: i32): i32 { return handles.count(agent); }

/** The handle in `agent`'s table slot `slot` when it names a live capability,
 *  else 0: for the kernel walking an agent's table (clone, specialize). */
export function liveHandle(agent: i32, slot: i32): u32 {
  if (!handles.validAgent(agent) || slot < 0 || slot >= handles.MAX_HANDLES) return 0;
  return handles.state(agent, slot) == handles.Slot.Live ? handles.encode(agent, slot) : 0;
}

/** The rights `handle` holds for `agent` now, or 0 when it names nothing usable. */
export function rightsHeld(agent: i32, handle: u32, now: u64): u32 {
  const index = resolve(agent, handle, now);
  return index < 0 ? 0 : table.rightsOf(index);
}
