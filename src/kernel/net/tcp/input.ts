// input.ts — segment arrival (RFC 9293 §3.10.7): the header checked, the
// connection found by its four-tuple, then the checks in the RFC's order —
// sequence acceptability, RST, SYN, ACK, data, FIN — with the state changes each
// causes. RST and SYN inside the window but not exactly expected get a challenge
// ACK (RFC 5961 §3, §4). Data past rcvNxt but inside the window is kept in the
// receive ring at its place and remembered as a range (connection.ts), so a lost
// segment's retransmission releases everything behind it at once. The ACK side
// runs RFC 6298's round-trip estimate (Karn's rule) and NewReno (RFC 5681, RFC
// 6582): slow start, congestion avoidance, fast retransmit on the third duplicate
// ACK, partial ACKs retransmitting the next hole. Events for the owner are only
// flagged here; the caller delivers them when the segment is done.
import { Errno } from "../../../abi";
import * as iface from "../interface";
import * as ipv4 from "../ipv4";
import { finish, pseudoHeader, sum } from "../bytes";
import * as buffers from "./buffers";
import * as listeners from "./listeners";
import * as output from "./output";
import * as segment from "./segment";
import * as connection from "./connection";
import {
  at, Connection, NONE, State, ACK_NOW, ACK_PENDING, EVENT_CONNECTED, EVENT_PEER_CLOSED, EVENT_READABLE,
  EVENT_WRITABLE, FIN_QUEUED, FIN_RECEIVED, IN_RECOVERY, PROBING, RTT_TIMING, WANT_WRITABLE, WINDOW_SCALING,
  seqGe, seqGt, seqLe, seqLt,
} from "./connection";

export const INITIAL_RTO_NS: u64 = 1_000_000_000;           // RFC 6298 §2.1
export const MIN_RTO_NS: u64 = 200_000_000;                 // below RFC 6298's 1 s, as Linux does: LAN round trips are µs
export const MAX_RTO_NS: u64 = 60_000_000_000;
const CLOCK_GRANULARITY_NS: u64 = 10_000_000;               // the timer scan's period
export const TIME_WAIT_NS: u64 = 30_000_000_000;            // 2 MSL with a 15 s MSL (Linux holds 60 s)
const INITIAL_WINDOW_SEGMENTS: u32 = 10;                    // RFC 6928
const DUPLICATE_THRESHOLD: u32 = 3;

let malformed: u64 = 0;
let badChecksums: u64 = 0;
let segmentsIn: u64 = 0;
let unmatched: u64 = 0;
let challengeAcks: u64 = 0;
let outOfOrderSegments: u64 = 0;
let lastSlot: i32 = 0;

export function malformedCount(): u64 { return malformed; }
export function checksumErrors(): u64 { return badChecksums; }
export function segmentsReceived(): u64 { return segmentsIn; }
export function unmatchedCount(): u64 { return unmatched; }
export function challengeAckCount(): u64 { return challengeAcks; }
export function outOfOrderCount(): u64 { return outOfOrderSegments; }

/** The slot of the connection with this four-tuple, or NONE. */
export function find(localPort: u32, remoteIp: u32, remotePort: u32): i32 {
  const cached = at(lastSlot);
  if (cached.state != State.Free && cached.localPort == localPort && cached.remotePort == remotePort && cached.remoteIp == remoteIp) return lastSlot;
  for (let slot = 0; slot < connection.MAX_CONNECTIONS; slot++) {
    const c = at(slot);
    if (c.state != State.Free && c.localPort == localPort && c.remotePort == remotePort && c.remoteIp == remoteIp) {
      lastSlot = slot;
      return slot;
    }
  }
  return NONE;
}

/** Gives `c` its rings; false (nothing changed) when none can be had. */
export function attachBuffers(c: Connection): bool {
  if (c.buffer != 0) return true;
  const block = buffers.take();
  if (block == 0) return false;
  c.buffer = block;
  c.recvRead = 0;
  c.recvLength = 0;
  c.sendStart = 0;
  c.sendLength = 0;
  return true;
}

