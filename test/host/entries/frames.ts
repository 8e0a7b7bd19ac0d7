// Test exports for the frame allocator (src/kernel/memory/frames.ts).
import * as frames from "../../../src/kernel/memory/frames";

export function framesInit(limit: u64, metadata: u64): void { frames.init(limit, metadata); }
export function framesRelease(start: u64, end: u64): void { frames.release(start, end); }
export function framesAlloc(order: u32, owner: i32): u64 { return frames.alloc(order, <frames.Owner>owner); }
export function framesFree(block: u64): i32 { return frames.free(block); }
export function framesOrderOf(block: u64): i32 { return frames.orderOf(block); }
export function framesTotal(): u64 { return frames.totalFrames(); }
export function framesFreeCount(): u64 { return frames.freeFrameCount(); }
export function framesFreeBlocks(order: u32): u64 { return frames.freeBlocks(order); }
export function framesOwned(owner: i32): u64 { return frames.framesOwnedBy(<frames.Owner>owner); }
export function framesMetadataSize(limit: u64): u64 { return frames.metadataSize(limit); }
