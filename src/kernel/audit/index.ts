// audit — the kernel's audit log: append-only and hash-chained. Each record holds
// the previous record's hash, and its own hash is SHA-256(previous ‖ its fields)
// (layout: record.ts), so changing, removing or reordering any retained record
// breaks the chain at that record, which verify() finds by recomputing all of it.
// The newest CAPACITY records are kept (ring.ts); older ones are dropped behind an
// anchor. What the chain cannot show by itself is a rewrite of the whole tail with
// fresh hashes: for that, a holder outside the kernel keeps a copy of headHash().
// One ticket lock guards appends and verification; do not append from an
// interrupt handler (the lock is not re-entrant).
import { Errno } from "../../abi";
import * as clock from "../clock";
import { sha256 } from "../crypto";
import * as locks from "../sync/locks";
import { EventKind, known } from "./kinds";
import * as record from "./record";
import { Failure, HASH_BYTES, PAYLOAD_CAPACITY } from "./record";
import * as ring from "./ring";

export { EventKind } from "./kinds";
export { Failure, FORMAT_VERSION, HASH_BYTES, PAYLOAD_CAPACITY, RECORD_BYTES } from "./record";

export const CAPACITY: u32 = ring.CAPACITY;
/** firstBadIndex() when the last verify() found nothing wrong. */
export const NO_BAD_RECORD: i32 = -1;
/** firstBadIndex() when a record failed its check as the full ring dropped it. */
export const DROPPED_RECORD: i32 = -2;

const lock = memory.data(locks.TICKET_LOCK_BYTES);
const context = memory.data(sha256.CONTEXT_BYTES);          // used only under the lock
const scratch = memory.data(<i32>HASH_BYTES);
const head = memory.data(<i32>HASH_BYTES);                  // the newest record's hash; the genesis (zero) at first
let headSequenceNumber: u64 = 0;                            // 0: nothing appended yet
let brokenDrops: u32 = 0;
let badIndex: i32 = NO_BAD_RECORD;
let failure = Failure.None;

/** Appends a record stamped with `timestamp` (nanoseconds). Returns its sequence
 *  number (from 1, strictly increasing), or -Errno.InvalidArgument for an unknown
 *  kind or a payload longer than PAYLOAD_CAPACITY bytes. Never fails for space:
 *  a full log drops its oldest record. */
export function appendAt(timestamp: u64, kind: EventKind, subject: u64, object: u64, result: Errno,
                         payload: usize, payloadLength: u32): i64 {
  if (!known(<u32>kind) || payloadLength > PAYLOAD_CAPACITY) return -(<i64>Errno.InvalidArgument);
  if (payload == 0 && payloadLength != 0) return -(<i64>Errno.InvalidArgument);
  locks.ticketAcquire(lock);
  if (ring.full()) {
    // A record edited while retained would otherwise leave no trace once dropped.
    const oldest = ring.address(0);
    if (record.check(oldest, ring.anchorSequence() + 1, ring.anchorHash(), context, scratch) != Failure.None) brokenDrops++;
    ring.dropOldest();
  }
  const sequence = headSequenceNumber + 1;
  const at = ring.claim();
  record.write(at, head, sequence, timestamp, <u16>kind, result, subject, object, payload, payloadLength);
  record.seal(at, context);
  memory.copy(head, record.hash(at), HASH_BYTES);
  headSequenceNumber = sequence;
  locks.ticketRelease(lock);
  return <i64>sequence;
}

/** appendAt() stamped now (clock.ts). */
export function append(kind: EventKind, subject: u64, object: u64, result: Errno, payload: usize, payloadLength: u32): i64 {
  return appendAt(clock.nanoseconds(), kind, subject, object, result, payload, payloadLength);
}

function failAt(index: i32, why: Failure): Errno {
  badIndex = index;
  failure = why;
  return Errno.Malformed;
}

