// reassembly.ts — IPv4 fragment reassembly (RFC 791 §3.2, "reassembly"). Fragments
// of up to SLOTS datagrams at a time are kept, each keyed by (source, destination,
// protocol, identification) in a 64 KiB block of frames taken when its first
// fragment arrives and given back when it completes, fails or expires; which
// 8-byte units have arrived is a bitmap per slot (the RFC's "fragment block bit
// table"). A complete datagram is copied, behind its first fragment's header, into
// one output buffer and returned to the stack, which dispatches it like any other.
// Policies (each drop is counted by its Reason):
//  - overlaps: a fragment covering bytes already received is a duplicate when it
//    carries the very same bytes (ignored), else the whole datagram is dropped —
//    RFC 5722's rule for IPv6, taken here because overlaps with differing data are
//    how filters are evaded (RFC 1858) and no honest sender produces them;
//  - lengths: every fragment but the last carries a multiple of 8 bytes; nothing
//    may end past 65535 bytes of datagram; the last fragment fixes the length, and
//    a second "last" that disagrees, or data past it, drops the datagram;
//  - time: a datagram not complete TIMEOUT_NS after its first fragment is dropped
//    (30 s, as Linux's ipfrag_time; RFC 791 suggests 15 s as a lower bound). No ICMP
//    time exceeded is sent for it;
//  - room: with every slot taken, the oldest datagram is evicted for the new one.
// Single-threaded: only the stack's receive path (one CPU at a time) calls it.
import { frames, grown } from "../memory";
import * as physical from "../physical";
import * as ipv4 from "./ipv4";
import { finish, get16, put16, sum } from "./bytes";

export const SLOTS: i32 = 8;
export const MAX_DATAGRAM: u32 = 65535;         // the total length field's limit
export const TIMEOUT_NS: u64 = 30_000_000_000;
const BLOCK_ORDER: u32 = 4;                     // 16 frames: 64 KiB of payload per datagram
const UNIT: u32 = 8;                            // fragment offsets count 8-byte units
const BITMAP_BYTES: u32 = 65536 / UNIT / 8;     // one bit per unit: 1 KiB per slot
const MAX_HEADER: u32 = 60;
const UNKNOWN: u32 = 0xffff_ffff;
const FLAG_MORE_FRAGMENTS: u16 = 0x2000;
const OFFSET_MASK: u16 = 0x1fff;

/** Why a fragment or a datagram went, or what became of it. */
export const enum Reason {
  Reassembled = 0,   // datagrams completed and handed on
  Duplicate = 1,     // fragments that repeated bytes already held (ignored)
  Overlap = 2,       // datagrams dropped for a fragment overlapping with other data
  BadLength = 3,     // fragments with no data, or not a multiple of 8 before the last
  Oversized = 4,     // fragments ending past 65535 bytes of datagram
  Inconsistent = 5,  // datagrams dropped for two different ends, or data past the end
  Timeout = 6,       // datagrams dropped incomplete after TIMEOUT_NS
  Evicted = 7,       // datagrams dropped to make room for a newer one
  NoMemory = 8,      // fragments dropped: no frames for a new datagram
}
const REASONS: i32 = 9;

// per slot: the key, its 64 KiB block (physical; 0 = slot free), when it began,
// its length once the last fragment came (else UNKNOWN), bytes held, and the
// first fragment's header (its length 0 until that fragment came)
const sources = memory.data(SLOTS * 4);
const destinations = memory.data(SLOTS * 4);
const protocols = memory.data(SLOTS);
const identifications = memory.data(SLOTS * 2);
const blocks = memory.data(SLOTS * 8);
const started = memory.data(SLOTS * 8);
const totals = memory.data(SLOTS * 4);
const held = memory.data(SLOTS * 4);
const headerLengths = memory.data(SLOTS * 4);
const headers = memory.data(SLOTS * MAX_HEADER);
const bitmaps = memory.data(SLOTS * BITMAP_BYTES);
const counts = memory.data(REASONS * 8);
// the complete datagram handed to the stack: valid until the next accept()
let output: usize = 0;                          // grown at the first datagram completed (the boot window is small)
let outputLength: u32 = 0;

export function count(reason: Reason): u64 { return load<u64>(counts + <usize>reason * 8); }
function counted(reason: Reason): void { store<u64>(counts + <usize>reason * 8, count(reason) + 1); }

