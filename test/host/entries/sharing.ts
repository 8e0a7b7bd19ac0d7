// Test exports for module memories and their copy-on-write sharing
// (src/kernel/memory/modulememory.ts, sharing.ts) on the fake machine's tables.
import * as frames from "../../../src/kernel/memory/frames";
import * as modulememory from "../../../src/kernel/memory/modulememory";
import * as pagetable from "../../../src/kernel/memory/pagetable";
import * as sharing from "../../../src/kernel/memory/sharing";

export function sharingWriteAction(sharers: u32): i32 { return sharing.writeAction(sharers); }
export function sharingAfterJoin(sharers: u32): u32 { return sharing.sharersAfterJoin(sharers); }
export function sharingAfterLeave(sharers: u32): u32 { return sharing.sharersAfterLeave(sharers); }
export function sharingCanJoin(sharers: u32): bool { return sharing.canJoin(sharers); }
export function sharingCopies(): u64 { return sharing.copyCount(); }
export function sharingReclaims(): u64 { return sharing.reclaimCount(); }
export function framesSharers(frame: u64): u32 { return frames.sharers(frame); }
export function framesSetSharers(frame: u64, count: u32): void { frames.setSharers(frame, count); }
export function ptMapSoftware(root: u64, address: u64, target: u64, protection: i32, software: u64): i32 {
  return pagetable.map(root, address, target, pagetable.PageSize.Small, <pagetable.Protection>protection, software);
}
export function ptReplace(root: u64, address: u64, target: u64, protection: i32, software: u64): i32 {
  return pagetable.replace(root, address, target, <pagetable.Protection>protection, software);
}
export function mmInit(root: u64): void { modulememory.init(root); }
export function mmCreate(pages: u32, maxPages: u32): u64 { return modulememory.create(pages, maxPages); }
export function mmGrow(base: u64, oldPages: u32, delta: u32): bool { return modulememory.grow(base, oldPages, delta); }
export function mmFault(address: u64): i32 { return modulememory.fault(address); }
export function mmWriteFault(address: u64): i32 { return modulememory.writeFault(address); }
export function mmShareFrom(from: u64, to: u64): i64 { return modulememory.shareFrom(from, to); }
export function mmDropPage(base: u64, address: u64): void { modulememory.dropPage(modulememory.slotOf(base), address); }
export function mmDestroy(base: u64): void { modulememory.destroy(base); }
export function mmLive(): i32 { return modulememory.live(); }