function walk(): Errno {
  if (brokenDrops != 0) return failAt(DROPPED_RECORD, Failure.Dropped);
  let previous = ring.anchorHash();
  let sequence = ring.anchorSequence();
  const held = ring.count();
  for (let index: u32 = 0; index < held; index++) {
    const at = ring.address(index);
    sequence++;
    const why = record.check(at, sequence, previous, context, scratch);
    if (why != Failure.None) return failAt(<i32>index, why);
    previous = record.hash(at);
  }
  // Every record is consistent with the one before; the newest must also be the
  // head appended last, or the tail was rewritten (or cut) with fresh hashes.
  if (sequence != headSequenceNumber || !sha256.equal(previous, head)) {
    return failAt(held == 0 ? 0 : <i32>held - 1, Failure.Head);
  }
  badIndex = NO_BAD_RECORD;
  failure = Failure.None;
  return Errno.Ok;
}

/** Recomputes the whole retained chain from the anchor. Ok, or Malformed with
 *  firstBadIndex() and lastFailure() saying where and why. */
export function verify(): Errno {
  locks.ticketAcquire(lock);
  const result = walk();
  locks.ticketRelease(lock);
  return result;
}

/** The index (0 = oldest retained) of the first bad record the last verify()
 *  found; NO_BAD_RECORD or DROPPED_RECORD. */
export function firstBadIndex(): i32 { return badIndex; }
export function lastFailure(): Failure { return failure; }
/** Records found broken as they were dropped (sticky: verify() keeps failing). */
export function brokenDropCount(): u32 { return brokenDrops; }

/** Copies the newest record's hash (32 bytes) to `output`; returns its sequence
 *  number (0 and the zero hash before the first append). The pair is what a
 *  holder outside the kernel keeps to detect a rewritten tail. */
export function headHash(output: usize): u64 {
  locks.ticketAcquire(lock);
  memory.copy(output, head, HASH_BYTES);
  const sequence = headSequenceNumber;
  locks.ticketRelease(lock);
  return sequence;
}

/** Copies the anchor's hash to `output`; returns its sequence (0: nothing dropped). */
export function anchor(output: usize): u64 {
  locks.ticketAcquire(lock);
  memory.copy(output, ring.anchorHash(), HASH_BYTES);
  const sequence = ring.anchorSequence();
  locks.ticketRelease(lock);
  return sequence;
}

// Record accessors by index, 0 = oldest retained, count() - 1 = newest. They read
// without the lock: a record read while the full ring drops it may be replaced.
// Out of range: 0 (an address of 0, a payload of 0 bytes).
export function count(): u32 { return ring.count(); }
/** Where the index-th record is stored (RECORD_BYTES, layout in record.ts). */
export function recordAddress(index: u32): usize { return ring.address(index); }
export function sequenceAt(index: u32): u64 { const at = ring.address(index); return at == 0 ? 0 : record.sequence(at); }
export function timestampAt(index: u32): u64 { const at = ring.address(index); return at == 0 ? 0 : record.timestamp(at); }
export function kindAt(index: u32): u32 { const at = ring.address(index); return at == 0 ? 0 : <u32>record.kind(at); }
export function resultAt(index: u32): Errno { const at = ring.address(index); return at == 0 ? Errno.Ok : record.result(at); }
export function subjectAt(index: u32): u64 { const at = ring.address(index); return at == 0 ? 0 : record.subject(at); }
export function objectAt(index: u32): u64 { const at = ring.address(index); return at == 0 ? 0 : record.object(at); }

/** Copies the index-th payload to `output` (up to PAYLOAD_CAPACITY bytes); returns its length. */
export function copyPayload(index: u32, output: usize): u32 {
  const at = ring.address(index);
  if (at == 0) return 0;
  const length = min<u32>(record.payloadLength(at), PAYLOAD_CAPACITY);
  memory.copy(output, record.payload(at), <usize>length);
  return length;
}

/** Copies the index-th record's hash to `output`; false out of range. */
export function copyHash(index: u32, output: usize): bool {
  const at = ring.address(index);
  if (at == 0) return false;
  memory.copy(output, record.hash(at), HASH_BYTES);
  return true;
}
