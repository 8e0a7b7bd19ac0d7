// fs.ts — the file calls of the agent ABI. An agent reaches files only through a
// FileSubtree capability, which names a directory (its inode and generation):
// every path it gives is resolved from there, and the file system has no ".."
// (nor ".") to climb out by, so nothing outside the subtree can be named. Read
// and Write rights gate reading and changing. Open files are per agent (FDS_PER_AGENT
// each, dropped when the agent is killed or its id reused); each remembers the
// handle it was opened through, checked again on every call, so revoking the
// capability closes the door at once. Space is charged to the agent that grows a
// file: past its quota (fs_quota, set by the kernel) writes fail ResourceExhausted.
// Data moves through a kernel staging buffer, at most MAX_BYTES per call.
// The file system is not re-entrant and its disk I/O sleeps (another thread may
// then run kernel code on this CPU): enter()/leave() (fs/lock.ts) let one call in at a time.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as agents from "../agents";
import * as caps from "../caps";
import * as fs from "../fs";
import { linearToVirtual } from "../physical";
import { checked, fromCaller, inCallerMemory, toCaller } from "./index";

export const MAX_BYTES: u32 = 64 << 10;
export const MAX_PATH: u32 = 255;
export const FDS_PER_AGENT: i32 = 16;
const FILE_OBJECT: u64 = 7 << 56;
const UNLIMITED: u64 = 0xffffffffffffffff;

/** file_open flags. */
export const enum Open { Read = 1, Write = 2, Create = 4, Truncate = 8 }
export const enum Whence { Set = 0, Current = 1, End = 2 }

// one open file: 0 used u8, 1 rights u8, 4 handle u32, 8 inode u32, 12 generation u32, 16 offset u64
const FD_BYTES: usize = 24;
const fds = memory.data(agents.registry.MAX_AGENTS * FDS_PER_AGENT * <i32>FD_BYTES);
const quotas = memory.data(agents.registry.MAX_AGENTS * 8);
const charged = memory.data(agents.registry.MAX_AGENTS * 8);
const staging = memory.data(<i32>MAX_BYTES, 4096);
const pathBuffer = memory.data(<i32>MAX_PATH + 1);
const statBuffer = memory.data(32);
let hooked = false;
/** Waits until no other caller is inside the file system, then holds it (fs/lock.ts). */
export function enter(): void { fs.lock.enter(); }
export function leave(): void { fs.lock.leave(); }

/** The object a FileSubtree capability names for directory inode `ino`: its
 *  inode and generation (so a removed directory's number, reused, is not it). */
export function subtreeObject(ino: u32): u64 {
  const at = fs.inode.get(ino);
  if (at == 0 || fs.inode.kind(at) != fs.inode.Kind.Directory) return 0;
  return FILE_OBJECT | (<u64>load<u32>(at + fs.inode.GENERATION) << 32) | <u64>ino;
}

/** The directory a FileSubtree object names, or 0 if it is gone. */
function subtreeRoot(object: u64): u32 {
  if ((object & (<u64>0xff << 56)) != FILE_OBJECT) return 0;
  const ino = <u32>(object & 0xffffffff);
  const at = fs.inode.get(ino);
  if (at == 0 || fs.inode.kind(at) != fs.inode.Kind.Directory) return 0;
  return <u32>((object >> 32) & 0xffffff) == (load<u32>(at + fs.inode.GENERATION) & 0xffffff) ? ino : 0;
}

/** Sets agent `agent`'s space quota in bytes (0 = none may be used). */
export function setQuota(agent: i32, bytes: u64): void {
  if (agent < 0 || agent >= agents.registry.MAX_AGENTS) return;
  store<u64>(quotas + <usize>agent * 8, bytes);
}
export function chargedBytes(agent: i32): u64 { return agent < 0 || agent >= agents.registry.MAX_AGENTS ? 0 : load<u64>(charged + <usize>agent * 8); }

/** An agent's files are closed, and its accounting reset, when it is killed or its id reused. */
function forget(operation: agents.hooks.Operation, agent: i32, other: i32): Errno {
  if ((operation == agents.hooks.Operation.Kill || operation == agents.hooks.Operation.Spawn) && agent >= 0 && agent < agents.registry.MAX_AGENTS) {
    memory.fill(fds + <usize>agent * FDS_PER_AGENT * FD_BYTES, 0, FDS_PER_AGENT * FD_BYTES);
    store<u64>(charged + <usize>agent * 8, 0);
    if (operation == agents.hooks.Operation.Spawn) store<u64>(quotas + <usize>agent * 8, UNLIMITED);
  }
  return Errno.Ok;
}

