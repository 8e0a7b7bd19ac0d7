// Test exports for the file system (src/kernel/fs) over a disk that lives in Node:
// the fake machine's testDisk* imports (fakehal.ts) read and write its blocks.
// Paths and data pass through a scratch area the test fills.
import { Errno } from "../../../src/abi";
import * as fs from "../../../src/kernel/fs";

@external("hal", "testDiskRead") declare function diskRead(block: u64, count: u32, buffer: usize): i32;
@external("hal", "testDiskWrite") declare function diskWrite(block: u64, count: u32, buffer: usize): i32;
@external("hal", "testDiskFlush") declare function diskFlush(): i32;

function hostRead(block: u64, count: u32, buffer: usize): Errno { return <Errno>diskRead(block, count, buffer); }
function hostWrite(block: u64, count: u32, buffer: usize): Errno { return <Errno>diskWrite(block, count, buffer); }
function hostFlush(): Errno { return <Errno>diskFlush(); }

const fsScratch = memory.data(1 << 20, 4096);
export function fsScratchAddress(): usize { return fsScratch; }
export function fsBind(blocks: u64): void { fs.device.bind(blocks, hostRead, hostWrite, hostFlush); }
export function fsFormat(blocks: u32, inodes: u32): i32 { return <i32>fs.mkfs.format(blocks, inodes); }
export function fsMount(readOnly: bool): i32 { return <i32>fs.mount(readOnly); }
export function fsUnmount(): i32 { return <i32>fs.unmount(); }
export function fsCheck(): u32 { return fs.check(); }
export function fsReadOnly(): bool { return fs.readOnly(); }
export function fsLookup(base: u32, path: usize, length: u32): i64 { return fs.files.lookup(base, path, length); }
export function fsCreate(base: u32, path: usize, length: u32, kind: i32): i64 { return fs.files.create(base, path, length, <fs.inode.Kind>kind, 0); }
export function fsRead(ino: u32, offset: u64, buffer: usize, length: u32): i64 { return fs.files.read(ino, offset, buffer, length); }
export function fsWrite(ino: u32, offset: u64, buffer: usize, length: u32): i64 { return fs.files.write(ino, offset, buffer, length); }
export function fsTruncate(ino: u32, size: u64): i32 { return <i32>fs.files.truncate(ino, size); }
export function fsUnlink(base: u32, path: usize, length: u32): i32 { return <i32>fs.files.unlink(base, path, length); }
export function fsRename(base: u32, from: usize, fromLength: u32, to: usize, toLength: u32): i32 { return <i32>fs.files.rename(base, from, fromLength, to, toLength); }
export function fsStat(ino: u32, out: usize): i32 { return <i32>fs.files.stat(ino, out); }
export function fsNext(dir: u32, from: u32, out: usize): i64 { return fs.directory.next(dir, from, out); }
export function fsSync(): i32 { return <i32>fs.files.sync(); }
export function fsFreeBlocks(): u32 { return fs.files.freeBlocks(); }
export function fsLastProblems(): u32 { return fs.fsck.lastProblems(); }
export function fsFiles(): u32 { return fs.fsck.fileCount(); }
export function fsDirectories(): u32 { return fs.fsck.directoryCount(); }
export function fsCrc32c(at: usize, length: u32): u32 { return fs.crc32c.checksum(at, length); }
export function fsCommits(): u64 { return fs.journal.commitCount(); }
export function fsFlushes(): u64 { return fs.device.flushCount(); }
export function telemetryOpen(path: usize, length: u32, segmentBytes: u32, keep: u32): i32 { return <i32>fs.telemetry.open(fs.ROOT, path, length, segmentBytes, keep); }
export function telemetryAppend(payload: usize, length: u32): i32 { return <i32>fs.telemetry.append(payload, length); }
export function telemetrySync(): i32 { return <i32>fs.telemetry.sync(); }
export function telemetryRewind(): void { fs.telemetry.rewind(); }
export function telemetryNext(out: usize, capacity: u32): i64 { return fs.telemetry.next(out, capacity); }
export function telemetrySegments(): u32 { return fs.telemetry.segmentsKept(); }
export function telemetryOldest(): u32 { return fs.telemetry.oldestSegment(); }
export function telemetryNewest(): u32 { return fs.telemetry.newestSegment(); }
export function snapshotTake(base: u32, from: usize, fromLength: u32, to: usize, toLength: u32): i32 { return <i32>fs.snapshot.take(base, from, fromLength, to, toLength); }
export function snapshotDrop(base: u32, path: usize, length: u32): i32 { return <i32>fs.snapshot.drop(base, path, length); }
