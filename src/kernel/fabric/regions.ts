// regions.ts — the memory fabric: regions of whole frames that can be mapped into
// several module instances' linear memories at page-aligned offsets (one frame,
// many mappings: zero-copy sharing), each mapping with its own permission; a tag
// and a version counter per region; leases that reclaim a region when they run
// out unless renewed; and reclaim when the region's owner instance ends.
//   region:  frames[pages] | kind | tag | version | lease deadline | owner slot
//   mapping: (region, instance slot, offset) — unmapped again on detach or expiry
import { Errno } from "../../abi";
import * as clock from "../clock";
import { frames, kernelspace, modulememory, pagetable } from "../memory";
import * as physical from "../physical";
import * as timers from "../time/timers";

export const enum Kind { Ephemeral = 0, Persistent = 1, Shared = 2 }
export const MAX_REGIONS: i32 = 64;
export const MAX_PAGES: u32 = 16;
const MAX_MAPPINGS: i32 = 256;
const PAGE: u64 = 4096;
const NONE: i32 = -1;

const regionUsed = memory.data(MAX_REGIONS);
const regionFrames = memory.data(MAX_REGIONS * <i32>MAX_PAGES * 8);
const regionPages = memory.data(MAX_REGIONS * 4);
const regionKind = memory.data(MAX_REGIONS);
const regionTag = memory.data(MAX_REGIONS * 4);
const regionVersion = memory.data(MAX_REGIONS * 4);
const regionLease = memory.data(MAX_REGIONS * 8);
const regionLeaseTimer = memory.data(MAX_REGIONS * 4);
const regionOwner = memory.data(MAX_REGIONS * 4);
const mapRegion = memory.data(MAX_MAPPINGS * 4);
const mapSlot = memory.data(MAX_MAPPINGS * 4);
const mapOffset = memory.data(MAX_MAPPINGS * 8);

function a32(base: usize, i: i32): usize { return base + <usize>i * 4; }
function a64(base: usize, i: i32): usize { return base + <usize>i * 8; }
function frameOf(r: i32, page: u32): u64 { return load<u64>(regionFrames + (<usize>r * MAX_PAGES + <usize>page) * 8); }
export function valid(r: i32): bool { return r >= 0 && r < MAX_REGIONS && load<u8>(regionUsed + <usize>r) != 0; }

export function init(): void {
  memory.fill(regionUsed, 0, MAX_REGIONS);
  for (let m = 0; m < MAX_MAPPINGS; m++) store<i32>(a32(mapRegion, m), NONE);
  modulememory.setDestroyHook(detachSlot);
}

function onLease(id: u32, region: u32): void {
  const r = <i32>region;
  if (valid(r) && load<u64>(a64(regionLease, r)) <= clock.nanoseconds()) destroy(r);
}

function armLease(r: i32, nanoseconds: u64): void {
  store<u64>(a64(regionLease, r), nanoseconds == 0 ? 0 : clock.nanoseconds() + nanoseconds);
  const old = load<u32>(a32(regionLeaseTimer, r));
  if (old != 0) timers.cancel(old);
  store<u32>(a32(regionLeaseTimer, r), nanoseconds == 0 ? 0 : timers.add(nanoseconds, onLease, <u32>r));
}

/** A region of `pages` zeroed frames owned by instance slot `owner` (-1: the
 *  kernel); a lease of `leaseNs` (0: none). Its id, or -1. */
export function create(pages: u32, kind: Kind, tag: u32, leaseNs: u64, owner: i32): i32 {
  if (pages == 0 || pages > MAX_PAGES) return NONE;
  for (let r = 0; r < MAX_REGIONS; r++) {
    if (load<u8>(regionUsed + <usize>r) != 0) continue;
    for (let p: u32 = 0; p < pages; p++) {
      const frame = frames.alloc(0, frames.Owner.ModuleMemory);
      if (frame == 0) {
        for (let q: u32 = 0; q < p; q++) frames.free(frameOf(r, q));
        return NONE;
      }
      physical.zero(frame, PAGE);
      store<u64>(regionFrames + (<usize>r * MAX_PAGES + <usize>p) * 8, frame);
    }
    store<u8>(regionUsed + <usize>r, 1);
    store<u32>(a32(regionPages, r), pages);
    store<u8>(regionKind + <usize>r, <u8>kind);
    store<u32>(a32(regionTag, r), tag);
    store<u32>(a32(regionVersion, r), 0);
    store<i32>(a32(regionOwner, r), owner);
    store<u32>(a32(regionLeaseTimer, r), 0);
    armLease(r, leaseNs);
    return r;
  }
  return NONE;
}