function ensureHooked(): void {
  if (hooked) return;
  hooked = true;
  agents.hooks.register(forget, 100);
  for (let a = 0; a < agents.registry.MAX_AGENTS; a++) store<u64>(quotas + <usize>a * 8, UNLIMITED);
}

/** The subtree root of capability `handle` (checked for `rights`), or -Errno. */
function rootOf(slot: u32, handle: u32, rights: u32): i64 {
  if (!fs.mounted()) return -(<i64>Errno.NotReady);
  const index = checked(slot, handle, caps.ObjectKind.FileSubtree, rights);
  if (index < 0) return <i64>index;
  const root = subtreeRoot(caps.objectAt(index));
  return root == 0 ? -(<i64>Errno.NotFound) : <i64>root;
}

/** Copies the caller's path into the kernel; its length, or -Errno. */
function takePath(slot: u32, pointer: u32, length: u32): i32 {
  if (length > MAX_PATH || !inCallerMemory(slot, pointer, length)) return -(<i32>Errno.InvalidArgument);
  fromCaller(slot, pointer, pathBuffer, length);
  return <i32>length;
}

/** The record of open file `fd` of the caller, checked (its handle still holds
 *  `rights`, its file still the same); or 0 with `fdError` set. */
let fdError: Errno = Errno.Ok;
function fdRecord(slot: u32, fd: u32, rights: u32): usize {
  const agent = agents.registry.agentOfInstance(slot);
  if (agent < 0) { fdError = Errno.AgentNotFound; return 0; }
  if (fd >= <u32>FDS_PER_AGENT || !fs.mounted()) { fdError = fs.mounted() ? Errno.InvalidArgument : Errno.NotReady; return 0; }
  const record = fds + (<usize>agent * FDS_PER_AGENT + fd) * FD_BYTES;
  if (load<u8>(record) == 0) { fdError = Errno.InvalidArgument; return 0; }
  if ((<u32>load<u8>(record + 1) & rights) != rights) { fdError = Errno.PermissionDenied; return 0; }
  const index = checked(slot, load<u32>(record + 4), caps.ObjectKind.FileSubtree, rights);
  if (index < 0) { fdError = <Errno>(-index); return 0; }
  const at = fs.inode.get(load<u32>(record + 8));
  if (at == 0 || fs.inode.kind(at) == fs.inode.Kind.Free || load<u32>(at + fs.inode.GENERATION) != load<u32>(record + 12)) { fdError = Errno.NotFound; return 0; }
  return record;
}

/** file_open(subtree handle, path, length, flags): an fd, or -Errno. */
export function open(slot: u32, handle: u32, pointer: u32, length: u32, flags: u32): i32 {
  ensureHooked();
  if ((flags & ~(<u32>(Open.Read | Open.Write | Open.Create | Open.Truncate))) != 0 || (flags & (Open.Read | Open.Write)) == 0) return -(<i32>Errno.InvalidArgument);
  const rights = ((flags & Open.Read) != 0 ? caps.Rights.Read : 0) | ((flags & (Open.Write | Open.Create | Open.Truncate)) != 0 ? caps.Rights.Write : 0);
  const root = rootOf(slot, handle, rights);
  if (root < 0) return <i32>root;
  const n = takePath(slot, pointer, length);
  if (n < 0) return n;
  const agent = agents.registry.agentOfInstance(slot);
  let fd = -1;
  for (let i = 0; i < FDS_PER_AGENT && fd < 0; i++) if (load<u8>(fds + (<usize>agent * FDS_PER_AGENT + i) * FD_BYTES) == 0) fd = i;
  if (fd < 0) return -(<i32>Errno.ResourceExhausted);
  let ino = fs.files.lookup(<u32>root, pathBuffer, <u32>n);
  if (ino == -(<i64>Errno.NotFound) && (flags & Open.Create) != 0) {
    ino = fs.files.create(<u32>root, pathBuffer, <u32>n, fs.inode.Kind.File, <u32>agent);
  }
  if (ino < 0) return <i32>ino;
  if ((flags & Open.Truncate) != 0) {
    const before = blocksOf(<u32>ino);
    const r = fs.files.truncate(<u32>ino, 0);
    if (r != Errno.Ok) return -(<i32>r);
    uncharge(<u32>ino, before);
  }
  const at = fs.inode.get(<u32>ino);
  if (at == 0) return -(<i32>Errno.NotFound);
  const record = fds + (<usize>agent * FDS_PER_AGENT + <usize>fd) * FD_BYTES;
  store<u8>(record, 1);
  store<u8>(record + 1, <u8>rights);
  store<u32>(record + 4, handle);
  store<u32>(record + 8, <u32>ino);
  store<u32>(record + 12, load<u32>(at + fs.inode.GENERATION));
  store<u64>(record + 16, 0);
  return fd;
}