/** Datagrams being reassembled (each holds a 64 KiB block). */
export function inProgress(): i32 {
  let n = 0;
  for (let i = 0; i < SLOTS; i++) if (load<u64>(blocks + <usize>i * 8) != 0) n++;
  return n;
}

/** The length of the datagram accept() last returned. */
export function assembledLength(): u32 { return outputLength; }

function release(slot: i32): void {
  const block = load<u64>(blocks + <usize>slot * 8);
  if (block != 0) frames.free(block);
  store<u64>(blocks + <usize>slot * 8, 0);
}

/** Drops every datagram in progress (the stack's init, tests). */
export function reset(): void {
  for (let i = 0; i < SLOTS; i++) release(i);
  outputLength = 0;
}

/** Drops the datagrams whose time ran out by `now`. */
export function expire(now: u64): void {
  for (let i = 0; i < SLOTS; i++) {
    if (load<u64>(blocks + <usize>i * 8) != 0 && now - load<u64>(started + <usize>i * 8) >= TIMEOUT_NS) {
      release(i);
      counted(Reason.Timeout);
    }
  }
}

function slotOf(source: u32, destination: u32, protocol: u8, id: u16): i32 {
  for (let i = 0; i < SLOTS; i++) {
    if (load<u64>(blocks + <usize>i * 8) != 0 && load<u32>(sources + <usize>i * 4) == source
      && load<u32>(destinations + <usize>i * 4) == destination && load<u8>(protocols + <usize>i) == protocol
      && load<u16>(identifications + <usize>i * 2) == id) return i;
  }
  return -1;
}

/** A free slot with a fresh block for the key, evicting the oldest datagram when
 *  every slot is taken; -1 when there are no frames. */
function open(source: u32, destination: u32, protocol: u8, id: u16, now: u64): i32 {
  let slot = -1;
  for (let i = 0; i < SLOTS && slot < 0; i++) if (load<u64>(blocks + <usize>i * 8) == 0) slot = i;
  if (slot < 0) {
    slot = 0;
    for (let i = 1; i < SLOTS; i++) {
      if (load<u64>(started + <usize>i * 8) < load<u64>(started + <usize>slot * 8)) slot = i;
    }
    release(slot);
    counted(Reason.Evicted);
  }
  const block = frames.alloc(BLOCK_ORDER, frames.Owner.Kernel);
  if (block == 0) return -1;
  store<u64>(blocks + <usize>slot * 8, block);
  store<u32>(sources + <usize>slot * 4, source);
  store<u32>(destinations + <usize>slot * 4, destination);
  store<u8>(protocols + <usize>slot, protocol);
  store<u16>(identifications + <usize>slot * 2, id);
  store<u64>(started + <usize>slot * 8, now);
  store<u32>(totals + <usize>slot * 4, UNKNOWN);
  store<u32>(held + <usize>slot * 4, 0);
  store<u32>(headerLengths + <usize>slot * 4, 0);
  memory.fill(bitmaps + <usize>slot * BITMAP_BYTES, 0, BITMAP_BYTES);
  return slot;
}

function unitHeld(bitmap: usize, unit: u32): bool {
  return ((<u32>load<u8>(bitmap + <usize>(unit >> 3)) >> (unit & 7)) & 1) != 0;
}
function markUnit(bitmap: usize, unit: u32): void {
  const at = bitmap + <usize>(unit >> 3);
  store<u8>(at, <u8>(<u32>load<u8>(at) | (<u32>1 << (unit & 7))));
}

/** Copies between the kernel's linear memory and a frame block, 8 bytes at a time. */
function copyIn(block: u64, offset: u32, from: usize, length: u32): void {
  let i: u32 = 0;
  for (; i + 8 <= length; i += 8) physical.write64(block + <u64>(offset + i), load<u64>(from + <usize>i));
  for (; i < length; i++) physical.write8(block + <u64>(offset + i), load<u8>(from + <usize>i));
}
function copyOut(to: usize, block: u64, length: u32): void {
  let i: u32 = 0;
  for (; i + 8 <= length; i += 8) store<u64>(to + <usize>i, physical.read64(block + <u64>i));
  for (; i < length; i++) store<u8>(to + <usize>i, physical.read8(block + <u64>i));
}
function sameBytes(block: u64, offset: u32, from: usize, length: u32): bool {
  for (let i: u32 = 0; i < length; i++) {
    if (physical.read8(block + <u64>(offset + i)) != load<u8>(from + <usize>i)) return false;
  }
  return true;
}

