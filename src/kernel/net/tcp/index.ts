// tcp — TCP (RFC 9293) for the kernel's own servers and for agents' sockets:
// listen, connect, send, read, close and abort on handles, events to the owner's
// function (Connected, Readable, Writable, PeerClosed, Closed). The network thread
// feeds segments in (input), sends the ACKs a batch of frames left pending
// (flush) and runs the timers every TICK_NS (tick): retransmission with RFC 6298
// back-off, the persist probe of a zero window, keep-alive, TIME-WAIT's end.
// Everything runs under the kernel lock. Files: connection.ts (the table),
// segment.ts (the header), input.ts (arrival), output.ts (sending), buffers.ts
// (the rings), listeners.ts (passive opens, ends and events).
import { Errno } from "../../../abi";
import { cpu } from "../../../hal";
import * as crypto from "../../crypto";
import * as iface from "../interface";
import * as buffers from "./buffers";
import * as connection from "./connection";
import * as input from "./input";
import * as listeners from "./listeners";
import * as output from "./output";
import * as segment from "./segment";
import {
  at, NONE, State, ACK_NOW, ACK_PENDING, FIN_QUEUED, FIN_RECEIVED, IN_RECOVERY, KEEPALIVE, ON_ACK_LIST,
  PROBING, RTT_TIMING, WANT_WRITABLE, seqGt,
} from "./connection";

export { buffers, connection, input, listeners, output, segment };
export type Handler = listeners.Handler;

export const TICK_NS: u64 = 10_000_000;
const SYN_RETRIES: u32 = 5;                    // 1+2+4+8+16 s: about 31 s, as Linux
const DATA_RETRIES: u32 = 12;
const PROBE_BACKOFF_LIMIT: u32 = 6;
export const KEEPALIVE_IDLE_NS: u64 = 7_200_000_000_000;   // RFC 1122 §4.2.3.6: at least two hours
export const KEEPALIVE_INTERVAL_NS: u64 = 75_000_000_000;
const KEEPALIVE_PROBES: u32 = 9;
const FIN_WAIT_2_NS: u64 = 60_000_000_000;
const FIRST_EPHEMERAL: u32 = 49152;            // RFC 6335's dynamic range
const EPHEMERAL_COUNT: u32 = 16384;

const ackList = memory.data(connection.MAX_CONNECTIONS * 4);
let ackListLength: i32 = 0;
const secret = memory.data(32);
const isnInput = memory.data(48);
const isnDigest = memory.data(32);
let nextEphemeral: u32 = 0;
let timeouts: u64 = 0;

export function timeoutCount(): u64 { return timeouts; }

/** RFC 6528: ISN = a 4 µs clock + a hash of the four-tuple and a boot secret, so
 *  sequence numbers are neither guessable nor reused across quick reconnects. */
function initialSequence(localPort: u32, remoteIp: u32, remotePort: u32, now: u64): u32 {
  memory.copy(isnInput, secret, 32);
  store<u32>(isnInput + 32, iface.ip());
  store<u32>(isnInput + 36, remoteIp);
  store<u32>(isnInput + 40, (localPort << 16) | remotePort);
  crypto.sha256.digest(isnInput, 44, isnDigest);
  return load<u32>(isnDigest) + <u32>(now / 4000);
}

/** Empties the tables; `entropy` (32 bytes) keys the sequence numbers. */
export function init(entropy: usize): void {
  for (let slot = 0; slot < connection.MAX_CONNECTIONS; slot++) {
    if (at(slot).state != State.Free && at(slot).buffer != 0) buffers.give(at(slot).buffer);   // a re-attach starts clean
  }
  connection.reset();
  listeners.reset();
  ackListLength = 0;
  memory.copy(secret, entropy, 32);
  store<u64>(secret, load<u64>(secret) ^ cpu.rdtsc());
  listeners.setSequenceSource(initialSequence);
  nextEphemeral = load<u32>(secret + 8) % EPHEMERAL_COUNT;
}