function blocksOf(ino: u32): u32 { return fs.files.stat(ino, statBuffer) == Errno.Ok ? load<u32>(statBuffer + 4) : 0; }

/** Blocks a file held before an operation and no longer does go back to its owner. */
function uncharge(ino: u32, before: u32): void {
  if (fs.files.stat(ino, statBuffer) != Errno.Ok) return;
  const owner = <i32>load<u32>(statBuffer + 28);
  const after = load<u32>(statBuffer + 4);
  if (owner < 0 || owner >= agents.registry.MAX_AGENTS || after >= before) return;
  const freed = <u64>(before - after) * fs.device.BLOCK_BYTES;
  const now = load<u64>(charged + <usize>owner * 8);
  store<u64>(charged + <usize>owner * 8, now > freed ? now - freed : 0);
}

/** file_read(fd, pointer, length): bytes read (0 at the end), or -Errno. */
export function read(slot: u32, fd: u32, pointer: u32, length: u32): i32 {
  const record = fdRecord(slot, fd, caps.Rights.Read);
  if (record == 0) return -(<i32>fdError);
  if (length > MAX_BYTES || !inCallerMemory(slot, pointer, length)) return -(<i32>Errno.InvalidArgument);
  const n = fs.files.read(load<u32>(record + 8), load<u64>(record + 16), staging, length);
  if (n < 0) return <i32>n;
  toCaller(slot, staging, pointer, <u32>n);
  store<u64>(record + 16, load<u64>(record + 16) + <u64>n);
  return <i32>n;
}

/** file_write(fd, pointer, length): bytes written, or -Errno (ResourceExhausted
 *  past the agent's quota or when the disk is full). */
export function write(slot: u32, fd: u32, pointer: u32, length: u32): i32 {
  const record = fdRecord(slot, fd, caps.Rights.Write);
  if (record == 0) return -(<i32>fdError);
  if (length > MAX_BYTES || !inCallerMemory(slot, pointer, length)) return -(<i32>Errno.InvalidArgument);
  const agent = agents.registry.agentOfInstance(slot);
  const ino = load<u32>(record + 8);
  const offset = load<u64>(record + 16);
  const before = blocksOf(ino);
  const end = offset + <u64>length;
  const needed = <u32>((end + fs.device.BLOCK_BYTES - 1) / fs.device.BLOCK_BYTES);
  if (needed > before) {
    const growth = <u64>(needed - before) * fs.device.BLOCK_BYTES;
    const used = load<u64>(charged + <usize>agent * 8);
    if (used + growth > load<u64>(quotas + <usize>agent * 8)) return -(<i32>Errno.ResourceExhausted);
  }
  fromCaller(slot, pointer, staging, length);
  const n = fs.files.write(ino, offset, staging, length);
  const after = blocksOf(ino);
  if (after > before) store<u64>(charged + <usize>agent * 8, load<u64>(charged + <usize>agent * 8) + <u64>(after - before) * fs.device.BLOCK_BYTES);
  if (n < 0) return <i32>n;
  store<u64>(record + 16, offset + <u64>n);
  return <i32>n;
}

/** file_seek(fd, offset, whence): the new offset, or -Errno. */
export function seek(slot: u32, fd: u32, offset: i64, whence: u32): i64 {
  const record = fdRecord(slot, fd, 0);
  if (record == 0) return -(<i64>fdError);
  let base: i64 = 0;
  if (whence == Whence.Current) base = <i64>load<u64>(record + 16);
  else if (whence == Whence.End) { if (fs.files.stat(load<u32>(record + 8), statBuffer) != Errno.Ok) return -(<i64>Errno.NotFound); base = <i64>load<u64>(statBuffer + 8); }
  else if (whence != Whence.Set) return -(<i64>Errno.InvalidArgument);
  const target = base + offset;
  if (target < 0) return -(<i64>Errno.InvalidArgument);
  store<u64>(record + 16, <u64>target);
  return target;
}

/** file_stat(fd, pointer): 0 or -Errno; 32 bytes (fs.files.stat's layout) at pointer. */
export function stat(slot: u32, fd: u32, pointer: u32): i32 {
  const record = fdRecord(slot, fd, 0);
  if (record == 0) return -(<i32>fdError);
  if (!inCallerMemory(slot, pointer, 32)) return -(<i32>Errno.InvalidArgument);
  const r = fs.files.stat(load<u32>(record + 8), statBuffer);
  if (r != Errno.Ok) return -(<i32>r);
  toCaller(slot, statBuffer, pointer, 32);
  return 0;
}

