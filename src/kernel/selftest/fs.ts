// fs.ts — guest scenarios for the file system (src/kernel/fs), on the disk kmain
// mounted at boot (the first one carrying the AIOS magic):
//   fs-persist   reads a file the host put in with `build.ts mkfs --put`, writes a
//                note and a 60 KiB pattern file, snapshots them, changes the
//                note in place, fsyncs, fscks;
//   fs-verify    the next boot: the files read back (the snapshot's note the old
//                text), fsck clean;
//   fs-powercut  one cycle of the power-cut test: checks what the last cycle's
//                workload left (every file w0, w1… whole; fsck clean), removes
//                it, then creates, writes and fsyncs w0, w1… printing each
//                acknowledgement, until the host kills QEMU;
//   fs-full      writes until the disk is full (ResourceExhausted), fsck still
//                clean, then frees and writes again;
//   fs-badblock  QEMU fails a write (blkdebug): DeviceError, the volume read-only;
//   fs-status    prints whether and how the volume was mounted (bad images);
//   fs-telemetry the telemetry store: appends rotate segments, the newest kept;
//   bench-fs     file creation, sequential write and fsync rates.
import { Errno } from "../../abi";
import * as clock from "../clock";
import * as fs from "../fs";
import * as line from "../line";
import * as log from "../log";

const PATH_BYTES: i32 = 128;
const pathBuffer = memory.data(PATH_BYTES);
const DATA_BYTES: u32 = 64 << 10;
const data = memory.data(<i32>DATA_BYTES, 4096);
const back = memory.data(<i32>DATA_BYTES, 4096);

/** `text` as bytes in the path buffer; its length. */
function path(text: string): u32 {
  for (let i = 0; i < text.length && i < PATH_BYTES; i++) store<u8>(pathBuffer + <usize>i, <u8>text.charCodeAt(i));
  return <u32>text.length;
}

/** "w<n>" in the path buffer; its length. */
function numbered(prefix: string, n: u32): u32 {
  let length = path(prefix);
  let digits: u32 = 1;
  for (let v = n; v >= 10; v /= 10) digits++;
  for (let i: u32 = 0; i < digits; i++) {
    store<u8>(pathBuffer + <usize>(length + digits - 1 - i), <u8>(0x30 + (n / pow10(i)) % 10));
  }
  return length + digits;
}
function pow10(i: u32): u32 { let v: u32 = 1; for (let k: u32 = 0; k < i; k++) v *= 10; return v; }

function lookup(length: u32): i64 { return fs.files.lookup(fs.ROOT, pathBuffer, length); }
function create(length: u32, kind: fs.inode.Kind): i64 { return fs.files.create(fs.ROOT, pathBuffer, length, kind, 0); }

/** Pattern bytes for file `seed`: `size` of them into `to`. */
function pattern(to: usize, seed: u32, size: u32): void {
  for (let j: u32 = 0; j < size; j++) store<u8>(to + j, <u8>((seed * 31 + j * 7 + (j >> 9)) & 0xff));
}
function same(a: usize, b: usize, size: u32): bool {
  for (let j: u32 = 0; j < size; j++) if (load<u8>(a + j) != load<u8>(b + j)) return false;
  return true;
}

function errnoName(e: i64): string {
  if (e == Errno.Ok) return "ok";
  if (e == Errno.ResourceExhausted) return "resource_exhausted";
  if (e == Errno.DeviceError) return "device_error";
  if (e == Errno.PermissionDenied) return "permission_denied";
  if (e == Errno.NotFound) return "not_found";
  if (e == Errno.Malformed) return "malformed";
  return "other";
}

function mountedOrSay(name: string): bool {
  if (fs.mounted()) return true;
  line.reset();
  line.text("AIOS ");
  line.text(name);
  line.text(" no file system mounted");
  log.publish();
  return false;
}

const HOST_TEXT = "hello from the host\n";
const NOTE_TEXT = "written by the guest\n";
const PATTERN_BYTES: u32 = 60 << 10;

