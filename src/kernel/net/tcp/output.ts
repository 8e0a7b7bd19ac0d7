// output.ts — what a connection sends: segments built in the interface's transmit
// buffer from the send ring, as much as the peer's window and the congestion
// window allow (RFC 9293 §3.8.6, RFC 5681), then the FIN once the queued data is
// all sent; pure ACKs with the current window; SYN and SYN-ACK with the options;
// and resets for segments no connection owns (§3.10.7.1). No Nagle delay: an
// owner's write goes out at once (like TCP_NODELAY), which request/response
// traffic wants.
import { Errno } from "../../../abi";
import * as ipv4 from "../ipv4";
import * as iface from "../interface";
import { finish, pseudoHeader, put16, put32, sum } from "../bytes";
import * as buffers from "./buffers";
import * as segment from "./segment";
import {
  Connection, State, ACK_NOW, ACK_PENDING, FIN_QUEUED, PROBING, RTT_TIMING, WINDOW_SCALING, seqGt, seqLt,
} from "./connection";

export const OUR_MSS: u32 = 1460;                     // 1500-byte MTU less IPv4 and TCP headers
export const OUR_WINDOW_SCALE: u32 = 2;               // 64 KiB ring: window = free bytes >> 2
const MAX_UNSCALED_WINDOW: u32 = 65535;
const SYN_OPTIONS_BYTES: u32 = 8;                     // MSS (4) + NOP + window scale (3)

const mac = memory.data(8);
let segmentsOut: u64 = 0;
let retransmitted: u64 = 0;
let resetsOut: u64 = 0;

export function segmentsSent(): u64 { return segmentsOut; }
export function retransmissions(): u64 { return retransmitted; }
export function resetsSent(): u64 { return resetsOut; }
export function countRetransmission(): void { retransmitted++; }

function loadMac(c: Connection): usize {
  store<u32>(mac, c.remoteMacLow);
  store<u16>(mac + 4, <u16>c.remoteMacHigh);
  return mac;
}

/** The window to advertise: the receive ring's free space (the full ring before
 *  a block is attached, which establishment gives). */
function freeWindow(c: Connection): u32 {
  return c.buffer == 0 ? buffers.RECEIVE_BYTES - 1 : buffers.RECEIVE_BYTES - c.recvLength;
}

/** Builds and sends one segment of `c`: `length` bytes of the send ring from
 *  sequence `seq` (send offset sendStart + seq - sndUna), with `flagBits`. */
function emit(c: Connection, seq: u32, flagBits: u8, length: u32): Errno {
  const isSyn = (flagBits & segment.SYN) != 0;
  const optionBytes: u32 = isSyn ? SYN_OPTIONS_BYTES : 0;
  const headerBytes = segment.HEADER + optionBytes;
  const d = ipv4.transportPayload();
  put16(d, <u16>c.localPort);
  put16(d + 2, <u16>c.remotePort);
  put32(d + 4, seq);
  put32(d + 8, (flagBits & segment.ACK) != 0 ? c.rcvNxt : 0);
  store<u8>(d + 12, <u8>((headerBytes / 4) << 4));
  store<u8>(d + 13, flagBits);
  let free = freeWindow(c);
  let field: u32;
  if (isSyn) {
    field = free > MAX_UNSCALED_WINDOW ? MAX_UNSCALED_WINDOW : free;          // never scaled in a SYN (RFC 7323 §2.2)
    free = field;
  } else {
    field = free >> c.rcvScale;
    if (field > MAX_UNSCALED_WINDOW) field = MAX_UNSCALED_WINDOW;
    free = field << c.rcvScale;
  }
  put16(d + 14, <u16>field);
  put16(d + 16, 0);
  put16(d + 18, 0);
  if (isSyn) {
    store<u8>(d + 20, segment.OPTION_MSS);
    store<u8>(d + 21, 4);
    put16(d + 22, <u16>OUR_MSS);
    store<u8>(d + 24, segment.OPTION_NOP);
    store<u8>(d + 25, segment.OPTION_WINDOW_SCALE);
    store<u8>(d + 26, 3);
    store<u8>(d + 27, <u8>OUR_WINDOW_SCALE);
    // a SYN-ACK carries the option only when the SYN did (§2.2); a NOP pads instead
    if (c.state == State.SynReceived && (c.flags & WINDOW_SCALING) == 0) {
      store<u8>(d + 25, segment.OPTION_NOP);
      store<u8>(d + 26, segment.OPTION_NOP);
      store<u8>(d + 27, segment.OPTION_NOP);
    }
  }
  if (length > 0) buffers.sendGet(c.buffer, c.sendStart + (seq - c.sndUna), d + <usize>headerBytes, length);
  const total = headerBytes + length;
  put16(d + 16, finish(sum(d, total, pseudoHeader(iface.ip(), c.remoteIp, ipv4.PROTOCOL_TCP, total))));
  if ((flagBits & segment.ACK) != 0) {
    const edge = c.rcvNxt + free;
    if (seqGt(edge, c.rcvAdvertised) || c.rcvAdvertised == 0) c.rcvAdvertised = edge;
    c.flags &= ~(ACK_PENDING | ACK_NOW);
  }
  segmentsOut++;
  return ipv4.transmitVia(loadMac(c), c.remoteIp, ipv4.PROTOCOL_TCP, total);
}

/** A pure ACK (or a window update) now. */
export function sendAck(c: Connection): void { emit(c, c.sndNxt, segment.ACK, 0); }

