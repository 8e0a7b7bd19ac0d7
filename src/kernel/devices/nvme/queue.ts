// queue.ts — one NVMe submission/completion queue pair (NVMe base spec 2.0 §3.3):
// circular arrays in physically contiguous memory, a tail doorbell the driver
// writes after posting and a head doorbell it writes after consuming. A
// completion is new when its phase tag matches the pass the driver is on; the
// tag flips each time the head wraps. Each command's status lands in a table by
// command identifier, so reap() can run from a poll loop or an interrupt.
//   submission entry, 64 bytes: +0 opcode | fuse | psdt | cid << 16, +4 nsid,
//     +16 metadata pointer, +24 PRP1, +32 PRP2, +40..+60 command dwords 10..15
//   completion entry, 16 bytes: +0 dword 0, +8 sq head | sq id << 16,
//     +12 cid | phase << 16 | status << 17
import { cpu } from "../../../hal";
import * as clock from "../../clock";
import { DIRECT_MAP_BASE } from "../../memory/layout";
import * as physical from "../../physical";

export const SUBMISSION_BYTES: u64 = 64;
export const COMPLETION_BYTES: u64 = 16;
/** Command identifiers run 0 .. MAX_COMMANDS - 1 on every queue. */
export const MAX_COMMANDS: u16 = 64;
const SQE_COMMAND: u64 = 0;
const SQE_NAMESPACE: u64 = 4;
const SQE_PRP1: u64 = 24;
const SQE_PRP2: u64 = 32;
const SQE_DWORD10: u64 = 40;
const SQE_DWORD11: u64 = 44;
const SQE_DWORD12: u64 = 48;
const CID_SHIFT: u32 = 16;
const CQE_HEAD: u64 = 8;                      // SQHD in bits 15:0
const CQE_STATUS: u64 = 12;
const CQE_CID_MASK: u32 = 0xffff;
const CQE_PHASE: u32 = 1 << 16;
const CQE_STATUS_SHIFT: u32 = 17;
/** No completion yet; a real status field is 15 bits, so never this. */
const PENDING: u16 = 0xffff;

@unmanaged export class Queue {
  id: u16;
  entries: u16;
  submissions: u64;         // physical
  completions: u64;         // physical
  submissionDoorbell: u64;  // virtual
  completionDoorbell: u64;  // virtual
  tail: u16;                // the next submission slot the driver fills
  head: u16;                // the next completion slot the driver reads
  phase: u32;               // CQE_PHASE or 0: what a new completion carries
  deviceHead: u16;          // how far the controller has read, from SQHD
  results: usize;           // MAX_COMMANDS status fields (u16), PENDING while out
}

/** Points `queue` at its memory (zeroed here, so no stale phase tag looks new)
 *  and its doorbells: queue y's tail doorbell is 2y strides past `doorbells`,
 *  its head doorbell 2y + 1. `results` holds MAX_COMMANDS u16. */
export function setup(queue: Queue, id: u16, entries: u16, submissions: u64, completions: u64,
                      doorbells: u64, stride: u64, results: usize): void {
  physical.zero(submissions, <u64>entries * SUBMISSION_BYTES);
  physical.zero(completions, <u64>entries * COMPLETION_BYTES);
  queue.id = id;
  queue.entries = entries;
  queue.submissions = submissions;
  queue.completions = completions;
  queue.submissionDoorbell = doorbells + (2 * <u64>id) * stride;
  queue.completionDoorbell = doorbells + (2 * <u64>id + 1) * stride;
  queue.tail = 0;
  queue.head = 0;
  queue.phase = CQE_PHASE;
  queue.deviceHead = 0;
  queue.results = results;
  memory.fill(results, 0, <usize>MAX_COMMANDS * 2);
}

/** One command as the driver fills it before submit(). (A struct rather than
 *  nine parameters: wasm2c wraps a long signature over two lines, which the
 *  build's C splitter, tools/splitc.ts, does not recognise.) */
@unmanaged export class Command {
  opcode: u8;
  cid: u16;
  namespace: u32;
  prp1: u64;
  prp2: u64;
  dword10: u32;
  dword11: u32;
  dword12: u32;
}

/** Writes `command` at the tail and marks its cid pending; the controller is not
 *  told until ring(). False when the queue is full or the cid is out of range. */
export function submit(queue: Queue, command: Command): bool {
  const next = <u16>((<u32>queue.tail + 1) % <u32>queue.entries);
  if (command.cid >= MAX_COMMANDS || next == queue.deviceHead) return false;
  const entry = DIRECT_MAP_BASE + queue.submissions + <u64>queue.tail * SUBMISSION_BYTES;
  cpu.zero(entry, SUBMISSION_BYTES);
  cpu.store32(entry + SQE_COMMAND, <u32>command.opcode | (<u32>command.cid << CID_SHIFT));  // PSDT 0: PRPs
  cpu.store32(entry + SQE_NAMESPACE, command.namespace);
  cpu.store64(entry + SQE_PRP1, command.prp1);
  cpu.store64(entry + SQE_PRP2, command.prp2);
  cpu.store32(entry + SQE_DWORD10, command.dword10);
  cpu.store32(entry + SQE_DWORD11, command.dword11);
  cpu.store32(entry + SQE_DWORD12, command.dword12);
  store<u16>(queue.results + <usize>command.cid * 2, PENDING);
  queue.tail = next;
  return true;
}

/** Tells the controller about every command submitted since the last ring (x86
 *  keeps the entry stores before this one). */
export function ring(queue: Queue): void {
  cpu.store32(queue.submissionDoorbell, queue.tail);
}

/** Consumes every new completion: records its status under its command
 *  identifier, notes how far the controller has read the submission queue, and
 *  releases the entries with one head doorbell write. Returns how many it took.
 *  Safe to call from an interrupt handler or a poll loop, but not both at once. */
export function reap(queue: Queue): i32 {
  let taken = 0;
  while (true) {
    const entry = DIRECT_MAP_BASE + queue.completions + <u64>queue.head * COMPLETION_BYTES;
    const last = cpu.load32(entry + CQE_STATUS);     // phase first: the rest is only valid after it
    if ((last & CQE_PHASE) != queue.phase) break;
    const cid = last & CQE_CID_MASK;
    if (cid < <u32>MAX_COMMANDS) store<u16>(queue.results + <usize>cid * 2, <u16>(last >> CQE_STATUS_SHIFT));
    queue.deviceHead = <u16>(cpu.load32(entry + CQE_HEAD) & 0xffff);
    queue.head++;
    if (queue.head == queue.entries) { queue.head = 0; queue.phase ^= CQE_PHASE; }
    taken++;
  }
  if (taken > 0) cpu.store32(queue.completionDoorbell, queue.head);
  return taken;
}

export function pending(queue: Queue, cid: u16): bool { return load<u16>(queue.results + <usize>cid * 2) == PENDING; }
/** The status field (15 bits: SC, SCT, CRD, More, DNR) of `cid`'s last completion. */
export function status(queue: Queue, cid: u16): u16 { return load<u16>(queue.results + <usize>cid * 2); }

/** Polls until commands 0 .. count - 1 have all completed; false at the timeout. */
export function waitAll(queue: Queue, count: u16, timeoutNs: u64): bool {
  const start = clock.nanoseconds();
  let cid: u16 = 0;
  while (cid < count) {
    if (!pending(queue, cid)) { cid++; continue; }
    if (reap(queue) > 0) continue;
    if (clock.nanoseconds() - start > timeoutNs) return false;
    cpu.pause();
  }
  return true;
}