export function listen(port: u32, handler: Handler, context: u32): Errno { return listeners.listen(port, handler, context); }
export function unlisten(port: u32): Errno { return listeners.unlisten(port); }

function portInUse(port: u32): bool {
  if (listeners.listening(port)) return true;
  for (let slot = 0; slot < connection.MAX_CONNECTIONS; slot++) {
    if (at(slot).state != State.Free && at(slot).localPort == port) return true;
  }
  return false;
}

/** Opens a connection to `remoteIp`:`remotePort` (the route must be known:
 *  ipv4.route() first). Its handle, or -Errno. Connected or Closed follows. */
export function connect(remoteIp: u32, remotePort: u32, mac: usize, handler: Handler, context: u32, now: u64): i32 {
  if (remoteIp == 0 || remotePort == 0 || remotePort > 0xffff) return -(<i32>Errno.InvalidArgument);
  if (iface.ip() == 0) return -(<i32>Errno.NotReady);
  let port: u32 = 0;
  for (let tries: u32 = 0; tries < EPHEMERAL_COUNT; tries++) {
    const candidate = FIRST_EPHEMERAL + (nextEphemeral++ % EPHEMERAL_COUNT);
    if (!portInUse(candidate)) { port = candidate; break; }
  }
  if (port == 0) return -(<i32>Errno.ResourceExhausted);
  const slot = listeners.newSlot();
  if (slot == NONE) return -(<i32>Errno.ResourceExhausted);
  const c = at(slot);
  if (!input.attachBuffers(c)) { connection.release(slot); return -(<i32>Errno.ResourceExhausted); }
  c.state = State.SynSent;
  c.localPort = port;
  c.remoteIp = remoteIp;
  c.remotePort = remotePort;
  c.remoteMacLow = load<u32>(mac);
  c.remoteMacHigh = <u32>load<u16>(mac + 4);
  c.handler = <u32>changetype<usize>(handler);
  c.context = context;
  c.iss = initialSequence(port, remoteIp, remotePort, now);
  c.sndUna = c.iss;
  c.sndNxt = c.iss;
  c.sndMax = c.iss;
  c.mss = segment.DEFAULT_MSS;
  c.rto = input.INITIAL_RTO_NS;
  c.createdAt = now;
  c.rcvScale = output.OUR_WINDOW_SCALE;          // offered in the SYN; dropped if the peer does not answer in kind
  output.sendSyn(c);
  c.retransmitAt = now + c.rto;
  listeners.countOpened();
  return connection.handleOf(slot);
}

function slotFor(handle: i32): i32 { return connection.slotOf(handle); }

/** Bytes the send ring can take now. */
export function sendSpace(handle: i32): i32 {
  const slot = slotFor(handle);
  if (slot == NONE) return -(<i32>Errno.InvalidArgument);
  const c = at(slot);
  if (c.buffer == 0) return 0;
  return <i32>(buffers.SEND_BYTES - c.sendLength);
}

function canSend(state: u32): bool { return state == State.Established || state == State.CloseWait; }

/** Queues up to `length` bytes at `source` and sends what the windows allow: the
 *  bytes taken (maybe fewer, 0 when the ring is full), or -Errno. */
export function send(handle: i32, source: usize, length: u32, now: u64): i32 {
  const slot = slotFor(handle);
  if (slot == NONE) return -(<i32>Errno.InvalidArgument);
  const c = at(slot);
  if (!canSend(c.state) || (c.flags & FIN_QUEUED) != 0) return -(<i32>Errno.NotConnected);
  const room = buffers.SEND_BYTES - c.sendLength;
  const n = length < room ? length : room;
  if (n > 0) {
    buffers.sendPut(c.buffer, c.sendStart + c.sendLength, source, n);
    c.sendLength += n;
    output.output(c, now);
  }
  if (n < length) c.flags |= WANT_WRITABLE;
  return <i32>n;
}

/** For producers writing in place: the contiguous free run of the send ring (its
 *  address), with sendRunLength() bytes; commit() then queues what was written. */
