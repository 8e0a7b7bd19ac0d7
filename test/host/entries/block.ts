// Test exports for the block layer's pure parts: partition tables and the I/O
// scheduler's choice, over a scratch area the test fills.
import * as partitions from "../../../src/kernel/block/partitions";
import * as iosched from "../../../src/kernel/block/iosched";

const scratch = memory.data(65536);
export function blockScratch(): usize { return scratch; }
export function partitionsParseMbr(sector0: usize, total: u64): i32 { return <i32>partitions.parseMbr(sector0, total); }
export function partitionsCheckGptHeader(header: usize, sectorSize: u32, at: u64, total: u64): i32 { return <i32>partitions.checkGptHeader(header, sectorSize, at, total); }
export function partitionsParseGptEntries(header: usize, entries: usize): i32 { return <i32>partitions.parseGptEntries(header, entries); }
export function partitionsTable(): i32 { return <i32>partitions.table(); }
export function partitionsCount(): i32 { return partitions.count(); }
export function partitionsFirst(i: i32): u64 { return partitions.first(i); }
export function partitionsSectors(i: i32): u64 { return partitions.sectors(i); }
export function partitionsCrc32(at: usize, length: u32): u32 { return partitions.crc32(at, length); }
export function ioschedPick(policy: i32, count: i32, sectors: usize, deadlines: usize, flushes: usize, head: u64, now: u64): i32 {
  return iosched.pick(<iosched.Policy>policy, count, sectors, deadlines, flushes, head, now);
}