/** The congestion and timing state a new connection starts with. */
export function startSending(c: Connection, now: u64): void {
  c.cwnd = INITIAL_WINDOW_SEGMENTS * c.mss;
  c.ssthresh = 0xffff_ffff;
  c.recover = c.iss;                                          // RFC 6582 §3.2: recover starts at the ISS
  c.rto = INITIAL_RTO_NS;
  c.srtt = 0;
  c.rttvar = 0;
  c.lastHeard = now;
}

function peerOptions(c: Connection, s: usize): void {
  const mss = segment.optionMss();
  c.mss = mss == 0 ? segment.DEFAULT_MSS : (mss > output.OUR_MSS ? output.OUR_MSS : mss);
  if (c.mss < 64) c.mss = 64;                                  // a tiny MSS would cost a segment per byte
  const scale = segment.optionScale();
  if (scale >= 0) {
    c.flags |= WINDOW_SCALING;
    c.sndScale = <u32>scale;
    c.rcvScale = output.OUR_WINDOW_SCALE;
  } else {
    c.sndScale = 0;
    c.rcvScale = 0;
  }
}

/** RFC 6298 §2: a round-trip sample updates SRTT, RTTVAR and RTO. */
function sampleRtt(c: Connection, r: u64): void {
  if (c.srtt == 0) {
    c.srtt = r;
    c.rttvar = r / 2;
  } else {
    const delta = c.srtt > r ? c.srtt - r : r - c.srtt;
    c.rttvar = (3 * c.rttvar + delta) / 4;
    c.srtt = (7 * c.srtt + r) / 8;
  }
  let rto = c.srtt + (4 * c.rttvar > CLOCK_GRANULARITY_NS ? 4 * c.rttvar : CLOCK_GRANULARITY_NS);
  if (rto < MIN_RTO_NS) rto = MIN_RTO_NS;
  if (rto > MAX_RTO_NS) rto = MAX_RTO_NS;
  c.rto = rto;
}

function updateWindow(c: Connection, seq: u32, ack: u32, window: u32): void {
  if (seqLt(c.sndWl1, seq) || (c.sndWl1 == seq && seqLe(c.sndWl2, ack))) {
    c.sndWnd = window << c.sndScale;
    c.sndWl1 = seq;
    c.sndWl2 = ack;
    if (c.sndWnd > 0 && (c.flags & PROBING) != 0) { c.flags &= ~PROBING; c.retransmitAt = 0; c.backoffs = 0; }
  }
}

/** The ACK field of an acceptable segment in a synchronized state. False when
 *  the segment must be dropped (an ACK of data never sent). */
function processAck(c: Connection, ack: u32, seq: u32, window: u32, dataLength: u32, flagBits: u8, now: u64): bool {
  if (seqGt(ack, c.sndMax)) { c.flags |= ACK_NOW; return false; }
  if (seqLt(ack, c.sndUna)) return true;                      // an old duplicate: nothing to learn
  const acked = ack - c.sndUna;
  const windowBefore = c.sndWnd;
  updateWindow(c, seq, ack, window);
  if (acked == 0) {
    // RFC 5681 §2: a duplicate ACK carries no data, no SYN/FIN, the same window, while data is out
    if (dataLength == 0 && (flagBits & (segment.SYN | segment.FIN)) == 0 && c.sndWnd == windowBefore && c.sndMax != c.sndUna) {
      c.dupAcks++;
      const flight = c.sndMax - c.sndUna;
      if (c.dupAcks == DUPLICATE_THRESHOLD && (c.flags & IN_RECOVERY) == 0 && seqGt(ack - 1, c.recover)) {
        const half = flight / 2;
        c.ssthresh = half > 2 * c.mss ? half : 2 * c.mss;
        c.recover = c.sndMax;
        c.flags |= IN_RECOVERY;
        output.resendFirst(c);
        c.cwnd = c.ssthresh + DUPLICATE_THRESHOLD * c.mss;
      } else if (c.dupAcks > DUPLICATE_THRESHOLD && (c.flags & IN_RECOVERY) != 0) {
        c.cwnd += c.mss;                                      // each duplicate: a segment has left the network
      }
    }
    return true;
  }
  // new data acknowledged
  const finSeq = output.finSequence(c);
  let dataAcked = acked;
  if ((c.flags & FIN_QUEUED) != 0 && seqGt(ack, finSeq)) dataAcked = acked - 1;   // the FIN's sequence number
  if (dataAcked > c.sendLength) dataAcked = c.sendLength;
  c.sendStart += dataAcked;
  c.sendLength -= dataAcked;
  c.sndUna = ack;
  if (seqLt(c.sndNxt, c.sndUna)) c.sndNxt = c.sndUna;
  if ((c.flags & RTT_TIMING) != 0 && seqGt(ack, c.rttSeq)) {
    c.flags &= ~RTT_TIMING;
    sampleRtt(c, now - c.rttStart);
  }
  if ((c.flags & IN_RECOVERY) != 0) {
    if (seqGe(ack, c.recover)) {
      c.flags &= ~IN_RECOVERY;                                // full ACK: recovery is over (RFC 6582 §3.2 step 3)
      const flight = c.sndMax - c.sndUna;
      c.cwnd = c.ssthresh < flight + c.mss ? c.ssthresh : flight + c.mss;
    } else {
      output.resendFirst(c);                                  // partial ACK: the next hole goes now
      c.cwnd = c.cwnd > acked ? c.cwnd - acked + c.mss : c.mss;
    }
  } else if (c.cwnd < c.ssthresh) {
    c.cwnd += acked < c.mss ? acked : c.mss;                  // slow start
  } else {
    const step = c.mss * c.mss / c.cwnd;                      // congestion avoidance: ~1 MSS per round trip
    c.cwnd += step > 0 ? step : 1;
  }
  c.dupAcks = 0;
  c.backoffs = 0;
  c.retransmitAt = c.sndUna == c.sndMax ? 0 : now + c.rto;
  if (dataAcked > 0 && (c.flags & WANT_WRITABLE) != 0) { c.flags &= ~WANT_WRITABLE; c.flags |= EVENT_WRITABLE; }
  return true;
}

