// revoke.ts — ending capabilities with everything derived from them. Each record
// of a removed subtree is freed at once (the global table is the scarce one); its
// holder's handle becomes a tombstone that answers Revoked or Expired until the
// holder drops it. Walks are iterative (no recursion on a kernel stack) and touch
// each record once.
import { Errno } from "../../abi";
import * as handles from "./handles";
import { Slot } from "./handles";
import { expired, Rights, validKind, within } from "./kinds";
import { resolve } from "./lookup";
import { failure } from "./result";
import * as table from "./table";
import * as version from "./version";

/** Frees `root` and its whole subtree, leaving `why` in each holder's slot;
 *  returns how many records went. */
function removeSubtree(root: i32, why: Slot): i32 {
  table.detach(root);
  let removed = 0;
  let node = root;
  while (true) {
    for (let child = table.firstChildOf(node); child != table.NONE; child = table.firstChildOf(node)) node = child;
    const parent = table.parentOf(node);      // a leaf now; NONE only for root
    if (node != root) table.detach(node);
    handles.bury(table.ownerOf(node), table.ownerSlotOf(node), why);
    table.release(node);
    removed++;
    if (node == root) return removed;
    node = parent;
  }
}

/** Removes every child subtree of `index`, keeping `index` itself. */
function removeChildren(index: i32, why: Slot): i32 {
  let removed = 0;
  for (let child = table.firstChildOf(index); child != table.NONE; child = table.firstChildOf(index)) {
    removed += removeSubtree(child, why);
  }
  return removed;
}

/** Revokes what `handle` names and everything derived from it, in every agent's
 *  table; the caller's own handle turns into a Revoked tombstone. Needs Revoke. */
export function revoke(agent: i32, handle: u32, now: u64): Errno {
  const index = resolve(agent, handle, now);
  if (index < 0) return <Errno>(-index);
  if (!within(Rights.Revoke, table.rightsOf(index))) return Errno.PermissionDenied;
  version.writeBegin();
  removeSubtree(index, Slot.Revoked);
  version.writeEnd();
  return Errno.Ok;
}

/** Revokes everything derived from what `handle` names, keeping the handle
 *  itself: taking back what was granted. Needs Revoke. */
export function revokeDerived(agent: i32, handle: u32, now: u64): Errno {
  const index = resolve(agent, handle, now);
  if (index < 0) return <Errno>(-index);
  if (!within(Rights.Revoke, table.rightsOf(index))) return Errno.PermissionDenied;
  version.writeBegin();
  removeChildren(index, Slot.Revoked);
  version.writeEnd();
  return Errno.Ok;
}

/** Kernel only, when an object ends: revokes every capability naming it. The
 *  number revoked, or -InvalidArgument for an undefined kind. */
export function revokeObject(kind: i32, object: u64): i32 {
  if (!validKind(kind)) return failure(Errno.InvalidArgument);
  let removed = 0;
  version.writeBegin();
  for (let index = 0; index < table.limit(); index++) {
    if (table.used(index) && <i32>table.kindOf(index) == kind && table.objectOf(index) == object) {
      removed += removeSubtree(index, Slot.Revoked);
    }
  }
  version.writeEnd();
  return removed;
}

/** Kernel housekeeping: frees every record expired at `now`, leaving Expired
 *  tombstones; returns how many went. A child never outlives its parent, so an
 *  expired record's whole subtree has expired too. */
export function reap(now: u64): i32 {
  let removed = 0;
  version.writeBegin();
  for (let index = 0; index < table.limit(); index++) {
    if (table.used(index) && expired(table.expiryOf(index), now)) removed += removeSubtree(index, Slot.Expired);
  }
  version.writeEnd();
  return removed;
}