export function persist(): bool {
  if (!mountedOrSay("fs-persist")) return false;
  let hostOk = false;
  const host = lookup(path("host/hello.txt"));
  if (host > 0) {
    const n = fs.files.read(<u32>host, 0, back, 256);
    path(HOST_TEXT);
    hostOk = n == HOST_TEXT.length && same(back, pathBuffer, <u32>n);
  }
  let r = create(path("guest"), fs.inode.Kind.Directory);
  let ok = r > 0;
  const note = ok ? create(path("guest/note.txt"), fs.inode.Kind.File) : -1;
  const noteLength = path(NOTE_TEXT);
  ok = ok && note > 0 && fs.files.write(<u32>note, 0, pathBuffer, noteLength) == noteLength;
  pattern(data, 7, PATTERN_BYTES);
  const big = ok ? create(path("guest/pattern.bin"), fs.inode.Kind.File) : -1;
  ok = ok && big > 0 && fs.files.write(<u32>big, 0, data, PATTERN_BYTES) == PATTERN_BYTES;
  // a snapshot of guest/, then the note changed in place: the snapshot keeps the old text
  const snapped = ok && fs.snapshot.take(fs.ROOT, pathBuffer, path("guest"), snapshotPath(), SNAPSHOT.length) == Errno.Ok;
  const changedLength = path(CHANGED_TEXT);
  const changed = snapped && fs.files.write(<u32>note, 0, pathBuffer, changedLength) == changedLength;
  const synced = fs.files.sync();
  const problems = fs.check();
  line.reset();
  line.text("AIOS fs-persist snapshot=");
  line.text(changed ? "ok" : "failed");
  line.text(" host_file=");
  line.text(hostOk ? "ok" : "missing");
  line.text(" wrote=");
  line.text(ok ? "ok" : "failed");
  line.text(" sync=");
  line.text(errnoName(synced));
  line.text(" fsck=");
  line.decimal(problems);
  log.publish();
  return hostOk && ok && changed && synced == Errno.Ok && problems == 0;
}

const SNAPSHOT = "guest-snapshot";
const CHANGED_TEXT = "WRITTEN by the guest\n";
const snapshotBuffer = memory.data(32);
function snapshotPath(): usize {
  for (let i = 0; i < SNAPSHOT.length; i++) store<u8>(snapshotBuffer + <usize>i, <u8>SNAPSHOT.charCodeAt(i));
  return snapshotBuffer;
}

export function verify(): bool {
  if (!mountedOrSay("fs-verify")) return false;
  const note = lookup(path("guest/note.txt"));
  const noteLength = NOTE_TEXT.length;
  const n = note > 0 ? fs.files.read(<u32>note, 0, back, 256) : -1;
  path(CHANGED_TEXT);
  let noteOk = n == noteLength && same(back, pathBuffer, noteLength);
  const old = lookup(path("guest-snapshot/note.txt"));
  const m0 = old > 0 ? fs.files.read(<u32>old, 0, back, 256) : -1;
  path(NOTE_TEXT);
  const snapshotOk = m0 == noteLength && same(back, pathBuffer, noteLength);
  const big = lookup(path("guest/pattern.bin"));
  pattern(data, 7, PATTERN_BYTES);
  const m = big > 0 ? fs.files.read(<u32>big, 0, back, DATA_BYTES) : -1;
  const patternOk = m == PATTERN_BYTES && same(back, data, PATTERN_BYTES);
  const problems = fs.check();
  line.reset();
  line.text("AIOS fs-verify note=");
  line.text(noteOk ? "ok" : "bad");
  line.text(" snapshot=");
  line.text(snapshotOk ? "ok" : "bad");
  line.text(" pattern=");
  line.text(patternOk ? "ok" : "bad");
  line.text(" fsck=");
  line.decimal(problems);
  line.text(fs.readOnly() ? " read-only" : " read-write");
  log.publish();
  return noteOk && snapshotOk && patternOk && problems == 0 && !fs.readOnly();
}

const WORKLOAD_FILES: u32 = 100000;
@inline function workloadSize(i: u32): u32 { return 500 + (i * 2654435761) % 9000; }

function workloadFailed(what: string, k: u32, result: i64): bool {
  line.reset();
  line.text("AIOS fs-workload ");
  line.text(what);
  line.text(" of w");
  line.decimal(k);
  line.text(" failed: ");
  line.text(result < 0 ? errnoName(-result) : "short");
  log.publish();
  return false;
}

