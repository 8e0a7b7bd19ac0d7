// snapshot.ts — snapshots of a directory tree: take() makes a read-only copy of
// the tree whose directories are new but whose files share their blocks with the
// originals (the share map counts the owners), so it costs metadata, not data.
// Every file of both trees is marked SHARED: the first in-place write to one
// copies it to blocks of its own first (files.ts), so neither tree sees the
// other's later writes. Snapshot inodes are FROZEN: no write, truncate, create,
// unlink or rename inside (PermissionDenied); drop() thaws and removes one.
// A snapshot is built in several transactions for a large tree: a power cut
// while it is taken leaves a consistent volume holding part of the snapshot.
import { Errno } from "../../abi";
import * as clock from "../clock";
import * as directory from "./directory";
import * as extents from "./extents";
import * as files from "./files";
import * as inode from "./inode";
import * as journal from "./journal";
import * as share from "./share";
import * as volume from "./volume";

const MAX_DEPTH: i32 = 256;
const RESERVE_ENTRY: i32 = 14;
const sources = memory.data(MAX_DEPTH * 4);
const copies = memory.data(MAX_DEPTH * 4);
const entry = memory.data(64);
let taken: u32 = 0;

export function filesShared(): u32 { return taken; }

function freeze(ino: u32): Errno {
  const at = inode.get(ino);
  if (at == 0) return inode.error();
  store<u16>(at + inode.FLAGS, inode.flags(at) | inode.FLAG_FROZEN);
  inode.put(at);
  return Errno.Ok;
}

/** File `source`'s twin in directory `dir` under `name`: the same size and runs,
 *  each block one owner more; both marked SHARED, the twin FROZEN. */
function shareFile(source: u32, dir: u32, name: usize, length: u32): Errno {
  let at = inode.get(source);
  if (at == 0) return inode.error();
  const twin = inode.allocate(inode.Kind.File, dir, load<u32>(at + inode.OWNER), clock.nanoseconds());
  if (twin == 0) return inode.error();
  let r = directory.add(dir, name, length, twin, inode.Kind.File);
  if (r != Errno.Ok) return r;
  at = inode.get(source);
  if (at == 0) return inode.error();
  const runs = inode.extentCount(at);
  for (let i: u32 = 0; i < runs; i++) {
    at = inode.get(source);
    if (at == 0) return inode.error();
    const first = extents.start(at, i), count = extents.length(at, i);
    for (let b: u32 = 0; b < count; b++) {
      r = share.add(first + b);
      if (r != Errno.Ok) return r;
    }
    const copy = inode.get(twin);
    if (copy == 0) return inode.error();
    r = extents.appendRun(copy, first, count);
    if (r != Errno.Ok) return r;
  }
  at = inode.get(source);
  if (at == 0) return inode.error();
  const size = inode.size(at), modified = load<u64>(at + inode.MODIFIED);
  store<u16>(at + inode.FLAGS, inode.flags(at) | inode.FLAG_SHARED);
  inode.put(at);
  const copy = inode.get(twin);
  if (copy == 0) return inode.error();
  store<u64>(copy + inode.SIZE, size);
  store<u64>(copy + inode.MODIFIED, modified);
  store<u16>(copy + inode.FLAGS, inode.flags(copy) | inode.FLAG_SHARED | inode.FLAG_FROZEN);
  inode.put(copy);
  taken++;
  return Errno.Ok;
}