/** Takes the IPv4 fragment of `length` bytes at `packet` (its header already
 *  checked by ipv4.check, which named it a fragment). Returns the address of the
 *  complete datagram (header and payload; assembledLength() bytes, valid until the
 *  next call) when this fragment completed one, else 0. */
export function accept(packet: usize, length: u32, now: u64): usize {
  expire(now);
  const headerLength = ipv4.headerLength(packet);
  const dataLength = ipv4.totalLength(packet) - headerLength;   // not the Ethernet padding
  const field = get16(packet + 6);
  const last = (field & FLAG_MORE_FRAGMENTS) == 0;
  const offset = <u32>(field & OFFSET_MASK) * UNIT;
  const end = offset + dataLength;
  if (dataLength == 0 || (!last && (dataLength & (UNIT - 1)) != 0)) { counted(Reason.BadLength); return 0; }
  if (headerLength + end > MAX_DATAGRAM) { counted(Reason.Oversized); return 0; }
  const source = ipv4.source(packet);
  const destination = ipv4.destination(packet);
  const protocol = ipv4.protocol(packet);
  const id = get16(packet + 4);
  let slot = slotOf(source, destination, protocol, id);
  if (slot < 0) {
    slot = open(source, destination, protocol, id, now);
    if (slot < 0) { counted(Reason.NoMemory); return 0; }
  }
  const block = load<u64>(blocks + <usize>slot * 8);
  const bitmap = bitmaps + <usize>slot * BITMAP_BYTES;
  const total = load<u32>(totals + <usize>slot * 4);
  const data = packet + <usize>headerLength;
  // the end: one last fragment, and nothing past it
  if ((last && total != UNKNOWN && total != end) || (total != UNKNOWN && end > total)) {
    release(slot); counted(Reason.Inconsistent); return 0;
  }
  // held units inside this fragment: all of them with the same bytes is a repeat
  const firstUnit = offset / UNIT;
  const endUnit = (end + UNIT - 1) / UNIT;
  let heldUnits: u32 = 0;
  for (let u = firstUnit; u < endUnit; u++) if (unitHeld(bitmap, u)) heldUnits++;
  if (heldUnits == endUnit - firstUnit && sameBytes(block, offset, data, dataLength)
    && (!last || total == end)) { counted(Reason.Duplicate); return 0; }
  if (heldUnits != 0) { release(slot); counted(Reason.Overlap); return 0; }
  if (last) {
    // the bitmap's units past the end must be empty (nothing was held past it)
    const heldBytes = load<u32>(held + <usize>slot * 4);
    for (let u = endUnit; u < BITMAP_BYTES * 8 && heldBytes != 0; u++) {
      if (unitHeld(bitmap, u)) { release(slot); counted(Reason.Inconsistent); return 0; }
    }
    store<u32>(totals + <usize>slot * 4, end);
  }
  copyIn(block, offset, data, dataLength);
  for (let u = firstUnit; u < endUnit; u++) markUnit(bitmap, u);
  const nowHeld = load<u32>(held + <usize>slot * 4) + dataLength;
  store<u32>(held + <usize>slot * 4, nowHeld);
  if (offset == 0) {
    memory.copy(headers + <usize>slot * MAX_HEADER, packet, headerLength);
    store<u32>(headerLengths + <usize>slot * 4, headerLength);
  }
  const complete = load<u32>(totals + <usize>slot * 4);
  if (complete == UNKNOWN || nowHeld != complete) return 0;
  // complete (no overlaps were kept, so the bytes held are the bytes covered)
  const outputHeader = load<u32>(headerLengths + <usize>slot * 4);
  if (outputHeader + complete > MAX_DATAGRAM) { release(slot); counted(Reason.Oversized); return 0; }   // a longer first header
  if (output == 0) output = grown.take(<usize>MAX_DATAGRAM);
  if (output == 0) { release(slot); counted(Reason.NoMemory); return 0; }
  memory.copy(output, headers + <usize>slot * MAX_HEADER, outputHeader);
  copyOut(output + <usize>outputHeader, block, complete);
  release(slot);
  outputLength = outputHeader + complete;
  put16(output + 2, <u16>outputLength);
  put16(output + 6, 0);
  put16(output + 10, 0);
  put16(output + 10, finish(sum(output, outputHeader, 0)));
  counted(Reason.Reassembled);
  return output;
}
