// connection.ts — the TCP connection table: one control block (RFC 9293 §3.3.1's
// TCB) per connection in a fixed table, the states, the flag bits, sequence-number
// comparisons (modulo 2^32, RFC 9293 §3.4) and the handles owners hold. A handle
// is the slot index with the slot's generation above it, so a handle kept past
// its connection's end is refused instead of reaching the slot's next user.
// All of it runs under the kernel lock (the network thread and system calls).
export const MAX_CONNECTIONS: i32 = 256;
export const NONE: i32 = -1;
const GENERATION_SHIFT: u32 = 8;             // handle = generation << 8 | slot

export const enum State {
  Free = 0, SynSent = 1, SynReceived = 2, Established = 3, FinWait1 = 4, FinWait2 = 5,
  CloseWait = 6, Closing = 7, LastAck = 8, TimeWait = 9,
}

// flags
export const ACK_PENDING: u32 = 1 << 0;      // data arrived: ACK before the batch ends
export const ACK_NOW: u32 = 1 << 1;          // out of order, a duplicate, a probe: ACK at once
export const FIN_QUEUED: u32 = 1 << 2;       // the owner closed: FIN after the queued data
export const FIN_RECEIVED: u32 = 1 << 3;
export const IN_RECOVERY: u32 = 1 << 4;      // NewReno fast recovery (RFC 6582)
export const KEEPALIVE: u32 = 1 << 5;
export const WANT_WRITABLE: u32 = 1 << 6;    // the owner waits for send space
export const EVENT_CONNECTED: u32 = 1 << 8;  // events to deliver once input is done
export const EVENT_READABLE: u32 = 1 << 9;
export const EVENT_WRITABLE: u32 = 1 << 10;
export const EVENT_PEER_CLOSED: u32 = 1 << 11;
export const EVENT_CLOSED: u32 = 1 << 12;
export const CLOSED_DELIVERED: u32 = 1 << 13; // the owner was told; its handle is dead to it
export const RESET_BY_PEER: u32 = 1 << 14;
export const TIMED_OUT: u32 = 1 << 15;
export const WINDOW_SCALING: u32 = 1 << 16;  // both sides sent the option (RFC 7323 §2.2)
export const RTT_TIMING: u32 = 1 << 17;      // one segment is being timed (Karn: never a retransmitted one)
export const PROBING: u32 = 1 << 18;         // the peer's window is zero: persist timer probes
export const ON_ACK_LIST: u32 = 1 << 19;      // waiting in index.ts's list for the batch's ACKs
export const EVENTS: u32 = EVENT_CONNECTED | EVENT_READABLE | EVENT_WRITABLE | EVENT_PEER_CLOSED | EVENT_CLOSED;

export const OUT_OF_ORDER_RANGES: i32 = 4;

/** A control block. Sequence numbers are u32 and compared modulo 2^32. */
@unmanaged export class Connection {
  state: u32;
  flags: u32;
  generation: u32;
  localPort: u32;
  remotePort: u32;
  remoteIp: u32;
  remoteMacLow: u32;             // the next hop's MAC: bytes 0-3
  remoteMacHigh: u32;            // bytes 4-5
  listener: i32;                 // the listener a passive connection came from
  handler: u32;                  // the owner's event function (a table index)
  context: u32;                  // the owner's value, given back with each event
  // send sequence space (RFC 9293 §3.3.1)
  iss: u32;
  sndUna: u32;
  sndNxt: u32;
  sndMax: u32;                   // the highest sequence number sent (sndNxt drops back on a timeout)
  sndWnd: u32;                   // the peer's window, scaled
  sndWl1: u32;
  sndWl2: u32;
  sndScale: u32;
  mss: u32;                      // what the peer takes per segment
  // receive sequence space
  irs: u32;
  rcvNxt: u32;
  rcvAdvertised: u32;            // the right edge of the last window sent
  rcvScale: u32;
  // congestion control (RFC 5681, NewReno RFC 6582)
  cwnd: u32;
  ssthresh: u32;
  dupAcks: u32;
  recover: u32;
  // round-trip time (RFC 6298), nanoseconds
  srtt: u64;
  rttvar: u64;
  rto: u64;
  rttSeq: u32;
  backoffs: u32;                 // consecutive timeouts
  rttStart: u64;
  // timers: absolute nanoseconds, 0 when off
  retransmitAt: u64;
  timeWaitAt: u64;
  keepaliveAt: u64;
  lastHeard: u64;
  keepaliveProbes: u32;
  // buffers (tcp/buffers.ts): the receive ring then the send ring, one block
  buffer: usize;
  recvRead: u32;                 // ring offset of the first unread byte (free-running)
  recvLength: u32;               // bytes readable: rcvNxt is recvRead + recvLength
  sendStart: u32;                // ring offset of sndUna's byte (free-running)
  sendLength: u32;               // bytes queued from sndUna on (sent or not)
  finSeq: u32;                   // the FIN's sequence number, once FIN_QUEUED
  error: u32;                    // why it ended (an Errno), for the owner
  createdAt: u64;
}