export function powercut(): bool {
  if (!mountedOrSay("fs-powercut")) return false;
  const problems = fs.check();
  // what the last cycle left: w0, w1… each whole; only the last may be short
  // (created, its write never fsync'd)
  let good: u32 = 0, bad: u32 = 0, i: u32 = 0;
  let lastShort = false;
  while (true) {
    const ino = lookup(numbered("w", i));
    if (ino <= 0) break;
    if (lastShort) bad++;            // a short file before another one
    const size = workloadSize(i);
    const n = fs.files.read(<u32>ino, 0, back, size + 1);
    pattern(data, i, size);
    if (n == size && same(back, data, size)) { if (!lastShort) good++; }
    else lastShort = true;
    i++;
  }
  line.reset();
  line.text("AIOS fs-found files=");
  line.decimal(good);
  line.text(" bad=");
  line.decimal(bad);
  line.text(" fsck=");
  line.decimal(problems);
  line.text(fs.readOnly() ? " read-only" : " read-write");
  log.publish();
  if (problems != 0 || bad != 0 || fs.readOnly()) return false;
  for (let k: u32 = 0; k < i; k++) {
    const r = fs.files.unlink(fs.ROOT, pathBuffer, numbered("w", k));
    if (r != Errno.Ok) { log.error("fs-powercut: could not remove the last cycle's file"); return false; }
  }
  if (fs.files.sync() != Errno.Ok) return false;
  line.reset();
  line.text("AIOS fs-workload start");
  log.publish();
  for (let k: u32 = 0; k < WORKLOAD_FILES; k++) {
    const ino = create(numbered("w", k), fs.inode.Kind.File);
    if (ino <= 0) return workloadFailed("create", k, ino);
    const size = workloadSize(k);
    pattern(data, k, size);
    const written = fs.files.write(<u32>ino, 0, data, size);
    if (written != size) return workloadFailed("write", k, written);
    const synced = fs.files.sync();
    if (synced != Errno.Ok) return workloadFailed("fsync", k, -(<i64>synced));
    line.reset();
    line.text("AIOS fs-ack ");
    line.decimal(k);
    log.publish();
  }
  return true;
}

export function full(): bool {
  if (!mountedOrSay("fs-full")) return false;
  const ino = create(path("fill"), fs.inode.Kind.File);
  if (ino <= 0) return false;
  pattern(data, 3, DATA_BYTES);
  let written: u64 = 0;
  let last: i64 = 0;
  while (true) {
    last = fs.files.write(<u32>ino, written, data, DATA_BYTES);
    if (last <= 0) break;
    written += <u64>last;
  }
  const synced = fs.files.sync();
  const problems = fs.check();
  const freeWhenFull = fs.files.freeBlocks();
  const removed = fs.files.unlink(fs.ROOT, pathBuffer, path("fill"));
  const again = create(path("again"), fs.inode.Kind.File);
  const after = again > 0 ? fs.files.write(<u32>again, 0, data, 4096) : again;
  line.reset();
  line.text("AIOS fs-full written_kib=");
  line.decimal(written >> 10);
  line.text(" error=");
  line.text(errnoName(-last));
  line.text(" free_blocks=");
  line.decimal(freeWhenFull);
  line.text(" sync=");
  line.text(errnoName(synced));
  line.text(" fsck=");
  line.decimal(problems);
  line.text(" after_unlink=");
  line.text(removed == Errno.Ok && after == 4096 ? "ok" : "failed");
  log.publish();
  return last == -(<i64>Errno.ResourceExhausted) && synced == Errno.Ok && problems == 0 && removed == Errno.Ok && after == 4096;
}

export function badBlock(): bool {
  if (!mountedOrSay("fs-badblock")) return false;
  const ino = create(path("victim"), fs.inode.Kind.File);
  pattern(data, 5, DATA_BYTES);
  let result: i64 = ino;
  if (ino > 0) {
    result = fs.files.write(<u32>ino, 0, data, DATA_BYTES);
    const synced = fs.files.sync();
    if (result >= 0) result = -(<i64>synced);
  }
  const refused = fs.files.create(fs.ROOT, pathBuffer, path("after"), fs.inode.Kind.File, 0);
  line.reset();
  line.text("AIOS fs-badblock write=");
  line.text(errnoName(result < 0 ? -result : 0));
  line.text(" read_only=");
  line.text(fs.readOnly() ? "yes" : "no");
  line.text(" next_create=");
  line.text(errnoName(refused < 0 ? -refused : 0));
  log.publish();
  return result == -(<i64>Errno.DeviceError) && fs.readOnly() && refused == -(<i64>Errno.PermissionDenied);
}

export function status(): bool {
  line.reset();
  line.text("AIOS fs-status mounted=");
  line.text(fs.mounted() ? "yes" : "no");
  if (fs.mounted()) {
    line.text(fs.readOnly() ? " read-only" : " read-write");
    line.text(" files=");
    line.decimal(fs.fsck.fileCount());
  }
  log.publish();
  return true;
}

const BENCH_FILES: u32 = 200;
const BENCH_SYNCS: u32 = 50;
const BENCH_MIB: u32 = 8;

/** bench-fs: BENCH_FILES files of 4 KiB created and written, one fsync; an 8 MiB
 *  file written in 256 KiB calls and fsync'd; BENCH_SYNCS appends of 4 KiB each
 *  followed by an fsync. "AIOS bench fs …" with the nanoseconds of each. */
