// cow.ts — copy-on-write of a file whose blocks a snapshot may share (inode flag
// SHARED, snapshot.ts): before its first in-place write, every block is copied to
// a block of its own, the runs are swapped, and each old block loses this owner
// (share.ts frees it when it was the last). All in one transaction; the data is
// written before the commit that points at it, as every data write is.
import { Errno } from "../../abi";
import * as bitmap from "./bitmap";
import * as device from "./device";
import { BLOCK_BYTES } from "./device";
import * as extents from "./extents";
import * as inode from "./inode";
import * as journal from "./journal";
import * as report from "./report";

const RESERVE: i32 = 20;
const scratch = memory.data(BLOCK_BYTES, BLOCK_BYTES);
const oldRuns = memory.data(<i32>extents.MAX * 8);
const newRuns = memory.data(<i32>extents.MAX * 8);

/** Gives file `ino` blocks of its own. */
export function unshare(ino: u32): Errno {
  let r = journal.reserve(RESERVE);
  if (r != Errno.Ok) return r;
  let at = inode.get(ino);
  if (at == 0) return inode.error();
  const runs = inode.extentCount(at);
  let total: u32 = 0;
  for (let i: u32 = 0; i < runs; i++) {
    store<u32>(oldRuns + <usize>i * 8, extents.start(at, i));
    store<u32>(oldRuns + <usize>i * 8 + 4, extents.length(at, i));
    total += extents.length(at, i);
  }
  // new blocks, as few runs as the disk allows
  let count: u32 = 0, remaining = total, goal: u32 = 0;
  while (remaining > 0) {
    const first = bitmap.allocate(goal, remaining);
    const got = bitmap.allocated();
    if (first == 0 || count == extents.MAX) {
      if (first != 0) bitmap.release(first, got);
      for (let i: u32 = 0; i < count; i++) bitmap.release(load<u32>(newRuns + <usize>i * 8), load<u32>(newRuns + <usize>i * 8 + 4));
      return first == 0 ? bitmap.error() : Errno.ResourceExhausted;
    }
    store<u32>(newRuns + <usize>count * 8, first);
    store<u32>(newRuns + <usize>count * 8 + 4, got);
    count++;
    remaining -= got;
    goal = first + got;
  }
  // the data, block by block
  let to: u32 = 0, toUsed: u32 = 0;
  for (let i: u32 = 0; i < runs; i++) {
    const from = load<u32>(oldRuns + <usize>i * 8);
    for (let b: u32 = 0; b < load<u32>(oldRuns + <usize>i * 8 + 4); b++) {
      if (toUsed == load<u32>(newRuns + <usize>to * 8 + 4)) { to++; toUsed = 0; }
      r = device.read(from + b, 1, scratch);
      if (r == Errno.Ok) r = device.write(load<u32>(newRuns + <usize>to * 8) + toUsed, 1, scratch);
      if (r != Errno.Ok) { report.ioError(from + b, true); return r; }
      toUsed++;
    }
  }
  journal.noteData();
  at = inode.get(ino);
  if (at == 0) return inode.error();
  r = extents.forgetRuns(at);
  for (let i: u32 = 0; i < count && r == Errno.Ok; i++) {
    at = inode.get(ino);
    if (at == 0) return inode.error();
    r = extents.appendRun(at, load<u32>(newRuns + <usize>i * 8), load<u32>(newRuns + <usize>i * 8 + 4));
  }
  for (let i: u32 = 0; i < runs && r == Errno.Ok; i++) r = bitmap.release(load<u32>(oldRuns + <usize>i * 8), load<u32>(oldRuns + <usize>i * 8 + 4));
  if (r != Errno.Ok) return r;
  at = inode.get(ino);
  if (at == 0) return inode.error();
  store<u16>(at + inode.FLAGS, inode.flags(at) & ~inode.FLAG_SHARED);
  inode.put(at);
  return Errno.Ok;
}

