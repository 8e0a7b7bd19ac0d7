// ring.ts — where audit records live: CAPACITY slots of static memory used as a
// ring, oldest first, and the anchor that stands in for everything dropped. When
// the ring is full the oldest record makes room, and the anchor takes its sequence
// number and stored hash, so the oldest retained record still links to something
// the verifier holds. Before any drop the anchor is the genesis: sequence 0 and
// an all-zero hash (sequence numbers start at 1). Guarded by the log's lock.
import { HASH_BYTES, RECORD_BYTES } from "./record";
import * as record from "./record";

export const CAPACITY: u32 = 1024;

const slots = memory.data(<i32>(<usize>CAPACITY * RECORD_BYTES));
const anchorHashBytes = memory.data(<i32>HASH_BYTES);   // zero: the genesis
let anchorSequenceNumber: u64 = 0;
let oldestSlot: u32 = 0;
let held: u32 = 0;

export function count(): u32 { return held; }
export function full(): bool { return held == CAPACITY; }

/** The address of the index-th retained record (0 = oldest); 0 past the end. */
export function address(index: u32): usize {
  if (index >= held) return 0;
  return slots + <usize>((oldestSlot + index) % CAPACITY) * RECORD_BYTES;
}

/** The slot the next record goes into; the ring must not be full (drop first). */
export function claim(): usize {
  const slot = (oldestSlot + held) % CAPACITY;
  held++;
  return slots + <usize>slot * RECORD_BYTES;
}

/** Forgets the oldest record, moving the anchor onto it. The anchor keeps the hash
 *  the record stored, which is what its successor links to; the log checks the
 *  record before dropping it. */
export function dropOldest(): void {
  if (held == 0) return;
  const oldest = address(0);
  anchorSequenceNumber++;                 // by construction, not from the record's own field
  memory.copy(anchorHashBytes, record.hash(oldest), HASH_BYTES);
  oldestSlot = (oldestSlot + 1) % CAPACITY;
  held--;
}

/** The sequence number of the last dropped record (0 before any drop). */
export function anchorSequence(): u64 { return anchorSequenceNumber; }
/** The last dropped record's hash (32 bytes; zero before any drop). Read-only. */
export function anchorHash(): usize { return anchorHashBytes; }
