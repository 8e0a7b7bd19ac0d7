// modulememory.ts — module linear memories: one 8 GiB slot of virtual space per
// memory, charged to a pool. Pages below the memory's size are mapped on first
// touch (a demand fault); everything above is never mapped, so an out-of-bounds
// access faults and becomes a wasm trap for that module. Destroying a memory
// returns every frame it had and the page tables under its slot. A memory can
// start on another's frames, copy-on-write (shareFrom, for an agent's clone:
// sharing.ts); its frames are then released a holder at a time.
// One lock guards the slots' leaves and the frames' sharer counts: it is taken by
// the page-fault handler (interrupts off), so thread-context holders disable
// interrupts too, and nothing under it touches a module memory through its slot.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as frames from "./frames";
import * as pagetable from "./pagetable";
import * as physical from "../physical";
import * as pools from "./pools";
import * as sharing from "./sharing";
import * as locks from "../sync/locks";
import { MODULE_REGION_BASE, MODULE_SLOT_SIZE, MODULE_SLOTS } from "./layout";

const WASM_PAGE: u64 = 65536;
const PAGES_PER_WASM_PAGE: u64 = WASM_PAGE / frames.FRAME_SIZE;

const slotUsed = memory.data(MODULE_SLOTS);
const slotPages = memory.data(MODULE_SLOTS * 4);      // current size, wasm pages
const slotPool = memory.data(MODULE_SLOTS * 4);
const slotPrefault = memory.data(MODULE_SLOTS);
let kernelRoot: u64 = 0;
let creatingPool: i32 = pools.KERNEL_POOL;
let creatingPrefault = false;
let releasingPool: i32 = 0;
let liveMemories: i32 = 0;
const lock = memory.data(locks.TICKET_LOCK_BYTES);

function enter(): u64 {
  const flags = cpu.saveInterrupts();
  locks.ticketAcquire(lock);
  return flags;
}

function leave(flags: u64): void {
  locks.ticketRelease(lock);
  cpu.restoreInterrupts(flags);
}

export function init(root: u64): void {
  kernelRoot = root;
  memory.fill(slotUsed, 0, MODULE_SLOTS);
}

/** Which pool (and placement) the next create() charges: set before instantiating. */
export function setCreator(pool: i32, prefault: bool): void {
  creatingPool = pool;
  creatingPrefault = prefault;
}

export function slotBase(index: i32): u64 { return MODULE_REGION_BASE + <u64>index * MODULE_SLOT_SIZE; }

/** The slot holding `address`, or -1. */
export function slotOf(address: u64): i32 {
  if (address < MODULE_REGION_BASE || address >= MODULE_REGION_BASE + <u64>MODULE_SLOTS * MODULE_SLOT_SIZE) return -1;
  const index = <i32>((address - MODULE_REGION_BASE) / MODULE_SLOT_SIZE);
  return load<u8>(slotUsed + <usize>index) != 0 ? index : -1;
}

export function sizeBytes(index: i32): u64 { return <u64>load<u32>(slotPages + <usize>index * 4) * WASM_PAGE; }
export function poolOf(index: i32): i32 { return load<i32>(slotPool + <usize>index * 4); }
export function live(): i32 { return liveMemories; }

/** Maps one zeroed frame at `address` inside slot `index`. */
function mapFrame(index: i32, address: u64): Errno {
  const frame = frames.alloc(0, frames.Owner.ModuleMemory);
  if (frame == 0) return Errno.ResourceExhausted;
  physical.zero(frame, frames.FRAME_SIZE);
  const result = pagetable.map(kernelRoot, address & ~(frames.FRAME_SIZE - 1), frame, pagetable.PageSize.Small, pagetable.Protection.ReadWrite);
  if (result != Errno.Ok) {
    frames.free(frame);
    return result;
  }
  pools.countMapped(poolOf(index), 1);
  return Errno.Ok;
}

