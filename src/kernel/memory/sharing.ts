// sharing.ts — copy-on-write frames between module memories (an agent's clone
// starts on its parent's frames). A page of a module memory is in one of three
// states, told apart by its leaf entry and the frame's sharer count (kept in bits
// the frame allocator's metadata had spare, frames.ts, up to MAX_SHARERS holders;
// a page already that widely shared is copied instead):
//
//   private   writable, sharers 0          the memory's own frame
//   shared    read-only | COPY_ON_WRITE    sharers = holders still mapping it
//             (n >= 2, or 1 once every other holder has copied or gone)
//   foreign   FOREIGN                      someone else's frame (a fabric region):
//                                          never shared, never freed here
//
// A write to a shared page faults (CR0.WP makes the kernel's own stores fault
// too): with other holders left the writer gets a copy, the last holder just
// gets write access back. A holder going away drops one count; the last one
// frees the frame. The caller (modulememory.ts) holds its lock around each call
// and does the pools' accounting; nothing here touches a module memory through
// its slot, only frames through the direct map, so no call here can fault.
import { Errno } from "../../abi";
import * as physical from "../physical";
import * as frames from "./frames";
import * as pagetable from "./pagetable";

const PAGE: u64 = 4096;
const WORD: u64 = 8;

export const enum WriteAction { Copy = 0, Reclaim = 1 }

// ---- the count's rules (pure, host-tested)

/** A write to a shared page whose frame has `sharers` holders. */
export function writeAction(sharers: u32): WriteAction { return sharers <= 1 ? WriteAction.Reclaim : WriteAction.Copy; }

/** The count once one more memory maps the frame (a private frame has one holder). */
export function sharersAfterJoin(sharers: u32): u32 { return sharers < 2 ? 2 : sharers + 1; }

/** True when a frame of `sharers` holders can take another within the count's width. */
export function canJoin(sharers: u32): bool { return sharers < frames.MAX_SHARERS; }

/** The count once one holder lets go: 0 means that holder was the last (free it). */
export function sharersAfterLeave(sharers: u32): u32 { return sharers <= 1 ? 0 : sharers - 1; }

// ---- statistics (since boot)
let joins: u64 = 0;         // pages mapped into a second (or further) memory
let copies: u64 = 0;        // writes that needed their own copy
let reclaims: u64 = 0;      // writes by the last holder: access back, no copy

export function joinCount(): u64 { return joins; }
export function copyCount(): u64 { return copies; }
export function reclaimCount(): u64 { return reclaims; }

// ---- operations on leaves

/** True when the leaf `entry` maps a frame of the memory's own (private or shared). */
export function own(entry: u64): bool {
  return (entry & pagetable.PTE_PRESENT) != 0 && (entry & pagetable.PTE_FOREIGN) == 0;
}

/** True when the leaf `entry` is a shared page waiting for a write. */
export function shared(entry: u64): bool {
  return own(entry) && (entry & pagetable.PTE_COPY_ON_WRITE) != 0;
}

/** One holder of `frame` lets go; true when it was the last and the frame is freed. */
export function release(frame: u64): bool {
  const left = sharersAfterLeave(frames.sharers(frame));
  frames.setSharers(frame, left);
  if (left != 0) return false;
  frames.free(frame);
  return true;
}

/** Maps the own frame behind `from` at `to` (unmapped) too, both read-only
 *  copy-on-write. Only this CPU's TLB forgets `from`'s writable entry: the caller
 *  shoots the others down once it has shared everything it meant to.
 *  NotSupported when the frame is not the memory's own or has too many holders. */
export function join(root: u64, from: u64, to: u64): Errno {
  const entry = pagetable.leafEntry(root, from);
  if (!own(entry) || (entry & pagetable.PTE_HUGE) != 0) return Errno.NotSupported;
  const frame = entry & pagetable.PTE_ADDRESS_MASK;
  const count = (entry & pagetable.PTE_COPY_ON_WRITE) != 0 ? frames.sharers(frame) : 0;
  if (!canJoin(count)) return Errno.NotSupported;
  const mapped = pagetable.map(root, to, frame, pagetable.PageSize.Small, pagetable.Protection.Read, pagetable.PTE_COPY_ON_WRITE);
  if (mapped != Errno.Ok) return mapped;
  if ((entry & pagetable.PTE_COPY_ON_WRITE) == 0) {
    pagetable.replace(root, from, frame, pagetable.Protection.Read, pagetable.PTE_COPY_ON_WRITE);
  }
  frames.setSharers(frame, sharersAfterJoin(count));
  joins++;
  return Errno.Ok;
}

/** Copies one frame to another through the direct map. */
export function copyFrame(to: u64, from: u64): void {
  for (let at: u64 = 0; at < PAGE; at += WORD) physical.write64(to + at, physical.read64(from + at));
}

/** A write faulted on the shared page at `address` (page-aligned): give the
 *  writer its own copy, or write access back if it is the last holder. Ok, or
 *  ResourceExhausted when no frame is left for the copy (nothing changed). */
export function resolve(root: u64, address: u64): Errno {
  const entry = pagetable.leafEntry(root, address);
  if (!shared(entry)) return Errno.InvalidArgument;
  const frame = entry & pagetable.PTE_ADDRESS_MASK;
  const count = frames.sharers(frame);
  if (writeAction(count) == WriteAction.Reclaim) {
    frames.setSharers(frame, 0);
    reclaims++;
    return pagetable.replace(root, address, frame, pagetable.Protection.ReadWrite, 0);
  }
  const copy = frames.alloc(0, frames.Owner.ModuleMemory);
  if (copy == 0) return Errno.ResourceExhausted;
  copyFrame(copy, frame);
  pagetable.replace(root, address, copy, pagetable.Protection.ReadWrite, 0);
  frames.setSharers(frame, sharersAfterLeave(count));
  copies++;
  return Errno.Ok;
}
