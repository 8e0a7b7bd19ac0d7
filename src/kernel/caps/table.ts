// table.ts — the global capability table and its derivation tree. Each record
// names a kernel object (kind, id), the rights and expiry it grants, and the one
// handle slot that holds it (owner agent, slot): a capability has exactly one
// holder, and duplicating makes a new record. Records derived from another are its
// children; a record without a parent is a root.
//
//   record i:  kind u8 (0 = free) | owner u8 | owner slot u8 | rights u32
//              object u64 | expiry u64 | links: parent, first child, next, previous
//
// Links are u16 holding index + 1 (0 = none), so a zeroed table is a valid empty
// one; free records are chained through `next`. Invariants (verify.ts checks
// them): a child has its parent's kind and object, rights within its parent's,
// and an expiry no later than its parent's. Writers hold the kernel lock and
// every store is made inside a version.ts write section, so a check without the
// lock can tell it may have seen half a change.
import { NO_EXPIRY, ObjectKind } from "./kinds";
import * as version from "./version";

export const MAX_CAPABILITIES: i32 = 4096;
export const NONE: i32 = -1;

const enum Link { Parent = 0, FirstChild = 1, Next = 2, Previous = 3 }
const LINKS_PER_RECORD: i32 = 4;

const kinds = memory.data(MAX_CAPABILITIES);
const owners = memory.data(MAX_CAPABILITIES);
const ownerSlots = memory.data(MAX_CAPABILITIES);
const rightsBits = memory.data(MAX_CAPABILITIES * 4);
const objects = memory.data(MAX_CAPABILITIES * 8);
const expiries = memory.data(MAX_CAPABILITIES * 8);
const links = memory.data(MAX_CAPABILITIES * LINKS_PER_RECORD * 2);

let freeHead: i32 = NONE;        // records freed once, reused first
let highWater: i32 = 0;          // records below this have been handed out at least once
let liveCount: i32 = 0;

function link(index: i32, which: Link): i32 {
  return <i32>load<u16>(links + <usize>(index * LINKS_PER_RECORD + which) * 2) - 1;
}
function setLink(index: i32, which: Link, target: i32): void {
  version.noteStore();
  store<u16>(links + <usize>(index * LINKS_PER_RECORD + which) * 2, <u16>(target + 1));
}

export function reset(): void {
  version.noteStore();
  memory.fill(kinds, 0, MAX_CAPABILITIES);
  memory.fill(links, 0, MAX_CAPABILITIES * LINKS_PER_RECORD * 2);
  freeHead = NONE;
  highWater = 0;
  liveCount = 0;
}

/** A new root record, or NONE when the table is full; setOwner() follows once
 *  the holder's handle slot is taken. */
export function allocate(kind: ObjectKind, object: u64, rights: u32, expiry: u64): i32 {
  let index = freeHead;
  if (index != NONE) freeHead = link(index, Link.Next);
  else if (highWater < MAX_CAPABILITIES) index = highWater++;
  else return NONE;
  version.noteStore();
  store<u8>(kinds + <usize>index, <u8>kind);
  setOwner(index, 0, 0);
  store<u32>(rightsBits + <usize>index * 4, rights);
  store<u64>(objects + <usize>index * 8, object);
  store<u64>(expiries + <usize>index * 8, expiry);
  for (let which = 0; which < LINKS_PER_RECORD; which++) setLink(index, <Link>which, NONE);
  liveCount++;
  return index;
}

/** Records which handle slot holds `index`. */
export function setOwner(index: i32, owner: i32, ownerSlot: i32): void {
  version.noteStore();
  store<u8>(owners + <usize>index, <u8>owner);
  store<u8>(ownerSlots + <usize>index, <u8>ownerSlot);
}

/** Frees a record that is out of the tree (detached, no children). */
export function release(index: i32): void {
  version.noteStore();
  store<u8>(kinds + <usize>index, <u8>ObjectKind.None);
  for (let which = 0; which < LINKS_PER_RECORD; which++) setLink(index, <Link>which, NONE);
  setLink(index, Link.Next, freeHead);
  freeHead = index;
  liveCount--;
}

/** Makes root `child` the first child of `parent` (NONE: it stays a root). */
export function attach(child: i32, parent: i32): void {
  setLink(child, Link.Parent, parent);
  setLink(child, Link.Previous, NONE);
  if (parent == NONE) { setLink(child, Link.Next, NONE); return; }
  const first = link(parent, Link.FirstChild);
  setLink(child, Link.Next, first);
  if (first != NONE) setLink(first, Link.Previous, child);
  setLink(parent, Link.FirstChild, child);
}

/** Takes `index` (with its subtree) out of its parent's children; it becomes a root. */
export function detach(index: i32): void {
  const parent = link(index, Link.Parent);
  const previous = link(index, Link.Previous);
  const next = link(index, Link.Next);
  if (previous != NONE) setLink(previous, Link.Next, next);
  else if (parent != NONE) setLink(parent, Link.FirstChild, next);
  if (next != NONE) setLink(next, Link.Previous, previous);
  setLink(index, Link.Parent, NONE);
  setLink(index, Link.Previous, NONE);
  setLink(index, Link.Next, NONE);
}

/** Hands the children of `index` to its parent (or makes them roots), so what was
 *  derived through it stays inside every ancestor's subtree when it goes. */
export function passChildrenUp(index: i32): void {
  const parent = link(index, Link.Parent);
  let child = link(index, Link.FirstChild);
  setLink(index, Link.FirstChild, NONE);
  while (child != NONE) {
    const next = link(child, Link.Next);
    attach(child, parent);
    child = next;
  }
}

/** True when record `index` (a table index) is of `kind`, holds every right in
 *  `required` and has no expiry; no branch, for lookup.checkFast(). */
@inline export function grantsForever(index: i32, kind: i32, required: u32): bool {
  return (<i32>(<i32>load<u8>(kinds + <usize>index) == kind) & <i32>((required & ~load<u32>(rightsBits + <usize>index * 4)) == 0)
    & <i32>(load<u64>(expiries + <usize>index * 8) == NO_EXPIRY)) != 0;
}
export function used(index: i32): bool { return index >= 0 && index < highWater && load<u8>(kinds + <usize>index) != 0; }
@inline export function kindOf(index: i32): ObjectKind { return <ObjectKind>load<u8>(kinds + <usize>index); }
export function ownerOf(index: i32): i32 { return <i32>load<u8>(owners + <usize>index); }
export function ownerSlotOf(index: i32): i32 { return <i32>load<u8>(ownerSlots + <usize>index); }
@inline export function rightsOf(index: i32): u32 { return load<u32>(rightsBits + <usize>index * 4); }
export function objectOf(index: i32): u64 { return load<u64>(objects + <usize>index * 8); }
@inline export function expiryOf(index: i32): u64 { return load<u64>(expiries + <usize>index * 8); }
export function parentOf(index: i32): i32 { return link(index, Link.Parent); }
export function firstChildOf(index: i32): i32 { return link(index, Link.FirstChild); }
export function nextSiblingOf(index: i32): i32 { return link(index, Link.Next); }
export function previousSiblingOf(index: i32): i32 { return link(index, Link.Previous); }
/** Records in use. */
export function live(): i32 { return liveCount; }
/** One past the highest record ever handed out: scans stop here. */
export function limit(): i32 { return highWater; }
/** Length of the free chain, for verify(); stops past the table size (a cycle). */
export function freeChainLength(): i32 {
  let length = 0;
  for (let index = freeHead; index != NONE && length <= MAX_CAPABILITIES; index = link(index, Link.Next)) length++;
  return length;
}
