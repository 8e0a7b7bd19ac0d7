// record.ts — one audit record in linear memory: its layout, which is also its
// canonical encoding (fixed widths, little-endian, unused payload bytes zero), the
// seal (its hash) and the check of one record against what the chain expects.
// Pure functions of an address; the ring (ring.ts) owns where records live.
//
//    0 ┌──────────────────────────────┐
//      │ previous hash (32)           │  the record before's hash; the anchor's for the oldest
//   32 ├──────────────────────────────┤ ─┐
//      │ sequence            u64      │  │
//   40 │ timestamp (ns)      u64      │  │ the fields
//   48 │ kind u16 │ format u8 │ len u8│  │ (kinds.ts; FORMAT_VERSION; payload bytes 0..32)
//   52 │ result (Errno)      i32      │  │
//   56 │ subject agent id    u64      │  │
//   64 │ object id           u64      │  │
//   72 │ payload (32, zero-padded)    │  │
//  104 ├──────────────────────────────┤ ─┘
//      │ hash (32) = SHA-256(bytes 0..104) = SHA-256(previous ‖ fields)
//  136 └──────────────────────────────┘
import { Errno } from "../../abi";
import { sha256 } from "../crypto";

export const RECORD_BYTES: usize = 136;
export const HASH_BYTES: usize = 32;
export const PAYLOAD_CAPACITY: u32 = 32;
/** Bumped whenever the encoding changes, so old exported logs stay readable. */
export const FORMAT_VERSION: u8 = 1;

const PREVIOUS: usize = 0;
const SEQUENCE: usize = 32;
const TIMESTAMP: usize = 40;
const KIND: usize = 48;
const FORMAT: usize = 50;
const PAYLOAD_LENGTH: usize = 51;
const RESULT: usize = 52;
const SUBJECT: usize = 56;
const OBJECT: usize = 64;
const PAYLOAD: usize = 72;
const HASH: usize = 104;
const HASHED_BYTES: usize = HASH;           // everything before the hash

/** Why a record failed its check; the order is the order they are checked in. */
export const enum Failure {
  None = 0,
  Sequence = 1,       // not the sequence number that follows the one before
  Link = 2,           // its previous hash is not the hash of the record before
  Hash = 3,           // its contents do not hash to its stored hash
  Head = 4,           // the newest record's hash differs from the head the log keeps
  Dropped = 5,        // a record failed its check as the full ring dropped it
}

/** Fills the fields and the previous hash; the payload is copied and zero-padded.
 *  The caller has checked `payloadLength` <= PAYLOAD_CAPACITY. */
export function write(at: usize, previous: usize, sequence: u64, timestamp: u64, kind: u16,
                      result: Errno, subject: u64, object: u64, payload: usize, payloadLength: u32): void {
  memory.copy(at + PREVIOUS, previous, HASH_BYTES);
  store<u64>(at + SEQUENCE, sequence);
  store<u64>(at + TIMESTAMP, timestamp);
  store<u16>(at + KIND, kind);
  store<u8>(at + FORMAT, FORMAT_VERSION);
  store<u8>(at + PAYLOAD_LENGTH, <u8>payloadLength);
  store<i32>(at + RESULT, <i32>result);
  store<u64>(at + SUBJECT, subject);
  store<u64>(at + OBJECT, object);
  memory.fill(at + PAYLOAD, 0, <usize>PAYLOAD_CAPACITY);
  if (payloadLength != 0) memory.copy(at + PAYLOAD, payload, <usize>payloadLength);
}

/** Computes the record's hash into `output` with the caller's SHA-256 context. */
export function hashInto(at: usize, context: usize, output: usize): void {
  sha256.init(context);
  sha256.update(context, at, HASHED_BYTES);
  sha256.final(context, output);
}

/** Stores the record's hash, which makes it part of the chain. */
export function seal(at: usize, context: usize): void { hashInto(at, context, at + HASH); }

/** Checks one record against the chain: its sequence, its link to `previous` (a
 *  32-byte hash) and its own hash, recomputed into `scratch` (32 bytes). */
export function check(at: usize, sequence: u64, previous: usize, context: usize, scratch: usize): Failure {
  if (load<u64>(at + SEQUENCE) != sequence) return Failure.Sequence;
  if (!sha256.equal(at + PREVIOUS, previous)) return Failure.Link;
  hashInto(at, context, scratch);
  if (!sha256.equal(at + HASH, scratch)) return Failure.Hash;
  return Failure.None;
}

export function previousHash(at: usize): usize { return at + PREVIOUS; }
export function hash(at: usize): usize { return at + HASH; }
export function sequence(at: usize): u64 { return load<u64>(at + SEQUENCE); }
export function timestamp(at: usize): u64 { return load<u64>(at + TIMESTAMP); }
export function kind(at: usize): u16 { return load<u16>(at + KIND); }
export function format(at: usize): u8 { return load<u8>(at + FORMAT); }
export function result(at: usize): Errno { return <Errno>load<i32>(at + RESULT); }
export function subject(at: usize): u64 { return load<u64>(at + SUBJECT); }
export function object(at: usize): u64 { return load<u64>(at + OBJECT); }
export function payloadLength(at: usize): u32 { return <u32>load<u8>(at + PAYLOAD_LENGTH); }
export function payload(at: usize): usize { return at + PAYLOAD; }
