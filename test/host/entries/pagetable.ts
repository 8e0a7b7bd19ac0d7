// Test exports for page tables (src/kernel/memory/pagetable.ts) and pools.
import * as pagetable from "../../../src/kernel/memory/pagetable";
import * as frames from "../../../src/kernel/memory/frames";
import * as pools from "../../../src/kernel/memory/pools";

export function pteEncodeLeaf(address: u64, size: i32, protection: i32): u64 { return pagetable.encodeLeaf(address, <pagetable.PageSize>size, <pagetable.Protection>protection); }
export function pteEncodeTable(address: u64): u64 { return pagetable.encodeTable(address); }
export function pteProtectionOf(entry: u64): i32 { return pagetable.protectionOf(entry); }
export function pteCanonical(address: u64): bool { return pagetable.canonical(address); }
export function ptNewTable(): u64 { return pagetable.newTable(); }
export function ptMap(root: u64, address: u64, target: u64, size: i32, protection: i32): i32 { return pagetable.map(root, address, target, <pagetable.PageSize>size, <pagetable.Protection>protection); }
export function ptUnmap(root: u64, address: u64): u64 { return pagetable.unmap(root, address); }
export function ptProtect(root: u64, address: u64, protection: i32): i32 { return pagetable.protect(root, address, <pagetable.Protection>protection); }
export function ptTranslate(root: u64, address: u64): u64 { return pagetable.translate(root, address); }
export function ptLeaf(root: u64, address: u64): u64 { return pagetable.leafEntry(root, address); }
function releaseToFrames(frame: u64): void { frames.free(frame); }
export function ptReleaseRange(root: u64, start: u64, length: u64): void { pagetable.releaseRange(root, start, length, releaseToFrames); }
export function poolsInit(): void { pools.init(); }
export function poolsCreate(quota: u64): i32 { return pools.create(quota); }
export function poolsCommit(pool: i32, pages: u64): i32 { return pools.commit(pool, pages); }
export function poolsUncommit(pool: i32, pages: u64): void { pools.uncommit(pool, pages); }
export function poolsSetCommitLimit(pages: u64): void { pools.setCommitLimit(pages); }
export function poolsDestroy(pool: i32): i32 { return pools.destroy(pool); }
