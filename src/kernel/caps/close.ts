// close.ts — the ends of handles and tables. Dropping a handle ends only that
// handle, as closing a file descriptor does: what was derived through it and
// handed to others lives on, moved up to the dropped one's parent so that every
// ancestor's revoke still reaches it. Revocation (revoke.ts) is what takes back.
// An agent's table opens when the agent starts and closes when it ends; closing
// drops every handle it holds and gives back its quota.
import { Errno } from "../../abi";
import * as handles from "./handles";
import { Slot } from "./handles";
import { agentError } from "./lookup";
import * as quota from "./quota";
import * as table from "./table";
import * as version from "./version";

function dropSlot(agent: i32, slot: i32): void {
  if (handles.state(agent, slot) == Slot.Live) {
    const index = handles.capabilityAt(agent, slot);
    table.passChildrenUp(index);
    table.detach(index);
    table.release(index);
  }
  handles.release(agent, slot);
}

/** Ends `handle` (live, expired or a tombstone); needs no right. InvalidCapability
 *  for a handle `agent` does not hold. */
export function drop(agent: i32, handle: u32): Errno {
  const error = agentError(agent);
  if (error != Errno.Ok) return error;
  const slot = handles.decode(agent, handle);
  if (slot < 0) return Errno.InvalidCapability;
  version.writeBegin();
  dropSlot(agent, slot);
  version.writeEnd();
  return Errno.Ok;
}

/** Gives a starting agent its empty table and default quotas (quota.reset).
 *  InvalidArgument out of range, AlreadyExists when open. */
export function openAgent(agent: i32, now: u64): Errno {
  if (!handles.validAgent(agent)) return Errno.InvalidArgument;
  if (handles.isOpen(agent)) return Errno.AlreadyExists;
  version.writeBegin();
  handles.open(agent);
  version.writeEnd();
  quota.reset(agent, now);
  return Errno.Ok;
}

/** Ends an agent's table: drops every handle, gives back its memory charge and
 *  its place in a group. Capabilities naming the agent itself are the agent
 *  manager's to revoke (revokeObject), as for any object that ends. */
export function closeAgent(agent: i32): Errno {
  const error = agentError(agent);
  if (error != Errno.Ok) return error;
  version.writeBegin();
  for (let slot = 0; slot < handles.MAX_HANDLES; slot++) {
    if (handles.state(agent, slot) != Slot.Free) dropSlot(agent, slot);
  }
  quota.release(agent);         // while the table is still open
  handles.close(agent);
  version.writeEnd();
  return Errno.Ok;
}