/** The SYN (active open) or SYN-ACK (passive), at iss. */
export function sendSyn(c: Connection): void {
  const flagBits = c.state == State.SynReceived ? segment.SYN | segment.ACK : segment.SYN;
  emit(c, c.iss, flagBits, 0);
  if (seqLt(c.sndNxt, c.iss + 1)) c.sndNxt = c.iss + 1;
  if (seqLt(c.sndMax, c.sndNxt)) c.sndMax = c.sndNxt;
}

/** A keep-alive probe (RFC 9293 §3.8.4): one old sequence number, no data. */
export function sendKeepalive(c: Connection): void { emit(c, c.sndUna - 1, segment.ACK, 0); }

/** The sequence number the FIN takes once the owner closed: after all queued data. */
export function finSequence(c: Connection): u32 { return (c.flags & FIN_QUEUED) != 0 ? c.finSeq : c.sndUna + c.sendLength; }

function armRetransmit(c: Connection, now: u64): void {
  if (c.retransmitAt == 0) c.retransmitAt = now + (c.rto << c.backoffs);
}

/** Sends what the windows allow: new data in MSS-sized segments, then the FIN;
 *  else a pending ACK. `probe` lets one byte out into a zero window (the persist
 *  timer's probe). */
export function output(c: Connection, now: u64, probe: bool = false): void {
  if (c.state == State.SynSent || c.state == State.SynReceived) {
    if ((c.flags & (ACK_PENDING | ACK_NOW)) != 0) sendSyn(c);
    return;
  }
  if (c.state == State.Free || c.state == State.TimeWait) {
    if (c.state == State.TimeWait && (c.flags & (ACK_PENDING | ACK_NOW)) != 0) sendAck(c);
    return;
  }
  let window = c.sndWnd < c.cwnd ? c.sndWnd : c.cwnd;
  if (probe && window == 0) window = 1;
  const finQueued = (c.flags & FIN_QUEUED) != 0;
  while (true) {
    const flight = c.sndNxt - c.sndUna;
    const sentData = seqGt(c.sndNxt, finSequence(c)) ? c.sendLength : flight;   // the FIN is not data
    const unsent = c.sendLength - sentData;
    if (unsent > 0) {
      if (flight >= window) break;
      let length = window - flight;
      if (length > unsent) length = unsent;
      if (length > c.mss) length = c.mss;
      let flagBits = segment.ACK;
      if (length == unsent) flagBits |= segment.PSH;
      const seq = c.sndNxt;
      // the FIN rides on the last data segment when everything fits
      if (length == unsent && finQueued) flagBits |= segment.FIN;
      emit(c, seq, flagBits, length);
      c.sndNxt = seq + segment.spaceOf(flagBits, length);
      if (seqGt(c.sndNxt, c.sndMax)) c.sndMax = c.sndNxt;
      if ((c.flags & RTT_TIMING) == 0) { c.flags |= RTT_TIMING; c.rttSeq = seq; c.rttStart = now; }
      armRetransmit(c, now);
      continue;
    }
    if (finQueued && c.sndNxt == finSequence(c)) {
      emit(c, c.sndNxt, segment.ACK | segment.FIN, 0);
      c.sndNxt++;
      if (seqGt(c.sndNxt, c.sndMax)) c.sndMax = c.sndNxt;
      armRetransmit(c, now);
    }
    break;
  }
  // a zero window with data waiting and nothing in flight: the persist timer probes it
  if (c.sndWnd == 0 && c.sndNxt == c.sndUna && c.sendLength > 0) {
    c.flags |= PROBING;
    armRetransmit(c, now);
  }
  if ((c.flags & (ACK_PENDING | ACK_NOW)) != 0) sendAck(c);
}

/** Resends the first unacknowledged segment (a fast retransmit or a NewReno
 *  partial ACK), leaving sndNxt where it is. */
export function resendFirst(c: Connection): void {
  retransmitted++;
  const flight = c.sndNxt - c.sndUna;
  const fin = finSequence(c);
  let length = c.sendLength < c.mss ? c.sendLength : c.mss;
  if (length > flight) length = flight;
  let flagBits = segment.ACK;
  if (seqGt(c.sndNxt, fin) && c.sndUna + length == fin) flagBits |= segment.FIN;
  if (length == 0 && seqGt(c.sndNxt, fin)) flagBits |= segment.FIN;
  emit(c, c.sndUna, flagBits, length);
  c.flags &= ~RTT_TIMING;                                 // Karn: no sample across a retransmission
}

/** A reset answering a segment no connection takes (RFC 9293 §3.10.7.1): for one
 *  with ACK, RST at its ack number; else RST|ACK acknowledging all it occupied. */
export function sendReset(peerMac: usize, peerIp: u32, localPort: u16, remotePort: u16, seq: u32, ack: u32, withAck: bool): void {
  const d = ipv4.transportPayload();
  put16(d, localPort);
  put16(d + 2, remotePort);
  put32(d + 4, seq);
  put32(d + 8, withAck ? ack : 0);
  store<u8>(d + 12, <u8>((segment.HEADER / 4) << 4));
  store<u8>(d + 13, withAck ? segment.RST | segment.ACK : segment.RST);
  put16(d + 14, 0);
  put16(d + 16, 0);
  put16(d + 18, 0);
  put16(d + 16, finish(sum(d, segment.HEADER, pseudoHeader(iface.ip(), peerIp, ipv4.PROTOCOL_TCP, segment.HEADER))));
  resetsOut++;
  memory.copy(mac, peerMac, 6);
  ipv4.transmitVia(mac, peerIp, ipv4.PROTOCOL_TCP, segment.HEADER);
}

/** A reset for a connection we abort (its peer's state goes too). */
export function sendResetFor(c: Connection): void {
  sendReset(loadMac(c), c.remoteIp, <u16>c.localPort, <u16>c.remotePort, c.sndNxt, c.rcvNxt, true);
}

