// lookup.ts — turning an agent's handle into a capability: the check every kernel
// ABI call makes before it touches an object. The order of the tests is part of
// the ABI (callers see the first failure): arguments, then the agent, the handle
// (forged, stale or another agent's: InvalidCapability), a tombstone (Revoked,
// Expired), the expiry, and last the kind and the rights. checkFast() is the
// common case of check() for the ABI's hot path: it answers only when every test
// passes and no time can change that, and leaves every other case to check().
import { Errno } from "../../abi";
import * as handles from "./handles";
import { Slot } from "./handles";
import { expired, validKind, validRights, within } from "./kinds";
import { failure } from "./result";
import * as table from "./table";
import { MAX_CAPABILITIES } from "./table";

/** `agent`'s table must exist: InvalidArgument out of range, AgentNotFound when closed. */
@inline export function agentError(agent: i32): Errno {
  if (!handles.validAgent(agent)) return Errno.InvalidArgument;
  if (!handles.isOpen(agent)) return Errno.AgentNotFound;
  return Errno.Ok;
}

/** The table index of the live capability `handle` names for `agent` at `now`, or
 *  -Errno; kind and rights are not looked at. */
export function resolve(agent: i32, handle: u32, now: u64): i32 { return find(agent, handle, now); }

// resolve(), inlined into check() too: an ABI call whose capability has an expiry
// comes here, and this way check() makes no call.
@inline function find(agent: i32, handle: u32, now: u64): i32 {
  const error = agentError(agent);
  if (error != Errno.Ok) return failure(error);
  const slot = handles.decode(agent, handle);
  if (slot < 0) return failure(Errno.InvalidCapability);
  const state = handles.state(agent, slot);
  if (state == Slot.Revoked) return failure(Errno.Revoked);
  if (state == Slot.Expired) return failure(Errno.Expired);
  const index = handles.capabilityAt(agent, slot);
  if (expired(table.expiryOf(index), now)) return failure(Errno.Expired);
  return index;
}

/** The table index of the capability `handle` names for `agent`, if it is of
 *  `kind` and holds every right in `required` at `now`; else -Errno
 *  (InvalidArgument for an undefined kind or rights bits, InvalidCapability for a
 *  wrong kind, PermissionDenied for a missing right). */
export function check(agent: i32, handle: u32, kind: i32, required: u32, now: u64): i32 {
  if (!validKind(kind) || !validRights(required)) return failure(Errno.InvalidArgument);
  const index = find(agent, handle, now);
  if (index < 0) return index;
  if (<i32>table.kindOf(index) != kind) return failure(Errno.InvalidCapability);
  if (!within(required, table.rightsOf(index))) return failure(Errno.PermissionDenied);
  return index;
}

/** What checkFast() answers when it does not decide: the caller asks check().
 *  Neither a table index nor an -Errno. */
export const UNDECIDED: i32 = i32.MIN_VALUE;

/** check()'s answer when it is a table index at every time: `handle` names a live
 *  capability of open `agent` that is of `kind`, holds every right in `required`
 *  and has no expiry. Else UNDECIDED, whatever the reason (a failure, or an expiry
 *  only the time can judge): the caller then asks check(). Every test is computed
 *  and the results combined without a branch (under QEMU's TCG each branch ends a
 *  translated block), and every load stays inside the tables whatever the
 *  arguments; inlined, it is most of a cheap ABI call (syscalls). */
@inline export function checkFast(agent: i32, handle: u32, kind: i32, required: u32): i32 {
  const index = handles.liveCapability(agent, handle);
  const passes = <i32>validKind(kind) & <i32>validRights(required) & <i32>(index >= 0)
    & <i32>table.grantsForever(index & (MAX_CAPABILITIES - 1), kind, required);
  return select<i32>(index, UNDECIDED, passes != 0);
}

// What describe() writes: a record an agent may be handed as is.
export const INFO_KIND: usize = 0;      // u32 ObjectKind
export const INFO_RIGHTS: usize = 4;    // u32 Rights
export const INFO_OBJECT: usize = 8;    // u64 object id
export const INFO_EXPIRY: usize = 16;   // u64 ns, 0 = none
export const INFO_BYTES: usize = 24;

/** Writes what `handle` names into `into` (INFO_BYTES). Expiry is reported, not
 *  enforced, so an agent can see why a handle stopped working; tombstones and bad
 *  handles give their error and write nothing. */
export function describe(agent: i32, handle: u32, into: usize): Errno {
  const index = resolve(agent, handle, 0);      // time 0: nothing has expired yet
  if (index < 0) return <Errno>(-index);
  store<u32>(into + INFO_KIND, <u32>table.kindOf(index));
  store<u32>(into + INFO_RIGHTS, table.rightsOf(index));
  store<u64>(into + INFO_OBJECT, table.objectOf(index));
  store<u64>(into + INFO_EXPIRY, table.expiryOf(index));
  return Errno.Ok;
}