export function sendRun(handle: i32): usize {
  const slot = slotFor(handle);
  if (slot == NONE || at(slot).buffer == 0) return 0;
  const c = at(slot);
  return buffers.sendRun(c.buffer, c.sendStart + c.sendLength);
}
export function sendRunLength(handle: i32): u32 {
  const slot = slotFor(handle);
  if (slot == NONE || at(slot).buffer == 0) return 0;
  const c = at(slot);
  return buffers.sendRunLength(c.sendStart + c.sendLength, buffers.SEND_BYTES - c.sendLength);
}
export function commit(handle: i32, length: u32, now: u64): Errno {
  const slot = slotFor(handle);
  if (slot == NONE) return Errno.InvalidArgument;
  const c = at(slot);
  if (!canSend(c.state) || (c.flags & FIN_QUEUED) != 0) return Errno.NotConnected;
  if (length > buffers.SEND_BYTES - c.sendLength) return Errno.InvalidArgument;
  c.sendLength += length;
  output.output(c, now);
  return Errno.Ok;
}

/** Hands the connection's events to `handler` with `context` from now on (an
 *  accepted connection moving from its listener's owner to its own). */
export function setOwner(handle: i32, handler: Handler, context: u32): Errno {
  const slot = slotFor(handle);
  if (slot == NONE) return Errno.InvalidArgument;
  at(slot).handler = <u32>changetype<usize>(handler);
  at(slot).context = context;
  return Errno.Ok;
}

/** Asks for a Writable event when acknowledged data frees send space. */
export function wantWritable(handle: i32): void {
  const slot = slotFor(handle);
  if (slot != NONE) at(slot).flags |= WANT_WRITABLE;
}

/** Bytes ready to read. */
export function available(handle: i32): i32 {
  const slot = slotFor(handle);
  if (slot == NONE) return -(<i32>Errno.InvalidArgument);
  return <i32>at(slot).recvLength;
}

/** Copies up to `capacity` readable bytes to `destination` without taking them. */
export function peek(handle: i32, destination: usize, capacity: u32): i32 {
  const slot = slotFor(handle);
  if (slot == NONE) return -(<i32>Errno.InvalidArgument);
  const c = at(slot);
  const n = c.recvLength < capacity ? c.recvLength : capacity;
  if (n > 0) buffers.receiveGet(c.buffer, c.recvRead, destination, n);
  return <i32>n;
}

/** The contiguous readable run (its address) and its length, for parsers that
 *  read in place; consume() then takes bytes. */
export function readRun(handle: i32): usize {
  const slot = slotFor(handle);
  if (slot == NONE || at(slot).buffer == 0) return 0;
  return buffers.receiveRun(at(slot).buffer, at(slot).recvRead);
}
export function readRunLength(handle: i32): u32 {
  const slot = slotFor(handle);
  if (slot == NONE || at(slot).buffer == 0) return 0;
  return buffers.receiveRunLength(at(slot).recvRead, at(slot).recvLength);
}

/** Takes `length` read bytes out of the ring; the window it opens is announced
 *  when it grew by half the ring or two segments (RFC 9293 §3.8.6.2.2's receiver
 *  side of silly-window avoidance). */
export function consume(handle: i32, length: u32, now: u64): Errno {
  const slot = slotFor(handle);
  if (slot == NONE) return Errno.InvalidArgument;
  const c = at(slot);
  if (length > c.recvLength) return Errno.InvalidArgument;
  c.recvRead += length;
  c.recvLength -= length;
  if (c.state == State.Established || c.state == State.FinWait1 || c.state == State.FinWait2) {
    const free = ((buffers.RECEIVE_BYTES - c.recvLength) >> c.rcvScale) << c.rcvScale;
    const edge = c.rcvNxt + free;
    const threshold = buffers.RECEIVE_BYTES / 2 < 2 * c.mss ? buffers.RECEIVE_BYTES / 2 : 2 * c.mss;
    if (seqGt(edge, c.rcvAdvertised) && edge - c.rcvAdvertised >= threshold) output.sendAck(c);
  }
  return Errno.Ok;
}

