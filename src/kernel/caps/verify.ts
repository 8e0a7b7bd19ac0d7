// verify.ts — a full consistency check of the capability tables, for tests and a
// debug command: Malformed at the first broken invariant. It costs a walk of every
// record and handle slot (and each record's ancestry), so nothing calls it on a
// hot path.
import { Errno } from "../../abi";
import * as handles from "./handles";
import { Slot } from "./handles";
import { endsWithin, within } from "./kinds";
import * as table from "./table";

const NONE = table.NONE;

/** The record's place among its siblings agrees with its parent's list. */
function linkedInPlace(index: i32): bool {
  const parent = table.parentOf(index);
  const previous = table.previousSiblingOf(index);
  const next = table.nextSiblingOf(index);
  if (parent == NONE) return previous == NONE && next == NONE;
  if (previous == NONE) { if (table.firstChildOf(parent) != index) return false; }
  else if (!table.used(previous) || table.nextSiblingOf(previous) != index || table.parentOf(previous) != parent) return false;
  if (next != NONE && (!table.used(next) || table.previousSiblingOf(next) != index)) return false;
  const first = table.firstChildOf(index);
  return first == NONE || (table.used(first) && table.parentOf(first) == index && table.previousSiblingOf(first) == NONE);
}

/** A child names its parent's object with no more rights, ending no later. */
function narrowerThanParent(index: i32): bool {
  const parent = table.parentOf(index);
  if (parent == NONE) return true;
  return table.used(parent) && table.kindOf(parent) == table.kindOf(index) && table.objectOf(parent) == table.objectOf(index) &&
    within(table.rightsOf(index), table.rightsOf(parent)) && endsWithin(table.expiryOf(index), table.expiryOf(parent));
}

function heldByItsSlot(index: i32): bool {
  const agent = table.ownerOf(index);
  const slot = table.ownerSlotOf(index);
  return handles.isOpen(agent) && handles.state(agent, slot) == Slot.Live && handles.capabilityAt(agent, slot) == index;
}

/** Walks up from `index`; false if the walk is longer than the table (a cycle). */
function reachesRoot(index: i32): bool {
  let steps = 0;
  for (let node = table.parentOf(index); node != NONE; node = table.parentOf(node)) {
    if (++steps > table.MAX_CAPABILITIES) return false;
  }
  return true;
}

/** Counts the children in `index`'s list; more than the table holds is a cycle. */
function childCount(index: i32): i32 {
  let count = 0;
  for (let child = table.firstChildOf(index); child != NONE && count <= table.MAX_CAPABILITIES; child = table.nextSiblingOf(child)) count++;
  return count;
}

function recordsSound(): bool {
  let records = 0;
  let linked = 0;
  for (let index = 0; index < table.limit(); index++) {
    if (!table.used(index)) continue;
    records++;
    if (!linkedInPlace(index) || !narrowerThanParent(index) || !heldByItsSlot(index) || !reachesRoot(index)) return false;
    linked += childCount(index);
    if (table.parentOf(index) == NONE) linked++;
  }
  return records == table.live() && linked == records && records + table.freeChainLength() == table.limit();
}

function handlesSound(): bool {
  for (let agent = 0; agent < handles.MAX_AGENTS; agent++) {
    let inUse = 0;
    for (let slot = 0; slot < handles.MAX_HANDLES; slot++) {
      const state = handles.state(agent, slot);
      if (state == Slot.Free) continue;
      inUse++;
      if (state != Slot.Live) continue;
      const index = handles.capabilityAt(agent, slot);
      if (!table.used(index) || table.ownerOf(index) != agent || table.ownerSlotOf(index) != slot) return false;
    }
    if (inUse != handles.count(agent) || (inUse != 0 && !handles.isOpen(agent))) return false;
  }
  return true;
}

export function verify(): Errno {
  return recordsSound() && handlesSound() ? Errno.Ok : Errno.Malformed;
}