export function benchmark(): bool {
  if (!mountedOrSay("bench-fs")) return false;
  pattern(data, 9, DATA_BYTES);
  const flushes = fs.device.flushCount();
  let ok = create(path("bench"), fs.inode.Kind.Directory) > 0;
  let start = clock.nanoseconds();
  for (let i: u32 = 0; i < BENCH_FILES && ok; i++) {
    const ino = create(numbered("bench/f", i), fs.inode.Kind.File);
    ok = ino > 0 && fs.files.write(<u32>ino, 0, data, 4096) == 4096;
  }
  ok = ok && fs.files.sync() == Errno.Ok;
  const createNs = clock.nanoseconds() - start;
  const big = create(path("bench/big"), fs.inode.Kind.File);
  ok = ok && big > 0;
  start = clock.nanoseconds();
  for (let m: u32 = 0; m < BENCH_MIB * 16 && ok; m++) ok = fs.files.write(<u32>big, <u64>m * DATA_BYTES, data, DATA_BYTES) == DATA_BYTES;
  ok = ok && fs.files.sync() == Errno.Ok;
  const writeNs = clock.nanoseconds() - start;
  const log2 = create(path("bench/log"), fs.inode.Kind.File);
  ok = ok && log2 > 0;
  start = clock.nanoseconds();
  for (let i: u32 = 0; i < BENCH_SYNCS && ok; i++) {
    ok = fs.files.write(<u32>log2, <u64>i * 4096, data, 4096) == 4096 && fs.files.sync() == Errno.Ok;
  }
  const syncNs = clock.nanoseconds() - start;
  line.reset();
  line.text("AIOS bench fs files=");
  line.decimal(BENCH_FILES);
  line.text(" create_ns=");
  line.decimal(createNs);
  line.text(" mib=");
  line.decimal(BENCH_MIB);
  line.text(" write_ns=");
  line.decimal(writeNs);
  line.text(" syncs=");
  line.decimal(BENCH_SYNCS);
  line.text(" append_sync_ns=");
  line.decimal(syncNs);
  line.text(" flushes=");
  line.decimal(fs.device.flushCount() - flushes);
  log.publish();
  return ok;
}

const TELEMETRY_RECORDS: u32 = 2000;
const TELEMETRY_SEGMENT: u32 = 16 << 10;
const TELEMETRY_KEEP: u32 = 4;

function telemetryRecord(to: usize, i: u32): u32 {
  const size: u32 = 8 + (i * 37) % 200;
  store<u32>(to, i);
  for (let j: u32 = 4; j < size; j++) store<u8>(to + j, <u8>((i + j) & 0xff));
  return size;
}

/** fs-telemetry: TELEMETRY_RECORDS records appended to the telemetry store in
 *  16 KiB segments, 4 kept; read back, they are the newest ones, whole and in
 *  order; fsck clean. */
export function telemetry(): bool {
  if (!mountedOrSay("fs-telemetry")) return false;
  let ok = fs.telemetry.open(fs.ROOT, pathBuffer, path("telemetry"), TELEMETRY_SEGMENT, TELEMETRY_KEEP) == Errno.Ok;
  for (let i: u32 = 0; i < TELEMETRY_RECORDS && ok; i++) ok = fs.telemetry.append(data, telemetryRecord(data, i)) == Errno.Ok;
  ok = ok && fs.telemetry.sync() == Errno.Ok;
  fs.telemetry.rewind();
  let kept: u32 = 0, first: u32 = 0, previous: u32 = 0, inOrder = true;
  while (ok) {
    const n = fs.telemetry.next(back, DATA_BYTES);
    if (n < 0) break;
    const i = load<u32>(back);
    if (kept == 0) first = i; else if (i != previous + 1) inOrder = false;
    const size = telemetryRecord(data, i);
    if (<u32>n != size || !same(back, data, size)) inOrder = false;
    previous = i;
    kept++;
  }
  const problems = fs.check();
  line.reset();
  line.text("AIOS fs-telemetry appended=");
  line.decimal(fs.telemetry.appendedCount());
  line.text(" kept_records=");
  line.decimal(kept);
  line.text(" newest=");
  line.decimal(previous);
  line.text(" segments=");
  line.decimal(fs.telemetry.segmentsKept());
  line.text(" rotations=");
  line.decimal(fs.telemetry.rotationCount());
  line.text(" dropped_segments=");
  line.decimal(fs.telemetry.droppedSegments());
  line.text(inOrder ? " in_order=yes" : " in_order=no");
  line.text(" fsck=");
  line.decimal(problems);
  log.publish();
  return ok && inOrder && kept > 0 && first + kept == TELEMETRY_RECORDS && previous == TELEMETRY_RECORDS - 1
    && fs.telemetry.segmentsKept() == TELEMETRY_KEEP && problems == 0;
}
