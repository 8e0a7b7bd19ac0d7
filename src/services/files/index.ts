// files — a service module that exercises the file ABI (src/kernel/syscalls/fs.ts)
// for the guest tests: run(handle, step) does one step with the FileSubtree
// capability `handle` and returns its result (an Errno, a count, or 0 for a match);
// the kernel scenario (selftest/fsabi.ts) says what each step must give.

@external("aios", "file_open") declare function fileOpen(handle: u32, path: usize, length: u32, flags: u32): i32;
@external("aios", "file_read") declare function fileRead(fd: u32, pointer: usize, length: u32): i32;
@external("aios", "file_write") declare function fileWrite(fd: u32, pointer: usize, length: u32): i32;
@external("aios", "file_seek") declare function fileSeek(fd: u32, offset: i64, whence: u32): i64;
@external("aios", "file_stat") declare function fileStat(fd: u32, pointer: usize): i32;
@external("aios", "dir_read") declare function dirRead(fd: u32, position: u32, pointer: usize): i64;
@external("aios", "dir_make") declare function dirMake(handle: u32, path: usize, length: u32): i32;
@external("aios", "file_rename") declare function fileRename(handle: u32, from: usize, fromLength: u32, to: usize, toLength: u32): i32;
@external("aios", "file_unlink") declare function fileUnlink(handle: u32, path: usize, length: u32): i32;
@external("aios", "file_sync") declare function fileSync(fd: u32): i32;
@external("aios", "file_close") declare function fileClose(fd: u32): i32;

const READ: u32 = 1, WRITE: u32 = 2, CREATE: u32 = 4, TRUNCATE: u32 = 8;
const SEEK_SET: u32 = 0;
const PATH = memory.data(128);
const OTHER = memory.data(128);
const BUFFER = memory.data(65536);
const ENTRY = memory.data(64);
const STAT = memory.data(32);
const CHUNK: u32 = 65536;

/** `text` (ASCII) as bytes at `to`; its length. */
function put(to: usize, text: string): u32 {
  for (let i = 0; i < text.length; i++) store<u8>(to + <usize>i, <u8>text.charCodeAt(i));
  return <u32>text.length;
}
/** A negative ABI result as its Errno; anything else as is. */
function code(result: i64): u32 { return result < 0 ? <u32>(-result) : <u32>result; }

export function idle(): u32 { return 0; }