function prefault(index: i32, fromBytes: u64, toBytes: u64): Errno {
  for (let at = fromBytes; at < toBytes; at += frames.FRAME_SIZE) {
    const flags = enter();
    const result = mapFrame(index, slotBase(index) + at);
    leave(flags);
    if (result != Errno.Ok) return result;
  }
  return Errno.Ok;
}

/** A new memory of `initialPages` wasm pages; its base address, or 0 when out of
 *  slots or past the creator pool's quota. */
export function create(initialPages: u32, maxPages: u32): u64 {
  if (kernelRoot == 0) return 0;
  if (pools.commit(creatingPool, <u64>initialPages * PAGES_PER_WASM_PAGE) != Errno.Ok) return 0;
  for (let index = 0; index < MODULE_SLOTS; index++) {
    if (load<u8>(slotUsed + <usize>index) != 0) continue;
    store<u8>(slotUsed + <usize>index, 1);
    store<u32>(slotPages + <usize>index * 4, initialPages);
    store<i32>(slotPool + <usize>index * 4, creatingPool);
    store<u8>(slotPrefault + <usize>index, creatingPrefault ? 1 : 0);
    liveMemories++;
    if (creatingPrefault && prefault(index, 0, sizeBytes(index)) != Errno.Ok) {
      destroy(slotBase(index));
      return 0;
    }
    return slotBase(index);
  }
  pools.uncommit(creatingPool, <u64>initialPages * PAGES_PER_WASM_PAGE);
  return 0;
}

/** memory.grow: true when the pool takes `delta` more wasm pages. */
export function grow(base: u64, oldPages: u32, delta: u32): bool {
  const index = slotOf(base);
  if (index < 0 || slotBase(index) != base) return false;
  if (pools.commit(poolOf(index), <u64>delta * PAGES_PER_WASM_PAGE) != Errno.Ok) return false;
  const oldBytes = sizeBytes(index);
  store<u32>(slotPages + <usize>index * 4, oldPages + delta);
  if (load<u8>(slotPrefault + <usize>index) != 0 && prefault(index, oldBytes, sizeBytes(index)) != Errno.Ok) {
    return false;        // the pages mapped so far stay accounted and are freed with the memory
  }
  return true;
}

/** One leaf of a memory being torn down: its frame loses a holder. */
function releaseFrame(frame: u64): void {
  sharing.release(frame);
  pools.countMapped(releasingPool, -1);
}

export type DestroyHook = (base: u64) => void;
let destroyHook: u32 = 0;

/** Called before a memory is torn down (the memory fabric detaches its shared pages). */
export function setDestroyHook(hook: DestroyHook): void { destroyHook = <u32>changetype<usize>(hook); }

/** Unmaps the page at `address`; its frame loses a holder if it was the memory's own. */
function drop(index: i32, address: u64): void {
  const entry = pagetable.leafEntry(kernelRoot, address);
  if ((entry & pagetable.PTE_PRESENT) == 0) return;
  pagetable.unmap(kernelRoot, address);
  if (!sharing.own(entry)) return;
  sharing.release(entry & pagetable.PTE_ADDRESS_MASK);
  pools.countMapped(poolOf(index), -1);
}

/** Drops the memory's own frame at `address` (page-aligned) of slot `index`, if
 *  mapped (a copy-on-write one loses a holder), so a region's can take its place. */
export function dropPage(index: i32, address: u64): void {
  const flags = enter();
  drop(index, address);
  leave(flags);
}

/** Frees every frame and table of the memory at `base`. */
export function destroy(base: u64): void {
  const index = slotOf(base);
  if (index < 0 || slotBase(index) != base) return;
  if (destroyHook != 0) changetype<DestroyHook>(<usize>destroyHook)(base);
  const flags = enter();
  releasingPool = poolOf(index);
  pagetable.releaseRange(kernelRoot, base, MODULE_SLOT_SIZE, releaseFrame);
  leave(flags);
  pools.uncommit(releasingPool, <u64>load<u32>(slotPages + <usize>index * 4) * PAGES_PER_WASM_PAGE);
  store<u8>(slotUsed + <usize>index, 0);
  liveMemories--;
}