/** Maps region `r` into the memory of instance slot `slot` (base `memoryBase`) at
 *  page-aligned `offset`; whatever the instance had there is dropped. */
export function map(r: i32, slot: i32, memoryBase: u64, offset: u64, writable: bool): Errno {
  if (!valid(r) || (offset & (PAGE - 1)) != 0) return Errno.InvalidArgument;
  const index = modulememory.slotOf(memoryBase);
  const pages = load<u32>(a32(regionPages, r));
  if (index < 0 || modulememory.slotBase(index) != memoryBase) return Errno.InvalidArgument;
  if (offset + <u64>pages * PAGE > modulememory.sizeBytes(index)) return Errno.InvalidArgument;
  let mapping = NONE;
  for (let m = 0; m < MAX_MAPPINGS && mapping == NONE; m++) if (load<i32>(a32(mapRegion, m)) == NONE) mapping = m;
  if (mapping == NONE) return Errno.ResourceExhausted;
  const root = kernelspace.rootTable();
  for (let p: u32 = 0; p < pages; p++) {
    const address = memoryBase + offset + <u64>p * PAGE;
    modulememory.dropPage(index, address);
    // FOREIGN: the frame is the region's, so a clone copies it and the memory never frees it
    const result = pagetable.map(root, address, frameOf(r, p), pagetable.PageSize.Small,
      writable ? pagetable.Protection.ReadWrite : pagetable.Protection.Read, pagetable.PTE_FOREIGN);
    if (result != Errno.Ok) return result;
  }
  store<i32>(a32(mapRegion, mapping), r);
  store<i32>(a32(mapSlot, mapping), slot);
  store<u64>(a64(mapOffset, mapping), memoryBase + offset);
  return Errno.Ok;
}

function unmapMapping(m: i32): void {
  const r = load<i32>(a32(mapRegion, m));
  const base = load<u64>(a64(mapOffset, m));
  const root = kernelspace.rootTable();
  for (let p: u32 = 0; p < load<u32>(a32(regionPages, r)); p++) pagetable.unmap(root, base + <u64>p * PAGE);
  store<i32>(a32(mapRegion, m), NONE);
}

/** Ends region `r`: unmapped everywhere, its frames freed. */
export function destroy(r: i32): Errno {
  if (!valid(r)) return Errno.InvalidArgument;
  for (let m = 0; m < MAX_MAPPINGS; m++) if (load<i32>(a32(mapRegion, m)) == r) unmapMapping(m);
  const timer = load<u32>(a32(regionLeaseTimer, r));
  if (timer != 0) timers.cancel(timer);
  for (let p: u32 = 0; p < load<u32>(a32(regionPages, r)); p++) frames.free(frameOf(r, p));
  store<u8>(regionUsed + <usize>r, 0);
  return Errno.Ok;
}

/** Before a module memory goes: its mappings are removed (the region's frames are
 *  not the memory's to free) and the regions it owns end. */
function detachSlot(memoryBase: u64): void {
  for (let m = 0; m < MAX_MAPPINGS; m++) {
    if (load<i32>(a32(mapRegion, m)) == NONE) continue;
    const at = load<u64>(a64(mapOffset, m));
    if (modulememory.slotOf(at) == modulememory.slotOf(memoryBase)) unmapMapping(m);
  }
  const index = modulememory.slotOf(memoryBase);
  for (let r = 0; r < MAX_REGIONS; r++) if (valid(r) && load<i32>(a32(regionOwner, r)) == index) destroy(r);
}

export function renew(r: i32, leaseNs: u64): Errno {
  if (!valid(r)) return Errno.InvalidArgument;
  armLease(r, leaseNs);
  return Errno.Ok;
}

/** Bumps the version after a writer publishes; the new version. */
export function publish(r: i32): u32 {
  if (!valid(r)) return 0;
  const next = load<u32>(a32(regionVersion, r)) + 1;
  store<u32>(a32(regionVersion, r), next);
  return next;
}

export function version(r: i32): u32 { return valid(r) ? load<u32>(a32(regionVersion, r)) : 0; }
export function tag(r: i32): u32 { return valid(r) ? load<u32>(a32(regionTag, r)) : 0; }
export function kind(r: i32): Kind { return <Kind>load<u8>(regionKind + <usize>r); }
