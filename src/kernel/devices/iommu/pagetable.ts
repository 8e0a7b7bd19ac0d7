// pagetable.ts — one device domain's second-level page tables (VT-d spec §3.7,
// entries §9.8): 3 or 4 levels of 512 eight-byte entries in 4 KiB frames, 4 KiB
// leaves only. A leaf counts in its ignored bits how many mappings share its
// page, so overlapping map() calls each need their own unmap(). Tables stay once
// made (a domain's tables only grow). When the unit's table walks do not snoop
// the caches (ECAP.C = 0) every entry written is flushed to memory first.
// No lock here: the caller (unit.ts) serialises every change to a domain.
import { Errno } from "../../../abi";
import { cpu } from "../../../hal";
import { frames } from "../../memory";
import * as physical from "../../physical";
import * as encoding from "./encoding";

const ENTRY_BYTES: u64 = 8;
const PAGE_MASK: u64 = encoding.PAGE_BYTES - 1;

let coherent = true;

/** Whether the unit snoops the caches on its table walks (ECAP.C). */
export function setCoherent(value: bool): void { coherent = value; }

/** Makes [address, address + bytes) of physical memory visible to a walker that reads memory directly. */
export function publish(address: u64, bytes: u64): void {
  if (!coherent) cpu.flushCacheLines(physical.toVirtual(address), bytes);
}

/** A zeroed 4 KiB table, published; 0 when out of memory. */
export function newTable(): u64 {
  const table = frames.alloc(0, frames.Owner.PageTable);
  if (table == 0) return 0;
  physical.zero(table, encoding.PAGE_BYTES);
  publish(table, encoding.PAGE_BYTES);
  return table;
}

/** The leaf table (level 1) translating `address`, the tables on the way made
 *  when `create`; 0 when one is absent (or out of memory). */
function leafTable(root: u64, levels: i32, address: u64, create: bool): u64 {
  let table = root;
  for (let level = levels; level > 1; level--) {
    const slot = table + encoding.indexAt(address, level) * ENTRY_BYTES;
    const entry = physical.read64(slot);
    if (encoding.entryPresent(entry)) { table = encoding.entryAddress(entry); continue; }
    if (!create) return 0;
    const next = newTable();
    if (next == 0) return 0;
    physical.write64(slot, encoding.tableEntry(next));
    publish(slot, ENTRY_BYTES);
    table = next;
  }
  return table;
}

/** The end of the page range [start, end) covering `bytes` at `address`; 0 when it would pass 2^64. */
function pagesEnd(address: u64, bytes: u64): u64 {
  if (bytes - 1 > ~address) return 0;
  return ((address + bytes - 1) | PAGE_MASK) + 1;
}

/** Makes the device's `address` range translate to `target` (both offset alike
 *  within a page): readable, and writable when `writable`. A page already mapped
 *  to the same frame gains a share (and write access if asked); one mapped to
 *  another frame is refused. The number of pages newly made present, or -Errno
 *  (InvalidArgument, AlreadyExists, ResourceExhausted) with nothing changed. */
export function map(root: u64, levels: i32, address: u64, target: u64, bytes: u64, writable: bool): i64 {
  if (bytes == 0) return 0;
  if ((address & PAGE_MASK) != (target & PAGE_MASK)) return -(<i64>Errno.InvalidArgument);
  const end = pagesEnd(address, bytes);
  if (end == 0 || pagesEnd(target, bytes) == 0) return -(<i64>Errno.InvalidArgument);
  const first = address & ~PAGE_MASK;
  const frameDelta = (target & ~PAGE_MASK) - first;   // wraps as needed: added back below
  let added: i64 = 0;
  let page = first;
  while (page < end) {
    const table = leafTable(root, levels, page, true);
    if (table == 0) { unmap(root, levels, first, page - first); return -(<i64>Errno.ResourceExhausted); }
    const startIndex = encoding.indexAt(page, 1);
    let index = startIndex;
    let failure = Errno.Ok;
    while (index < encoding.TABLE_ENTRIES && page < end) {
      const slot = table + index * ENTRY_BYTES;
      const entry = physical.read64(slot);
      const frame = page + frameDelta;
      if (!encoding.entryPresent(entry)) {
        physical.write64(slot, encoding.leafEntry(frame, writable, 1));
        added++;
      } else if (encoding.entryAddress(entry) != frame) {
        failure = Errno.AlreadyExists;
        break;
      } else if (encoding.leafCount(entry) >= encoding.SL_COUNT_MAX) {
        failure = Errno.ResourceExhausted;
        break;
      } else {
        physical.write64(slot, encoding.leafEntry(frame, writable || encoding.entryWritable(entry), encoding.leafCount(entry) + 1));
      }
      index++;
      page += encoding.PAGE_BYTES;
    }
    publish(table + startIndex * ENTRY_BYTES, (index - startIndex) * ENTRY_BYTES);
    if (failure != Errno.Ok) { unmap(root, levels, first, page - first); return -(<i64>failure); }
  }
  return added;
}

/** Drops one share of every page of [address, address + bytes); a page whose
 *  last share goes is made not present. The number of pages made not present. */
export function unmap(root: u64, levels: i32, address: u64, bytes: u64): i64 {
  if (bytes == 0) return 0;
  const end = pagesEnd(address, bytes);
  if (end == 0) return 0;
  let removed: i64 = 0;
  let page = address & ~PAGE_MASK;
  while (page < end) {
    const table = leafTable(root, levels, page, false);
    const startIndex = encoding.indexAt(page, 1);
    let index = startIndex;
    while (index < encoding.TABLE_ENTRIES && page < end) {
      if (table != 0) {
        const slot = table + index * ENTRY_BYTES;
        const entry = physical.read64(slot);
        if (encoding.entryPresent(entry)) {
          const shares = encoding.leafCount(entry);
          if (shares <= 1) { physical.write64(slot, 0); removed++; }
          else physical.write64(slot, encoding.leafEntry(encoding.entryAddress(entry), encoding.entryWritable(entry), shares - 1));
        }
      }
      index++;
      page += encoding.PAGE_BYTES;
    }
    if (table != 0) publish(table + startIndex * ENTRY_BYTES, (index - startIndex) * ENTRY_BYTES);
  }
  return removed;
}

/** The leaf entry translating `address`, or 0 when there is none. */
export function leaf(root: u64, levels: i32, address: u64): u64 {
  const table = leafTable(root, levels, address, false);
  return table == 0 ? 0 : physical.read64(table + encoding.indexAt(address, 1) * ENTRY_BYTES);
}

/** Frees every table below `table` (at `level`) and the table itself. */
export function release(table: u64, level: i32): void {
  if (level > 1) {
    for (let i: u64 = 0; i < encoding.TABLE_ENTRIES; i++) {
      const entry = physical.read64(table + i * ENTRY_BYTES);
      if (encoding.entryPresent(entry)) release(encoding.entryAddress(entry), level - 1);
    }
  }
  frames.free(table);
}