/** Our FIN is acknowledged. */
function finAcked(c: Connection): bool {
  return (c.flags & FIN_QUEUED) != 0 && seqGt(c.sndUna, output.finSequence(c));
}

/** Takes `length` data bytes at `data` with sequence `seq` into the receive ring. */
function processData(slot: i32, c: Connection, seq: u32, data: usize, length: u32): void {
  let start = seq;
  let n = length;
  let from = data;
  if (seqLt(start, c.rcvNxt)) {
    const cut = c.rcvNxt - start;
    if (cut >= n) { c.flags |= ACK_NOW; return; }             // all seen before: a duplicate
    from += <usize>cut;
    n -= cut;
    start = c.rcvNxt;
  }
  const room = buffers.RECEIVE_BYTES - c.recvLength;
  const offset = start - c.rcvNxt;
  if (offset >= room) { c.flags |= ACK_NOW; return; }
  if (n > room - offset) n = room - offset;
  buffers.receivePut(c.buffer, c.recvRead + c.recvLength + offset, from, n);
  if (offset == 0) {
    c.rcvNxt += n;
    c.recvLength += n;
    const edge = connection.takeContiguous(slot, c.rcvNxt);
    if (edge != c.rcvNxt) {
      c.recvLength += edge - c.rcvNxt;
      c.rcvNxt = edge;
      c.flags |= ACK_NOW;                                     // a hole filled: tell the sender now
    }
    c.flags |= ACK_PENDING | EVENT_READABLE;
  } else {
    outOfOrderSegments++;
    connection.addRange(slot, start, start + n);
    c.flags |= ACK_NOW;                                       // a duplicate ACK drives the peer's fast retransmit
  }
}

/** Enters TIME-WAIT: the owner is done with it; the slot stays for 2 MSL. */
function enterTimeWait(c: Connection, now: u64): void {
  c.state = State.TimeWait;
  if ((c.flags & connection.CLOSED_DELIVERED) == 0) c.flags |= connection.EVENT_CLOSED;   // the owner is done with it
  c.timeWaitAt = now + TIME_WAIT_NS;
  c.retransmitAt = 0;
  c.keepaliveAt = 0;
  buffers.give(c.buffer);                                    // nothing more is sent or read: only the slot waits
  c.buffer = 0;
  c.recvLength = 0;
  c.sendLength = 0;
}