export const CONNECTION_BYTES: usize = (offsetof<Connection>() + 7) & ~<usize>7;
const table = memory.data(<i32>(<usize>MAX_CONNECTIONS * CONNECTION_BYTES), 8);
const outOfOrder = memory.data(MAX_CONNECTIONS * OUT_OF_ORDER_RANGES * 8);   // start u32 | end u32

export function at(slot: i32): Connection { return changetype<Connection>(table + <usize>slot * CONNECTION_BYTES); }
export function handleOf(slot: i32): i32 { return <i32>((at(slot).generation << GENERATION_SHIFT) | <u32>slot); }

/** The slot a handle was issued for, whether or not its connection still lives. */
export function slotIndex(handle: i32): i32 { return handle & ((1 << GENERATION_SHIFT) - 1); }

/** The slot `handle` names while its connection lives, else NONE. */
export function slotOf(handle: i32): i32 {
  if (handle < 0) return NONE;
  const slot = handle & ((1 << GENERATION_SHIFT) - 1);
  const c = at(slot);
  if (c.state == State.Free || (c.generation << GENERATION_SHIFT) != (<u32>handle & ~((1 << GENERATION_SHIFT) - 1))) return NONE;
  return slot;
}

/** A zeroed slot with a new generation, or NONE when the table is full. */
export function allocate(): i32 {
  for (let slot = 0; slot < MAX_CONNECTIONS; slot++) {
    const c = at(slot);
    if (c.state != State.Free) continue;
    const generation = (c.generation + 1) & 0x7fffff;
    memory.fill(changetype<usize>(c), 0, CONNECTION_BYTES);
    c.generation = generation;
    c.listener = NONE;
    clearOutOfOrder(slot);
    return slot;
  }
  return NONE;
}

export function release(slot: i32): void { at(slot).state = State.Free; }

export function reset(): void { memory.fill(table, 0, <usize>MAX_CONNECTIONS * CONNECTION_BYTES); }

// ---- sequence numbers, modulo 2^32
@inline export function seqLt(a: u32, b: u32): bool { return <i32>(a - b) < 0; }
@inline export function seqLe(a: u32, b: u32): bool { return <i32>(a - b) <= 0; }
@inline export function seqGt(a: u32, b: u32): bool { return <i32>(a - b) > 0; }
@inline export function seqGe(a: u32, b: u32): bool { return <i32>(a - b) >= 0; }
@inline export function seqMax(a: u32, b: u32): u32 { return seqGt(a, b) ? a : b; }

// ---- out-of-order ranges [start, end) of data held in the receive ring past rcvNxt
function rangeAt(slot: i32, i: i32): usize { return outOfOrder + (<usize>slot * <usize>OUT_OF_ORDER_RANGES + <usize>i) * 8; }
export function rangeStart(slot: i32, i: i32): u32 { return load<u32>(rangeAt(slot, i)); }
export function rangeEnd(slot: i32, i: i32): u32 { return load<u32>(rangeAt(slot, i) + 4); }
export function rangeUsed(slot: i32, i: i32): bool { return rangeStart(slot, i) != rangeEnd(slot, i); }
export function setRange(slot: i32, i: i32, start: u32, end: u32): void { store<u32>(rangeAt(slot, i), start); store<u32>(rangeAt(slot, i) + 4, end); }
export function clearOutOfOrder(slot: i32): void { memory.fill(rangeAt(slot, 0), 0, OUT_OF_ORDER_RANGES * 8); }

/** Records [start, end) as held, merging it with the ranges it touches. False
 *  when it touches none and every range is in use (the data is then dropped). */
export function addRange(slot: i32, start: u32, end: u32): bool {
  let newStart = start;
  let newEnd = end;
  let free: i32 = NONE;
  for (let i = 0; i < OUT_OF_ORDER_RANGES; i++) {
    if (!rangeUsed(slot, i)) { if (free == NONE) free = i; continue; }
    const s = rangeStart(slot, i);
    const e = rangeEnd(slot, i);
    if (seqLe(s, newEnd) && seqGe(e, newStart)) {       // overlapping or adjacent: absorb it
      if (seqLt(s, newStart)) newStart = s;
      if (seqGt(e, newEnd)) newEnd = e;
      setRange(slot, i, 0, 0);
      if (free == NONE) free = i;
    }
  }
  if (free == NONE) return false;
  setRange(slot, free, newStart, newEnd);
  return true;
}

/** After rcvNxt advanced to `next`: the end of a held range it reached (the new
 *  rcvNxt), dropping ranges it covered. */
export function takeContiguous(slot: i32, next: u32): u32 {
  let edge = next;
  let moved = true;
  while (moved) {
    moved = false;
    for (let i = 0; i < OUT_OF_ORDER_RANGES; i++) {
      if (!rangeUsed(slot, i)) continue;
      if (seqLe(rangeStart(slot, i), edge)) {
        if (seqGt(rangeEnd(slot, i), edge)) edge = rangeEnd(slot, i);
        setRange(slot, i, 0, 0);
        moved = true;
      }
    }
  }
  return edge;
}