export function run(handle: u32, step: u32): u32 {
  if (step == 1) return code(dirMake(handle, PATH, put(PATH, "notes")));
  if (step == 2) {
    // create, write, sync, close: the bytes written
    const fd = fileOpen(handle, PATH, put(PATH, "notes/a.txt"), WRITE | CREATE | TRUNCATE);
    if (fd < 0) return 0x8000 | code(fd);
    const n = fileWrite(fd, BUFFER, put(BUFFER, "hello, agent"));
    const s = fileSync(fd);
    fileClose(fd);
    return s < 0 ? 0x4000 | code(s) : code(n);
  }
  if (step == 3) {
    // seek and read back, stat: 0 when "agent" is at 7 and the size is 12
    const fd = fileOpen(handle, PATH, put(PATH, "notes/a.txt"), READ);
    if (fd < 0) return 0x8000 | code(fd);
    fileSeek(fd, 7, SEEK_SET);
    const n = fileRead(fd, BUFFER, 100);
    const st = fileStat(fd, STAT);
    fileClose(fd);
    put(OTHER, "agent");
    if (n != 5 || st != 0 || load<u64>(STAT + 8) != 12) return 1;
    for (let i = 0; i < 5; i++) if (load<u8>(BUFFER + i) != load<u8>(OTHER + i)) return 2;
    return 0;
  }
  if (step == 4) {
    // the directory's entries: their count
    const fd = fileOpen(handle, PATH, put(PATH, "notes"), READ);
    if (fd < 0) return 0x8000 | code(fd);
    let count: u32 = 0;
    for (let at: i64 = dirRead(fd, 0, ENTRY); at >= 0; at = dirRead(fd, <u32>at + 1, ENTRY)) count++;
    fileClose(fd);
    return count;
  }
  if (step == 5) {
    // rename, then the old name: NotFound's Errno
    const r = fileRename(handle, PATH, put(PATH, "notes/a.txt"), OTHER, put(OTHER, "notes/b.txt"));
    if (r != 0) return 0x4000 | code(r);
    const fd = fileOpen(handle, PATH, put(PATH, "notes/a.txt"), READ);
    if (fd >= 0) { fileClose(fd); return 0; }
    return code(fd);
  }
  if (step == 6) return code(fileOpen(handle, PATH, put(PATH, "../outside"), READ));
  if (step == 7) return code(fileOpen(handle, PATH, put(PATH, "notes/../../x"), READ));
  if (step == 8) return code(fileOpen(handle, PATH, put(PATH, "notes/b.txt"), WRITE));
  if (step == 9) {
    // fill "big" until a write fails: the KiB written (the quota's test)
    const fd = fileOpen(handle, PATH, put(PATH, "big"), WRITE | CREATE | TRUNCATE);
    if (fd < 0) return 0x8000 | code(fd);
    let total: u32 = 0;
    while (total < (64 << 20)) {
      const n = fileWrite(fd, BUFFER, CHUNK);
      if (n <= 0) break;
      total += <u32>n;
    }
    fileClose(fd);
    return total >> 10;
  }
  if (step == 10) {
    // the error of one more 64 KiB write, past the quota
    const fd = fileOpen(handle, PATH, put(PATH, "big"), WRITE);
    if (fd < 0) return 0x8000 | code(fd);
    fileSeek(fd, 0, 2);
    const n = fileWrite(fd, BUFFER, CHUNK);
    fileClose(fd);
    return code(n);
  }
  if (step == 11) return code(fileUnlink(handle, PATH, put(PATH, "big")));
  if (step == 12) return code(fileOpen(handle, PATH, put(PATH, "notes/b.txt"), READ));   // an fd, or the Errno
  if (step == 13) return code(fileUnlink(handle, PATH, put(PATH, "notes/b.txt")));
  return 0xffff;
}

export const WORKER_FILES: u32 = 12;
const WORKER_BYTES: u32 = 12 << 10;

/** An agent's entry for the concurrency test: WORKER_FILES files "w<id>-<k>" of
 *  12 KiB, each written and fsync'd, then read back; the number that matched. */
export function worker(handle: u32, id: u32): u32 {
  let good: u32 = 0;
  for (let k: u32 = 0; k < WORKER_FILES; k++) {
    const length = put(PATH, "w0-00");
    store<u8>(PATH + 1, <u8>(0x30 + id));
    store<u8>(PATH + 3, <u8>(0x30 + k / 10));
    store<u8>(PATH + 4, <u8>(0x30 + k % 10));
    for (let j: u32 = 0; j < WORKER_BYTES; j++) store<u8>(BUFFER + j, <u8>((id * 7 + k * 13 + j) & 0xff));
    const fd = fileOpen(handle, PATH, length, READ | WRITE | CREATE | TRUNCATE);
    if (fd < 0) continue;
    const n = fileWrite(fd, BUFFER, WORKER_BYTES);
    fileSync(fd);
    fileSeek(fd, 0, SEEK_SET);
    const m = fileRead(fd, OTHER_BIG, WORKER_BYTES);
    fileClose(fd);
    let same = n == <i32>WORKER_BYTES && m == <i32>WORKER_BYTES;
    for (let j: u32 = 0; j < WORKER_BYTES && same; j++) same = load<u8>(BUFFER + j) == load<u8>(OTHER_BIG + j);
    if (same) good++;
  }
  return good;
}
const OTHER_BIG = memory.data(12 << 10);