/** Reads up to `capacity` bytes: the count, 0 when none are ready (peerClosed()
 *  says whether more can come), or -Errno. */
export function read(handle: i32, destination: usize, capacity: u32, now: u64): i32 {
  const n = peek(handle, destination, capacity);
  if (n > 0) consume(handle, <u32>n, now);
  return n;
}

/** The peer sent its FIN: nothing more will arrive past what is readable. */
export function peerClosed(handle: i32): bool {
  const slot = slotFor(handle);
  return slot == NONE || (at(slot).flags & FIN_RECEIVED) != 0;
}

export function stateOf(handle: i32): i32 {
  const slot = slotFor(handle);
  return slot == NONE ? 0 : <i32>at(slot).state;
}

/** Sends the FIN after whatever is queued (an orderly close): FIN-WAIT or
 *  LAST-ACK follows; the owner still hears Closed when it is all over. */
export function close(handle: i32, now: u64): Errno {
  const slot = slotFor(handle);
  if (slot == NONE) return Errno.InvalidArgument;
  const c = at(slot);
  if ((c.flags & FIN_QUEUED) != 0) return Errno.Ok;
  if (c.state == State.SynSent) { listeners.terminate(slot, Errno.NotConnected); return Errno.Ok; }
  if (c.state == State.Established) c.state = State.FinWait1;
  else if (c.state == State.CloseWait) c.state = State.LastAck;
  else return Errno.NotConnected;
  c.finSeq = c.sndUna + c.sendLength;             // no data is queued after the FIN
  c.flags |= FIN_QUEUED;
  output.output(c, now);
  return Errno.Ok;
}

/** Resets the connection (RFC 9293 §3.10.5 ABORT) and frees it; Closed follows. */
export function abort(handle: i32): Errno {
  const slot = slotFor(handle);
  if (slot == NONE) return Errno.InvalidArgument;
  const c = at(slot);
  if (c.state != State.SynSent && c.state != State.TimeWait) output.sendResetFor(c);
  listeners.terminate(slot, Errno.ConnectionReset);
  return Errno.Ok;
}

/** Probes an idle peer every so often (RFC 1122 keep-alive), ending the
 *  connection when it stops answering. */
export function setKeepalive(handle: i32, on: bool): Errno {
  const slot = slotFor(handle);
  if (slot == NONE) return Errno.InvalidArgument;
  if (on) at(slot).flags |= KEEPALIVE; else at(slot).flags &= ~KEEPALIVE;
  return Errno.Ok;
}

/** Why the connection ended (for an owner told Closed): Ok for an orderly close. */
export function errorOf(handle: i32): Errno {
  return <Errno>at(connection.slotIndex(handle)).error;
}

/** A segment from the IPv4 layer; sends what it calls for and delivers events. */
export function receive(s: usize, length: u32, from: u32, to: u32, sourceMac: usize, checksumChecked: bool, now: u64): void {
  const slot = input.receive(s, length, from, to, sourceMac, checksumChecked, now);
  if (slot == NONE) return;
  const c = at(slot);
  const handle = connection.handleOf(slot);
  listeners.deliver(slot);
  if (connection.slotOf(handle) != slot) return;
  output.output(c, now);                                  // data the owner queued, and ACK_NOW
  if ((c.flags & ACK_PENDING) != 0 && (c.flags & ON_ACK_LIST) == 0) {
    c.flags |= ON_ACK_LIST;
    store<i32>(ackList + <usize>ackListLength * 4, slot);
    ackListLength++;
  }
}

/** The ACKs a batch of segments left pending: one per connection, not one per segment. */
export function flush(): void {
  for (let i = 0; i < ackListLength; i++) {
    const slot = load<i32>(ackList + <usize>i * 4);
    const c = at(slot);
    c.flags &= ~ON_ACK_LIST;
    if (c.state != State.Free && (c.flags & (ACK_PENDING | ACK_NOW)) != 0) output.sendAck(c);
  }
  ackListLength = 0;
}