/** dir_read(fd of a directory, position, pointer): the position of the entry at
 *  or after `position` (its 64 bytes at pointer: inode u32, kind u8, name length
 *  u8, name), -1 at the end, or -Errno - 1. */
export function dirRead(slot: u32, fd: u32, position: u32, pointer: u32): i64 {
  const record = fdRecord(slot, fd, caps.Rights.Read);
  if (record == 0) return -1 - <i64>fdError;
  if (!inCallerMemory(slot, pointer, 64)) return -1 - <i64>Errno.InvalidArgument;
  const r = fs.directory.next(load<u32>(record + 8), position, staging);
  if (r < -1) return -1 - (-2 - r);
  if (r >= 0) toCaller(slot, staging, pointer, 64);
  return r;
}

/** dir_make(subtree handle, path, length): 0 or -Errno; needs Write. */
export function makeDirectory(slot: u32, handle: u32, pointer: u32, length: u32): i32 {
  ensureHooked();
  const root = rootOf(slot, handle, caps.Rights.Write);
  if (root < 0) return <i32>root;
  const n = takePath(slot, pointer, length);
  if (n < 0) return n;
  const r = fs.files.create(<u32>root, pathBuffer, <u32>n, fs.inode.Kind.Directory, <u32>agents.registry.agentOfInstance(slot));
  return r < 0 ? <i32>r : 0;
}

/** file_unlink(subtree handle, path, length): 0 or -Errno; needs Write. */
export function unlink(slot: u32, handle: u32, pointer: u32, length: u32): i32 {
  const root = rootOf(slot, handle, caps.Rights.Write);
  if (root < 0) return <i32>root;
  const n = takePath(slot, pointer, length);
  if (n < 0) return n;
  const ino = fs.files.lookup(<u32>root, pathBuffer, <u32>n);
  const before = ino > 0 ? blocksOf(<u32>ino) : 0;
  const owner = ino > 0 && fs.files.stat(<u32>ino, statBuffer) == Errno.Ok ? <i32>load<u32>(statBuffer + 28) : -1;
  const r = fs.files.unlink(<u32>root, pathBuffer, <u32>n);
  if (r == Errno.Ok && owner >= 0 && owner < agents.registry.MAX_AGENTS) {
    const freed = <u64>before * fs.device.BLOCK_BYTES;
    const now = load<u64>(charged + <usize>owner * 8);
    store<u64>(charged + <usize>owner * 8, now > freed ? now - freed : 0);
  }
  return -(<i32>r);
}

/** file_rename(subtree handle, from, from length, to, to length): 0 or -Errno;
 *  both paths in the one subtree; needs Write. */
export function rename(slot: u32, handle: u32, from: u32, fromLength: u32, to: u32, toLength: u32): i32 {
  const root = rootOf(slot, handle, caps.Rights.Write);
  if (root < 0) return <i32>root;
  if (fromLength > MAX_PATH / 2 || toLength > MAX_PATH / 2) return -(<i32>Errno.InvalidArgument);
  if (!inCallerMemory(slot, from, fromLength) || !inCallerMemory(slot, to, toLength)) return -(<i32>Errno.InvalidArgument);
  fromCaller(slot, from, pathBuffer, fromLength);
  fromCaller(slot, to, staging, toLength);
  return -(<i32>fs.files.rename(<u32>root, pathBuffer, fromLength, staging, toLength));
}

/** file_sync(fd): everything written durable (the whole volume's journal commits). */
export function sync(slot: u32, fd: u32): i32 {
  const record = fdRecord(slot, fd, 0);
  if (record == 0) return -(<i32>fdError);
  return -(<i32>fs.files.sync());
}

/** file_close(fd): 0 or -Errno. */
export function close(slot: u32, fd: u32): i32 {
  const agent = agents.registry.agentOfInstance(slot);
  if (agent < 0) return -(<i32>Errno.AgentNotFound);
  if (fd >= <u32>FDS_PER_AGENT) return -(<i32>Errno.InvalidArgument);
  const record = fds + (<usize>agent * FDS_PER_AGENT + fd) * FD_BYTES;
  if (load<u8>(record) == 0) return -(<i32>Errno.InvalidArgument);
  memory.fill(record, 0, FD_BYTES);
  return 0;
}
