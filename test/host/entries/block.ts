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

// ---- the request queue against a fake driver: start() records what it was
// given, the test completes requests when it likes (as an interrupt would).
import * as queue from "../../../src/kernel/block/queue";
import { Errno } from "../../../src/abi";

const started = memory.data(4 * 256);
let startedCount: i32 = 0;
let failNextStart: i32 = 0;
function fakeStart(context: u32, r: i32): Errno {
  if (failNextStart != 0) { const e = <Errno>failNextStart; failNextStart = 0; return e; }
  store<i32>(started + <usize>(startedCount & 255) * 4, r);
  startedCount++;
  return Errno.Ok;
}
function fakePoll(context: u32): void {}

export function fakeDisk(sectors: u64, depth: u32, maxSectors: u32, flags: u8, policy: i32): i32 {
  startedCount = 0;
  return queue.addDisk("fk", -1, 512, sectors, fakeStart, fakePoll, 0, depth, maxSectors, flags, <iosched.Policy>policy);
}
export function fakeStartedCount(): i32 { return startedCount; }
export function fakeStarted(i: i32): i32 { return load<i32>(started + <usize>(i & 255) * 4); }
export function fakeFailNextStart(error: i32): void { failNextStart = error; }
export function blockSubmit(d: i32, op: i32, sector: u64, count: u32, buffer: u64): i32 { return queue.submit(d, <queue.Op>op, sector, count, buffer); }
export function blockComplete(r: i32, result: i32): void { queue.complete(r, <Errno>result); }
export function blockWait(r: i32): i32 { return <i32>queue.wait(r); }
export function blockDone(r: i32): bool { return queue.done(r); }
export function blockRequestSector(r: i32): u64 { return queue.requestSector(r); }
export function blockRequestOp(r: i32): i32 { return <i32>queue.requestOp(r); }
export function blockRequestsInUse(): i32 { return queue.requestsInUse(); }
export function blockAddPartition(whole: i32, n: i32, first: u64, sectors: u64): i32 { return queue.addPartition(whole, n, first, sectors); }
export function blockSetPolicy(d: i32, policy: i32): void { queue.setPolicy(d, <iosched.Policy>policy); }
export function blockNameByte(d: i32, i: i32): u8 { return queue.nameByte(d, i); }
