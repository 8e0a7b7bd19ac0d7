// pagetable.ts — x86-64 4-level page tables: entry encoding (pure, host-tested)
// and map / unmap / protect / translate on a tree whose tables are physical
// frames reached through the direct map. W^X holds by construction: no
// Protection is both writable and executable.
//
//  entry: 63 NX | 51..12 address | 11..9 software | 8 G | 7 PS (huge) | 6 D | 5 A | 4 PCD | 3 PWT | 2 U | 1 W | 0 P
//  The software bits (ignored by the MMU, SDM vol. 3A table 4-19) mark module-memory
//  leaves: COPY_ON_WRITE (read-only because the frame is shared, memory/sharing.ts)
//  and FOREIGN (the frame is not the memory's own, e.g. a fabric region's).
//  levels: PML4 (bits 47..39) → PDPT (38..30, 1 GiB pages) → PD (29..21, 2 MiB) → PT (20..12, 4 KiB)
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as physical from "../physical";
import * as frames from "./frames";

export const PTE_PRESENT: u64 = 1 << 0;
export const PTE_WRITABLE: u64 = 1 << 1;
export const PTE_USER: u64 = 1 << 2;
export const PTE_WRITE_THROUGH: u64 = 1 << 3;
export const PTE_CACHE_DISABLE: u64 = 1 << 4;
export const PTE_ACCESSED: u64 = 1 << 5;
export const PTE_DIRTY: u64 = 1 << 6;
export const PTE_HUGE: u64 = 1 << 7;
export const PTE_GLOBAL: u64 = 1 << 8;
export const PTE_NO_EXECUTE: u64 = 1 << 63;
export const PTE_ADDRESS_MASK: u64 = 0x000f_ffff_ffff_f000;
export const PTE_COPY_ON_WRITE: u64 = 1 << 9;
export const PTE_FOREIGN: u64 = 1 << 10;
export const PTE_SOFTWARE_MASK: u64 = 0x0e00;

export const enum PageSize { Small = 0, Large = 1, Huge = 2 }   // 4 KiB, 2 MiB, 1 GiB
export const enum Protection { Read = 0, ReadWrite = 1, ReadExecute = 2 }

export const NOT_MAPPED: u64 = 0xffff_ffff_ffff_ffff;
const ENTRIES: u64 = 512;
const TABLE_BYTES: u64 = 4096;

export function pageBytes(size: PageSize): u64 {
  return size == PageSize.Huge ? <u64>1 << 30 : size == PageSize.Large ? <u64>1 << 21 : <u64>1 << 12;
}

/** The level (3 = PML4 … 0 = PT) whose entries map a page of `size`. */
function leafLevel(size: PageSize): i32 { return <i32>size; }

/** Encodes a leaf entry. */
export function encodeLeaf(address: u64, size: PageSize, protection: Protection): u64 {
  let entry = (address & PTE_ADDRESS_MASK) | PTE_PRESENT;
  if (protection == Protection.ReadWrite) entry |= PTE_WRITABLE;
  if (protection != Protection.ReadExecute) entry |= PTE_NO_EXECUTE;
  if (size != PageSize.Small) entry |= PTE_HUGE;
  return entry;
}

/** Encodes an entry pointing at the next-level table (permissive: leaves decide). */
export function encodeTable(address: u64): u64 {
  return (address & PTE_ADDRESS_MASK) | PTE_PRESENT | PTE_WRITABLE;
}

/** The protection a leaf entry grants. */
export function protectionOf(entry: u64): Protection {
  if ((entry & PTE_WRITABLE) != 0) return Protection.ReadWrite;
  return (entry & PTE_NO_EXECUTE) != 0 ? Protection.Read : Protection.ReadExecute;
}

/** Canonical: bits 63..47 all equal. */
export function canonical(address: u64): bool {
  const top = address >> 47;
  return top == 0 || top == 0x1ffff;
}

function indexAt(address: u64, level: i32): u64 { return (address >> (12 + 9 * <u64>level)) & (ENTRIES - 1); }
function entryAddress(table: u64, index: u64): u64 { return table + index * 8; }

/** A fresh, zeroed page table; 0 when memory is exhausted. */
export function newTable(): u64 {
  const table = frames.alloc(0, frames.Owner.PageTable);
  if (table != 0) physical.zero(table, TABLE_BYTES);
  return table;
}

/** The physical address of the entry for `address` at `level`, creating the
 *  tables above it when `create`; 0 if absent (or blocked by a huge page). */