function synSent(slot: i32, c: Connection, s: usize, flagBits: u8, seq: u32, ack: u32, now: u64): void {
  const hasAck = (flagBits & segment.ACK) != 0;
  if (hasAck && (seqLe(ack, c.iss) || seqGt(ack, c.sndNxt))) {
    if ((flagBits & segment.RST) == 0) output.sendReset(macOf(c), c.remoteIp, <u16>c.localPort, <u16>c.remotePort, ack, 0, false);
    return;
  }
  if ((flagBits & segment.RST) != 0) {
    if (hasAck) listeners.terminate(slot, Errno.ConnectionRefused);
    return;
  }
  if ((flagBits & segment.SYN) == 0) return;
  c.irs = seq;
  c.rcvNxt = seq + 1;
  peerOptions(c, s);
  c.sndWl1 = seq;
  c.sndWl2 = ack;
  c.sndWnd = segment.window(s);                               // a SYN's window is never scaled
  if (hasAck) {
    c.sndUna = ack;
    c.state = State.Established;
    startSending(c, now);
    c.retransmitAt = 0;
    c.backoffs = 0;
    c.flags |= ACK_NOW | EVENT_CONNECTED;
  } else {
    c.state = State.SynReceived;                              // simultaneous open (§3.5)
    c.flags |= ACK_NOW;
  }
}

const peerMac = memory.data(8);
function macOf(c: Connection): usize {
  store<u32>(peerMac, c.remoteMacLow);
  store<u16>(peerMac + 4, <u16>c.remoteMacHigh);
  return peerMac;
}

/** Handles the TCP segment of `length` bytes at `s`, in an IPv4 packet from
 *  `from` to `to`, in a frame sent by `sourceMac`. `checksumChecked`: the NIC
 *  verified it. Returns the slot whose events are due, or NONE. */