/** Snapshots directory `from` (under `base`) as the new directory `to`. */
export function take(base: u32, from: usize, fromLength: u32, to: usize, toLength: u32): Errno {
  if (!volume.mounted()) return Errno.NotReady;
  if (volume.readOnly()) return Errno.PermissionDenied;
  const source = files.lookup(base, from, fromLength);
  if (source < 0) return <Errno>(-source);
  const at = inode.get(<u32>source);
  if (at == 0 || inode.kind(at) != inode.Kind.Directory) return Errno.InvalidArgument;
  const target = files.create(base, to, toLength, inode.Kind.Directory, 0);
  if (target < 0) return <Errno>(-target);
  const parent = inode.get(<u32>target);
  if (parent == 0) return inode.error();
  if (files.within(inode.parent(parent), <u32>source)) {
    files.unlink(base, to, toLength);           // a snapshot inside what it copies would copy itself
    return Errno.InvalidArgument;
  }
  store<u32>(sources, <u32>source);
  store<u32>(copies, <u32>target);
  let depth = 1;
  let r = Errno.Ok;
  while (depth > 0 && r == Errno.Ok) {
    depth--;
    const dir = load<u32>(sources + <usize>depth * 4);
    const copy = load<u32>(copies + <usize>depth * 4);
    for (let position = directory.next(dir, 0, entry); position >= 0 && r == Errno.Ok; position = directory.next(dir, <u32>position + 1, entry)) {
      r = journal.reserve(RESERVE_ENTRY);
      if (r != Errno.Ok) break;
      const child = load<u32>(entry);
      const name = entry + 6;
      const length = <u32>load<u8>(entry + 5);
      if (<inode.Kind>load<u8>(entry + 4) == inode.Kind.Directory) {
        if (depth == MAX_DEPTH) { r = Errno.ResourceExhausted; break; }
        const made = inode.allocate(inode.Kind.Directory, copy, 0, clock.nanoseconds());
        if (made == 0) { r = inode.error(); break; }
        r = directory.add(copy, name, length, made, inode.Kind.Directory);
        if (r == Errno.Ok) r = freeze(made);
        store<u32>(sources + <usize>depth * 4, child);
        store<u32>(copies + <usize>depth * 4, made);
        depth++;
      } else {
        r = shareFile(child, copy, name, length);
      }
    }
  }
  if (r == Errno.Ok) r = freeze(<u32>target);
  const committed = journal.commit();
  return r != Errno.Ok ? r : committed;
}

const path = memory.data(64);

/** Removes snapshot `path` (under `base`): thawed, then emptied depth first. */
export function drop(base: u32, at: usize, length: u32): Errno {
  const root = files.lookup(base, at, length);
  if (root < 0) return <Errno>(-root);
  let depth = 1;
  store<u32>(sources, <u32>root);
  // thaw everything first, so the removal below is the ordinary unlink
  while (depth > 0) {
    depth--;
    const dir = load<u32>(sources + <usize>depth * 4);
    let r = journal.reserve(4);
    if (r != Errno.Ok) return r;
    const node = inode.get(dir);
    if (node == 0) return inode.error();
    store<u16>(node + inode.FLAGS, inode.flags(node) & ~inode.FLAG_FROZEN);
    inode.put(node);
    for (let position = directory.next(dir, 0, entry); position >= 0; position = directory.next(dir, <u32>position + 1, entry)) {
      const child = load<u32>(entry);
      if (<inode.Kind>load<u8>(entry + 4) == inode.Kind.Directory) {
        if (depth == MAX_DEPTH) return Errno.ResourceExhausted;
        store<u32>(sources + <usize>depth * 4, child);
        depth++;
      } else {
        r = journal.reserve(4);
        if (r != Errno.Ok) return r;
        const file = inode.get(child);
        if (file == 0) return inode.error();
        store<u16>(file + inode.FLAGS, inode.flags(file) & ~inode.FLAG_FROZEN);
        inode.put(file);
      }
    }
  }
  // then remove leaves until the root is empty, and the root
  while (true) {
    let dir = <u32>root;
    let descended = true;
    while (descended) {
      descended = false;
      const position = directory.next(dir, 0, entry);
      if (position < 0) break;
      if (<inode.Kind>load<u8>(entry + 4) == inode.Kind.Directory && directory.empty(load<u32>(entry)) == 0) {
        dir = load<u32>(entry);
        descended = true;
      }
    }
    const position = directory.next(dir, 0, entry);
    if (position < 0) break;                   // the root itself is empty
    memory.copy(path, entry + 6, <usize>load<u8>(entry + 5));
    const r = files.removeEntry(dir, path, <u32>load<u8>(entry + 5));
    if (r != Errno.Ok) return r;
  }
  return files.unlink(base, at, length);
}