function walk(root: u64, address: u64, level: i32, create: bool): u64 {
  let table = root;
  for (let current = 3; current > level; current--) {
    const slot = entryAddress(table, indexAt(address, current));
    let entry = physical.read64(slot);
    if ((entry & PTE_PRESENT) == 0) {
      if (!create) return 0;
      const next = newTable();
      if (next == 0) return 0;
      entry = encodeTable(next);
      physical.write64(slot, entry);
    } else if ((entry & PTE_HUGE) != 0) {
      return 0;
    }
    table = entry & PTE_ADDRESS_MASK;
  }
  return entryAddress(table, indexAt(address, level));
}

// Other CPUs: every CPU runs on the kernel's root, and a translation one of them
// cached stays usable after the entry changes (an agent that ran there reading a
// frame since freed or given to another). Once other CPUs may cache translations,
// a change that takes a page away or lowers its rights (unmap, protect, replace)
// is also sent to them, through a hook the platform installs: Now (an IPI
// shootdown: the page may be in use there), or BeforeReuse, for pages no CPU uses
// any more (a dead thread's stack, a destroyed memory: each CPU drops its
// translations before it can run anything that could use the pages' next owner).
// Page by page, or once for a batch between deferRemoteInvalidation() and
// endDeferredInvalidation().
export const enum Remote { Now = 0, BeforeReuse = 1 }
export type RemoteInvalidate = (address: u64, when: Remote) => void;
/** For the hook: drop every translation, not one page. */
export const INVALIDATE_ALL: u64 = 0;
let remoteInvalidate: u32 = 0;          // function reference; 0 while one CPU runs
let deferDepth: u32 = 0;
let remotePending = false;

/** Installs the hook that invalidates a page (or INVALIDATE_ALL) on the other CPUs. */
export function setRemoteInvalidate(hook: RemoteInvalidate): void { remoteInvalidate = <u32>changetype<usize>(hook); }

/** Drops `address` (INVALIDATE_ALL: everything) from the other CPUs' TLBs `when`
 *  asked, for changes made without unmap/protect/replace. */
export function invalidateElsewhere(address: u64, when: Remote): void {
  if (remoteInvalidate != 0) changetype<RemoteInvalidate>(<usize>remoteInvalidate)(address, when);
}

/** Holds back the other CPUs' invalidations until endDeferredInvalidation(), which
 *  sends one for all, `when` asked. Only while the pages changed are in no other
 *  CPU's use. */
export function deferRemoteInvalidation(): void { deferDepth++; }
export function endDeferredInvalidation(when: Remote): void {
  if (deferDepth == 0 || --deferDepth != 0 || !remotePending) return;
  remotePending = false;
  invalidateElsewhere(INVALIDATE_ALL, when);
}

function invalidate(root: u64, address: u64): void {
  if ((cpu.readCr3() & PTE_ADDRESS_MASK) != root) return;
  cpu.invalidatePage(address);
  if (remoteInvalidate == 0) return;
  if (deferDepth != 0) { remotePending = true; return; }
  changetype<RemoteInvalidate>(<usize>remoteInvalidate)(address, Remote.Now);
}

/** Maps one page, with `software` bits (PTE_SOFTWARE_MASK) in its entry. Refuses
 *  misaligned or non-canonical addresses, a page that is already mapped, and a
 *  range covered by a larger page. */
export function map(root: u64, address: u64, target: u64, size: PageSize, protection: Protection, software: u64 = 0): Errno {
  const bytes = pageBytes(size);
  if (!canonical(address) || (address & (bytes - 1)) != 0 || (target & (bytes - 1)) != 0) return Errno.InvalidArgument;
  const slot = walk(root, address, leafLevel(size), true);
  if (slot == 0) return Errno.ResourceExhausted;
  if ((physical.read64(slot) & PTE_PRESENT) != 0) return Errno.AlreadyExists;
  physical.write64(slot, encodeLeaf(target, size, protection) | (software & PTE_SOFTWARE_MASK));
  return Errno.Ok;
}

/** Finds the leaf entry mapping `address`: its physical slot, or 0. */
function leafSlot(root: u64, address: u64): u64 {
  let table = root;
  for (let level = 3; level >= 0; level--) {
    const slot = entryAddress(table, indexAt(address, level));
    const entry = physical.read64(slot);
    if ((entry & PTE_PRESENT) == 0) return 0;
    if (level == 0 || (entry & PTE_HUGE) != 0) return slot;
    table = entry & PTE_ADDRESS_MASK;
  }
  return 0;
}

/** Removes the mapping of the page at `address` (of whatever size maps it) and
 *  returns the physical address it mapped, or NOT_MAPPED. */
export function unmap(root: u64, address: u64): u64 {
  if (!canonical(address)) return NOT_MAPPED;
  const slot = leafSlot(root, address);
  if (slot == 0) return NOT_MAPPED;
  const entry = physical.read64(slot);
  physical.write64(slot, 0);
  invalidate(root, address);
  return entry & PTE_ADDRESS_MASK;
}