export function receive(s: usize, length: u32, from: u32, to: u32, sourceMac: usize, checksumChecked: bool, now: u64): i32 {
  segmentsIn++;
  if (length < segment.HEADER) { malformed++; return NONE; }
  const headerBytes = segment.headerLength(s);
  if (headerBytes < segment.HEADER || headerBytes > length) { malformed++; return NONE; }
  if (!checksumChecked && finish(sum(s, length, pseudoHeader(from, to, ipv4.PROTOCOL_TCP, length))) != 0) { badChecksums++; return NONE; }
  if (to != iface.ip() || from == 0 || from == ipv4.BROADCAST) { malformed++; return NONE; }   // TCP is unicast only
  const localPort = <u32>segment.destinationPort(s);
  const remotePort = <u32>segment.sourcePort(s);
  if (localPort == 0 || remotePort == 0 || !segment.parseOptions(s)) { malformed++; return NONE; }
  const flagBits = segment.flags(s);
  const seq = segment.sequence(s);
  const ack = segment.acknowledgment(s);
  const data = s + <usize>headerBytes;
  const dataLength = length - headerBytes;
  const slot = find(localPort, from, remotePort);
  if (slot == NONE) {
    unmatched++;
    if ((flagBits & segment.RST) != 0) return NONE;
    if ((flagBits & (segment.SYN | segment.ACK | segment.FIN)) == segment.SYN) {
      const created = listeners.acceptSyn(localPort, from, remotePort, sourceMac, seq, now);
      if (created != NONE) {
        const c = at(created);
        peerOptions(c, s);
        c.sndWnd = segment.window(s);
        output.sendSyn(c);
        c.retransmitAt = now + c.rto;                          // SYN-ACK again with back-off; the half-open one ends after SYN_RETRIES
        return NONE;
      }
      if (listeners.listening(localPort)) return NONE;        // backlog full: dropped, the peer retries
    }
    if ((flagBits & segment.ACK) != 0) output.sendReset(sourceMac, from, <u16>localPort, <u16>remotePort, ack, 0, false);
    else output.sendReset(sourceMac, from, <u16>localPort, <u16>remotePort, 0, seq + segment.spaceOf(flagBits, dataLength), true);
    return NONE;
  }
  const c = at(slot);
  c.lastHeard = now;
  c.keepaliveProbes = 0;
  if (c.state == State.SynSent) { synSent(slot, c, s, flagBits, seq, ack, now); return slot; }

  // §3.10.7.4 first: is the segment in the window?
  const window = seqGt(c.rcvAdvertised, c.rcvNxt) ? c.rcvAdvertised - c.rcvNxt : 0;
  const space = segment.spaceOf(flagBits & ~segment.SYN, dataLength);
  const last = seq + space - 1;
  const right = c.rcvNxt + window;
  let acceptable: bool;
  if (space == 0) acceptable = window == 0 ? seq == c.rcvNxt : seqGe(seq, c.rcvNxt) && seqLt(seq, right);
  else acceptable = window > 0 && ((seqGe(seq, c.rcvNxt) && seqLt(seq, right)) || (seqGe(last, c.rcvNxt) && seqLt(last, right))
    || (seqLt(seq, c.rcvNxt) && seqGe(last, right)));
  if (c.state == State.SynReceived && (flagBits & segment.SYN) != 0 && seq == c.irs) {
    c.flags |= ACK_NOW;                                       // our SYN-ACK was lost: send it again
    return slot;
  }
  if (!acceptable) {
    if ((flagBits & segment.RST) == 0) c.flags |= ACK_NOW;
    return slot;
  }
  // second: RST (RFC 5961 §3: only the exact next sequence number resets)
  if ((flagBits & segment.RST) != 0) {
    if (seq != c.rcvNxt) { challengeAcks++; c.flags |= ACK_NOW; return slot; }
    if (c.state == State.SynReceived) { listeners.terminate(slot, Errno.ConnectionReset); return NONE; }
    if (c.state == State.TimeWait) { listeners.free(slot); return NONE; }
    listeners.terminate(slot, Errno.ConnectionReset);
    return NONE;
  }
  // fourth: a SYN in a synchronized state gets a challenge ACK (RFC 5961 §4)
  if ((flagBits & segment.SYN) != 0) { challengeAcks++; c.flags |= ACK_NOW; return slot; }
  // fifth: the ACK
  if ((flagBits & segment.ACK) == 0) return slot;
  if (c.state == State.SynReceived) {
    if (!(seqLt(c.sndUna, ack) && seqLe(ack, c.sndNxt))) {
      output.sendReset(sourceMac, from, <u16>localPort, <u16>remotePort, ack, 0, false);
      return slot;
    }
    if (!attachBuffers(c)) {                                  // no memory for it: refuse, loudly to the peer
      output.sendResetFor(c);
      listeners.terminate(slot, Errno.ResourceExhausted);
      return NONE;
    }
    c.state = State.Established;
    startSending(c, now);
    c.sndWnd = segment.window(s) << c.sndScale;
    c.sndWl1 = seq;
    c.sndWl2 = ack;
    c.flags |= EVENT_CONNECTED;
    listeners.established(slot);
  }
  if (!processAck(c, ack, seq, segment.window(s), dataLength, flagBits, now)) return slot;
  if (c.state == State.FinWait1 && finAcked(c)) c.state = State.FinWait2;
  else if (c.state == State.Closing && finAcked(c)) enterTimeWait(c, now);
  else if (c.state == State.LastAck && finAcked(c)) { listeners.terminate(slot, Errno.Ok); return NONE; }
  // seventh: the data
  if (dataLength > 0) {
    if (c.state == State.Established || c.state == State.FinWait1 || c.state == State.FinWait2) {
      processData(slot, c, seq, data, dataLength);
    } else {
      c.flags |= ACK_NOW;                                     // data after the peer's FIN: acknowledge, drop
    }
  }
  // eighth: the FIN, when everything before it has arrived
  if ((flagBits & segment.FIN) != 0 && (c.flags & FIN_RECEIVED) == 0) {
    if (seq + dataLength == c.rcvNxt) {
      c.rcvNxt++;
      c.flags |= FIN_RECEIVED | ACK_NOW | EVENT_PEER_CLOSED;
      if (c.state == State.Established) c.state = State.CloseWait;
      else if (c.state == State.FinWait1) { if (finAcked(c)) enterTimeWait(c, now); else c.state = State.Closing; }
      else if (c.state == State.FinWait2) enterTimeWait(c, now);
    } else {
      c.flags |= ACK_NOW;                                     // a FIN beyond a hole: it comes again
    }
  } else if ((flagBits & segment.FIN) != 0 && c.state == State.TimeWait) {
    c.timeWaitAt = now + TIME_WAIT_NS;                        // §3.10.7.4: a retransmitted FIN restarts 2 MSL
    c.flags |= ACK_NOW;
  }
  return slot;
}
