// modulememory.ts — module linear memories: one 8 GiB slot of virtual space per
// memory, charged to a pool. Pages below the memory's size are mapped on first
// touch (a demand fault); everything above is never mapped, so an out-of-bounds
// access faults and becomes a wasm trap for that module. Destroying a memory
// returns every frame it had and the page tables under its slot.
import { Errno } from "../../abi";
import * as frames from "./frames";
import * as pagetable from "./pagetable";
import * as physical from "../physical";
import * as pools from "./pools";
import * as ipi from "../platform/ipi";
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
    const result = mapFrame(index, slotBase(index) + at);
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

function releaseFrame(frame: u64): void {
  frames.free(frame);
  pools.countMapped(releasingPool, -1);
}

export type DestroyHook = (base: u64) => void;
let destroyHook: u32 = 0;

/** Called before a memory is torn down (the memory fabric detaches its shared pages). */
export function setDestroyHook(hook: DestroyHook): void { destroyHook = <u32>changetype<usize>(hook); }

/** Drops the privately owned frame at `address` (page-aligned) of slot `index`, if
 *  mapped, so a shared one can take its place. */
export function dropPage(index: i32, address: u64): void {
  const frame = pagetable.unmap(kernelRoot, address);
  if (frame == pagetable.NOT_MAPPED) return;
  if (ipi.othersOnline()) ipi.shootdown(address);   // the instance may run on another CPU
  frames.free(frame);
  pools.countMapped(poolOf(index), -1);
}

/** Frees every frame and table of the memory at `base`. */
export function destroy(base: u64): void {
  const index = slotOf(base);
  if (index < 0 || slotBase(index) != base) return;
  if (destroyHook != 0) changetype<DestroyHook>(<usize>destroyHook)(base);
  releasingPool = poolOf(index);
  pagetable.releaseRange(kernelRoot, base, MODULE_SLOT_SIZE, releaseFrame);
  pools.uncommit(releasingPool, <u64>load<u32>(slotPages + <usize>index * 4) * PAGES_PER_WASM_PAGE);
  store<u8>(slotUsed + <usize>index, 0);
  liveMemories--;
}

export const enum FaultVerdict { NotModuleMemory = 0, Mapped = 1, GuardHit = 2, OutOfMemory = 3 }

/** A page fault at `address`: demand-map it if it lies below its memory's size. */
export function fault(address: u64): FaultVerdict {
  const index = slotOf(address);
  if (index < 0) return address >= MODULE_REGION_BASE && address < MODULE_REGION_BASE + <u64>MODULE_SLOTS * MODULE_SLOT_SIZE
    ? FaultVerdict.GuardHit : FaultVerdict.NotModuleMemory;
  if (address - slotBase(index) >= sizeBytes(index)) return FaultVerdict.GuardHit;
  return mapFrame(index, address) == Errno.Ok ? FaultVerdict.Mapped : FaultVerdict.OutOfMemory;
}