/** Changes the protection of the page mapping `address`. */
export function protect(root: u64, address: u64, protection: Protection): Errno {
  if (!canonical(address)) return Errno.InvalidArgument;
  const slot = leafSlot(root, address);
  if (slot == 0) return Errno.NotFound;
  const entry = physical.read64(slot);
  const keep = entry & (PTE_ADDRESS_MASK | PTE_HUGE | PTE_GLOBAL | PTE_CACHE_DISABLE | PTE_WRITE_THROUGH);
  physical.write64(slot, keep | (encodeLeaf(0, PageSize.Small, protection) & ~PTE_ADDRESS_MASK));
  invalidate(root, address);
  return Errno.Ok;
}

/** Points the present 4 KiB leaf of `address` at `target` with `protection` and
 *  `software` bits, in one store (a CPU never sees it unmapped), and drops it from
 *  this CPU's TLB. NotFound when no 4 KiB page maps `address`. */
export function replace(root: u64, address: u64, target: u64, protection: Protection, software: u64): Errno {
  if (!canonical(address) || (address & (TABLE_BYTES - 1)) != 0 || (target & (TABLE_BYTES - 1)) != 0) return Errno.InvalidArgument;
  const slot = walk(root, address, leafLevel(PageSize.Small), false);
  if (slot == 0 || (physical.read64(slot) & PTE_PRESENT) == 0) return Errno.NotFound;
  physical.write64(slot, encodeLeaf(target, PageSize.Small, protection) | (software & PTE_SOFTWARE_MASK));
  invalidate(root, address);
  return Errno.Ok;
}

/** The physical address `address` maps to, or NOT_MAPPED. */
export function translate(root: u64, address: u64): u64 {
  if (!canonical(address)) return NOT_MAPPED;
  let table = root;
  for (let level = 3; level >= 0; level--) {
    const entry = physical.read64(entryAddress(table, indexAt(address, level)));
    if ((entry & PTE_PRESENT) == 0) return NOT_MAPPED;
    if (level == 0 || (entry & PTE_HUGE) != 0) {
      const offsetMask = (<u64>1 << (12 + 9 * <u64>level)) - 1;
      return (entry & PTE_ADDRESS_MASK & ~offsetMask) | (address & offsetMask);
    }
    table = entry & PTE_ADDRESS_MASK;
  }
  return NOT_MAPPED;
}

/** The leaf entry for `address` (0 when unmapped), for fault classification. */
export function leafEntry(root: u64, address: u64): u64 {
  const slot = canonical(address) ? leafSlot(root, address) : 0;
  return slot == 0 ? 0 : physical.read64(slot);
}

/**
 * Tears down everything under the PDPT entries covering [start, start + length),
 * which must be 1 GiB aligned: calls `release` for every 4 KiB leaf's frame and
 * frees the page tables. For module memory slots, whose frames are owned by them.
 * No CPU may be using the range: the others drop its translations lazily (before
 * they next enter the kernel, so before anything can use the slot's next memory).
 */
export function releaseRange(root: u64, start: u64, length: u64, release: (frame: u64) => void): void {
  const gib: u64 = 1 << 30;
  for (let at = start; at < start + length; at += gib) {
    const pdptSlot = walk(root, at, 2, false);
    if (pdptSlot == 0) continue;
    const pdptEntry = physical.read64(pdptSlot);
    if ((pdptEntry & PTE_PRESENT) == 0 || (pdptEntry & PTE_HUGE) != 0) continue;
    const pd = pdptEntry & PTE_ADDRESS_MASK;
    for (let i: u64 = 0; i < ENTRIES; i++) {
      const pdEntry = physical.read64(pd + i * 8);
      if ((pdEntry & PTE_PRESENT) == 0 || (pdEntry & PTE_HUGE) != 0) continue;
      const pt = pdEntry & PTE_ADDRESS_MASK;
      for (let j: u64 = 0; j < ENTRIES; j++) {
        const leaf = physical.read64(pt + j * 8);
        if ((leaf & PTE_PRESENT) != 0) release(leaf & PTE_ADDRESS_MASK);
      }
      frames.free(pt);
    }
    frames.free(pd);
    physical.write64(pdptSlot, 0);
  }
  if ((cpu.readCr3() & PTE_ADDRESS_MASK) != root) return;
  cpu.writeCr3(cpu.readCr3());                                   // flush the range
  invalidateElsewhere(INVALIDATE_ALL, Remote.BeforeReuse);      // nobody uses it: before its reuse will do
}
