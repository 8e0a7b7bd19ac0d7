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

export { ObjectKind, Rights, RIGHTS_ALL, NO_EXPIRY } from "./kinds";
export { MAX_AGENTS, MAX_HANDLES } from "./handles";
export { MAX_CAPABILITIES } from "./table";
export { check, describe, INFO_KIND, INFO_RIGHTS, INFO_OBJECT, INFO_EXPIRY, INFO_BYTES } from "./lookup";
export { createRoot, duplicate, attenuate, grant } from "./derive";
export { revoke, revokeDerived, revokeObject, reap } from "./revoke";
export { drop, openAgent, closeAgent } from "./close";
export { verify } from "./verify";
export { failed, errorOf } from "./result";
export { UNLIMITED_RATE, MAX_RATE, MAX_BURST } from "./bucket";
export { quota, groups };

/** Empties every table; once at boot (a zeroed image is already empty). */
export function init(): void {
  table.reset();
  handles.reset();
  groups.reset();
}

/** The object id of the capability at `index`, a value check() returned; 0 for
 *  an index that names no capability. */
export function objectAt(index: i32): u64 { return table.used(index) ? table.objectOf(index) : 0; }

/** Capabilities in the global table. */
export function capabilityCount(): i32 { return table.live(); }

/** Handle slots `agent` uses (live handles and tombstones). */
export function handleCount(agent: i32): i32 { return handles.count(agent); }
