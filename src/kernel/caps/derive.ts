// derive.ts — making capabilities: roots for the kernel, and derivations for
// agents (duplicate, attenuate, grant). A derived capability names its parent's
// object, holds a subset of its rights and ends no later than it; it joins the
// parent's subtree, so revoking the parent revokes it. Asking for a right not held
// or a later expiry is PermissionDenied, not a silent clamp: the caller learns it
// did not get what it asked for.
import { Errno } from "../../abi";
import * as handles from "./handles";
import { endsWithin, expired, NO_EXPIRY, ObjectKind, Rights, validKind, validRights, within } from "./kinds";
import { agentError, resolve } from "./lookup";
import { failure } from "./result";
import * as table from "./table";
import * as version from "./version";

/** A new record for `kind`/`object`, put into `agent`'s table below `parent`
 *  (NONE: a root); the handle, or -ResourceExhausted when either table is full
 *  (nothing is left behind). One change to the tables (version.ts). */
function place(agent: i32, kind: ObjectKind, object: u64, rights: u32, expiry: u64, parent: i32): i32 {
  version.writeBegin();
  const index = table.allocate(kind, object, rights, expiry);
  const result = index == table.NONE ? failure(Errno.ResourceExhausted) : hold(agent, index, parent);
  version.writeEnd();
  return result;
}

/** Puts record `index` into `agent`'s table; the handle, or -ResourceExhausted
 *  (the record is freed again) when the table is full. */
function hold(agent: i32, index: i32, parent: i32): i32 {
  const handle = handles.allocate(agent, index);
  if (handle == 0) {
    table.release(index);
    return failure(Errno.ResourceExhausted);
  }
  table.setOwner(index, agent, handles.decode(agent, handle));
  table.attach(index, parent);
  return <i32>handle;
}

/** Kernel only: a root capability for an object, in `agent`'s table. The handle,
 *  or -Errno: InvalidArgument (kind, rights bits, an expiry already past),
 *  AgentNotFound, ResourceExhausted (either table full). */
export function createRoot(agent: i32, kind: i32, object: u64, rights: u32, expiry: u64, now: u64): i32 {
  if (!validKind(kind) || !validRights(rights) || expired(expiry, now)) return failure(Errno.InvalidArgument);
  const error = agentError(agent);
  if (error != Errno.Ok) return failure(error);
  return place(agent, <ObjectKind>kind, object, rights, expiry, table.NONE);
}

/** The common path: a child of what `handle` names, in `target`'s table, holding
 *  `rights` until `expiry` (NO_EXPIRY: the parent's expiry). `needed` are the
 *  rights the operation itself requires of the parent. */
function derive(agent: i32, handle: u32, target: i32, rights: u32, expiry: u64, needed: u32, now: u64): i32 {
  if (!validRights(rights) || expired(expiry, now) || !handles.validAgent(target)) return failure(Errno.InvalidArgument);
  const parent = resolve(agent, handle, now);
  if (parent < 0) return parent;
  if (!handles.isOpen(target)) return failure(Errno.AgentNotFound);
  const held = table.rightsOf(parent);
  if (!within(needed, held) || !within(rights, held)) return failure(Errno.PermissionDenied);
  const parentExpiry = table.expiryOf(parent);
  const effective = expiry == NO_EXPIRY ? parentExpiry : expiry;
  if (!endsWithin(effective, parentExpiry)) return failure(Errno.PermissionDenied);
  return place(target, table.kindOf(parent), table.objectOf(parent), rights, effective, parent);
}

/** A second handle with the same rights and expiry, derived from the first. */
export function duplicate(agent: i32, handle: u32, now: u64): i32 {
  const parent = resolve(agent, handle, now);
  if (parent < 0) return parent;
  return derive(agent, handle, agent, table.rightsOf(parent), NO_EXPIRY, Rights.None, now);
}

/** A derived handle with fewer rights and optionally an earlier expiry. */
export function attenuate(agent: i32, handle: u32, rights: u32, expiry: u64, now: u64): i32 {
  return derive(agent, handle, agent, rights, expiry, Rights.None, now);
}

/** A derived capability in `target`'s table (needs Grant on the source); the
 *  handle is `target`'s, to be passed to it by the caller (an IPC message). */
export function grant(agent: i32, handle: u32, target: i32, rights: u32, expiry: u64, now: u64): i32 {
  return derive(agent, handle, target, rights, expiry, Rights.Grant, now);
}
