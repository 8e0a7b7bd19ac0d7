// stacks.ts — kernel stacks for the threads and CPUs to come: each in its own
// slot of the stack region, its pages mapped read+write no-execute, with the
// page below it left unmapped as the guard that turns an overflow into a fault.
//
//   slot (256 KiB):  [ guard | ............ unused ............ | stack pages ] <- top
import { Errno } from "../../abi";
import * as frames from "./frames";
import * as pagetable from "./pagetable";
import * as physical from "../physical";
import { GUARD_SIZE, STACK_REGION_BASE, STACK_SLOTS, STACK_SLOT_SIZE } from "./layout";

const FRAME: u64 = 4096;
const slotPages = memory.data(STACK_SLOTS * 4);   // mapped pages per slot, 0 = free
let root: u64 = 0;

export function init(kernelRoot: u64): void {
  root = kernelRoot;
  memory.fill(slotPages, 0, STACK_SLOTS * 4);
}

/** A stack of `pages` pages (the slot holds at most 63); its top address, or 0. */
export function allocate(pages: u32): u64 {
  if (root == 0 || pages == 0 || <u64>pages * FRAME > STACK_SLOT_SIZE - GUARD_SIZE) return 0;
  for (let slot = 0; slot < STACK_SLOTS; slot++) {
    if (load<u32>(slotPages + <usize>slot * 4) != 0) continue;
    const top = STACK_REGION_BASE + <u64>(slot + 1) * STACK_SLOT_SIZE;
    store<u32>(slotPages + <usize>slot * 4, pages);
    for (let i: u32 = 1; i <= pages; i++) {
      const frame = frames.alloc(0, frames.Owner.Stack);
      if (frame == 0 || pagetable.map(root, top - <u64>i * FRAME, frame, pagetable.PageSize.Small, pagetable.Protection.ReadWrite) != Errno.Ok) {
        if (frame != 0) frames.free(frame);
        store<u32>(slotPages + <usize>slot * 4, i - 1);
        release(top);
        return 0;
      }
      physical.zero(frame, FRAME);
    }
    return top;
  }
  return 0;
}

/** Unmaps a stack from allocate() and frees its frames. */
export function release(top: u64): Errno {
  if (top <= STACK_REGION_BASE || (top - STACK_REGION_BASE) % STACK_SLOT_SIZE != 0) return Errno.InvalidArgument;
  const slot = <i32>((top - STACK_REGION_BASE) / STACK_SLOT_SIZE) - 1;
  if (slot >= STACK_SLOTS) return Errno.InvalidArgument;
  const pages = load<u32>(slotPages + <usize>slot * 4);
  for (let i: u32 = 1; i <= pages; i++) {
    const frame = pagetable.unmap(root, top - <u64>i * FRAME);
    if (frame != pagetable.NOT_MAPPED) frames.free(frame);
  }
  store<u32>(slotPages + <usize>slot * 4, 0);
  return pages == 0 ? Errno.InvalidArgument : Errno.Ok;
}

/** The lowest address of the guard page under the stack whose top is `top`. */
export function guardOf(top: u64, pages: u32): u64 { return top - <u64>pages * FRAME - GUARD_SIZE; }