export const enum FaultVerdict { NotModuleMemory = 0, Mapped = 1, GuardHit = 2, OutOfMemory = 3, ReadOnly = 4 }

/** A not-present fault at `address`: demand-map it if it lies below its memory's size. */
export function fault(address: u64): FaultVerdict {
  const index = slotOf(address);
  if (index < 0) return address >= MODULE_REGION_BASE && address < MODULE_REGION_BASE + <u64>MODULE_SLOTS * MODULE_SLOT_SIZE
    ? FaultVerdict.GuardHit : FaultVerdict.NotModuleMemory;
  if (address - slotBase(index) >= sizeBytes(index)) return FaultVerdict.GuardHit;
  const flags = enter();
  // another CPU may have mapped it since this one faulted: then there is nothing to do
  const result = (pagetable.leafEntry(kernelRoot, address) & pagetable.PTE_PRESENT) != 0
    ? Errno.Ok : mapFrame(index, address);
  leave(flags);
  return result == Errno.Ok ? FaultVerdict.Mapped : FaultVerdict.OutOfMemory;
}

/** A write to a present page at `address` faulted: a copy-on-write page gets
 *  resolved (Mapped), any other read-only page is the writer's error (ReadOnly). */
export function writeFault(address: u64): FaultVerdict {
  const index = slotOf(address);
  if (index < 0) return FaultVerdict.NotModuleMemory;
  const page = address & ~(frames.FRAME_SIZE - 1);
  const flags = enter();
  const entry = pagetable.leafEntry(kernelRoot, page);
  let verdict = FaultVerdict.ReadOnly;
  if (sharing.shared(entry)) {
    verdict = sharing.resolve(kernelRoot, page) == Errno.Ok ? FaultVerdict.Mapped : FaultVerdict.OutOfMemory;
  } else if ((entry & pagetable.PTE_WRITABLE) != 0) {
    cpu.invalidatePage(page);        // resolved on another CPU already: this TLB was stale
    verdict = FaultVerdict.Mapped;
  }
  leave(flags);
  return verdict;
}

/** Makes memory `to` start on `from`'s contents, copy-on-write: every page `from`
 *  has mapped below `to`'s size is shared read-only by both (what `to` had there
 *  is dropped), a page of someone else's (a fabric region) is copied, and a page
 *  `from` never touched is unmapped in `to`. Only this CPU's TLB is flushed of
 *  `from`'s writable entries: the caller shoots down the other CPUs' before `from`
 *  runs again. The pages shared, or -Errno. */
export function shareFrom(from: u64, to: u64): i64 {
  const source = slotOf(from);
  const target = slotOf(to);
  if (source < 0 || target < 0 || slotBase(source) != from || slotBase(target) != to || source == target) return -(<i64>Errno.InvalidArgument);
  const bytes = sizeBytes(source) < sizeBytes(target) ? sizeBytes(source) : sizeBytes(target);
  const pool = poolOf(target);
  let sharedPages: i64 = 0;
  for (let at: u64 = 0; at < bytes; at += frames.FRAME_SIZE) {
    const flags = enter();
    const entry = pagetable.leafEntry(kernelRoot, from + at);
    drop(target, to + at);
    let result = Errno.Ok;
    if (sharing.own(entry)) {
      result = sharing.join(kernelRoot, from + at, to + at);
      if (result == Errno.Ok) {
        pools.countMapped(pool, 1);
        sharedPages++;
      }
    }
    if ((entry & pagetable.PTE_PRESENT) != 0 && (!sharing.own(entry) || result == Errno.NotSupported)) {
      result = mapFrame(target, to + at);       // not shareable: a private copy
      if (result == Errno.Ok) sharing.copyFrame(pagetable.translate(kernelRoot, to + at), entry & pagetable.PTE_ADDRESS_MASK);
    }
    leave(flags);
    if (result != Errno.Ok) return -(<i64>result);
  }
  return sharedPages;
}