function retransmitTimeout(slot: i32, now: u64): void {
  const c = at(slot);
  c.retransmitAt = 0;
  if ((c.flags & PROBING) != 0) {
    if (c.backoffs < PROBE_BACKOFF_LIMIT) c.backoffs++;
    output.output(c, now, true);                          // one byte into the zero window
    if (c.retransmitAt == 0) c.retransmitAt = now + (c.rto << c.backoffs);
    return;
  }
  c.backoffs++;
  const limit = c.state == State.SynSent || c.state == State.SynReceived ? SYN_RETRIES : DATA_RETRIES;
  if (c.backoffs > limit) {
    timeouts++;
    if (c.state != State.SynSent && c.state != State.SynReceived) output.sendResetFor(c);
    listeners.terminate(slot, Errno.Timeout);
    return;
  }
  output.countRetransmission();
  if (c.state == State.SynSent || c.state == State.SynReceived) {
    output.sendSyn(c);
  } else {
    // RFC 5681 §3.1 and RFC 6298 §5.4-5.6: back off, shrink to one segment, go back to sndUna
    const flight = c.sndMax - c.sndUna;
    const half = flight / 2;
    c.ssthresh = half > 2 * c.mss ? half : 2 * c.mss;
    c.cwnd = c.mss;
    c.flags &= ~(IN_RECOVERY | RTT_TIMING);
    c.recover = c.sndMax;
    c.dupAcks = 0;
    c.sndNxt = c.sndUna;
    output.output(c, now);
  }
  let rto = c.rto << c.backoffs;
  if (rto > input.MAX_RTO_NS) rto = input.MAX_RTO_NS;
  c.retransmitAt = now + rto;
}

/** The timers, every TICK_NS. */
export function tick(now: u64): void {
  for (let slot = 0; slot < connection.MAX_CONNECTIONS; slot++) {
    const c = at(slot);
    if (c.state == State.Free) continue;
    if (c.state == State.TimeWait) {
      if (now >= c.timeWaitAt) listeners.free(slot);
      continue;
    }
    if (c.state == State.FinWait2 && now - c.lastHeard > FIN_WAIT_2_NS) {
      timeouts++;                                         // the peer never closed its side (Linux's tcp_fin_timeout)
      listeners.terminate(slot, Errno.Timeout);
      continue;
    }
    if (c.retransmitAt != 0 && now >= c.retransmitAt) {
      retransmitTimeout(slot, now);
      if (at(slot).state == State.Free) continue;
    }
    if ((c.flags & KEEPALIVE) != 0 && c.state == State.Established && c.sndUna == c.sndMax) {
      const due = c.lastHeard + KEEPALIVE_IDLE_NS + <u64>c.keepaliveProbes * KEEPALIVE_INTERVAL_NS;
      if (now >= due) {
        if (c.keepaliveProbes >= KEEPALIVE_PROBES) { timeouts++; output.sendResetFor(c); listeners.terminate(slot, Errno.Timeout); continue; }
        c.keepaliveProbes++;
        output.sendKeepalive(c);
      }
    }
    listeners.deliver(slot);
  }
}

/** Connections on local port `port` not yet at their end (TIME-WAIT and closed
 *  ones aside): what a caller waits on so its last answers reach the peer. */
export function openOn(port: u32): i32 {
  let n = 0;
  for (let slot = 0; slot < connection.MAX_CONNECTIONS; slot++) {
    const c = at(slot);
    if (c.localPort == port && c.state != State.Free && c.state != State.TimeWait) n++;
  }
  return n;
}

/** Connections in each state (for the API), by State value. */
export function countIn(state: State): i32 {
  let n = 0;
  for (let slot = 0; slot < connection.MAX_CONNECTIONS; slot++) if (at(slot).state == state) n++;
  return n;
}

