// listeners.ts — passive opens and the ends of connections. A listener is a
// local port with its owner's event function; a SYN to it makes a connection in
// SYN-RECEIVED (no buffers yet, so a SYN flood costs only control blocks, and at
// most HALF_OPEN_LIMIT of them: past that the oldest half-open one is dropped,
// the way a SYN queue overflows). A connection's end — reset, timeout, or its
// close completing — frees its buffers and tells the owner once (Closed), then
// frees the slot, except in TIME-WAIT, which keeps the slot for 2 MSL; when the
// table is full the oldest TIME-WAIT slot is taken first (as Linux's
// tcp_max_tw_buckets does).
import { Errno } from "../../../abi";
import * as buffers from "./buffers";
import * as connection from "./connection";
import { at, Connection, NONE, State, CLOSED_DELIVERED, EVENT_CLOSED, EVENTS } from "./connection";

export const MAX_LISTENERS: i32 = 32;
export const HALF_OPEN_LIMIT: i32 = 128;

/** An owner's event function: (handle, event, context). */
export type Handler = (handle: i32, event: Event, context: u32) => void;
export const enum Event { Connected = 1, Readable = 2, Writable = 3, PeerClosed = 4, Closed = 5 }

const ports = memory.data(MAX_LISTENERS * 4);           // 0: free
const handlers = memory.data(MAX_LISTENERS * 4);
const contexts = memory.data(MAX_LISTENERS * 4);
let halfOpen: i32 = 0;
let halfOpenDropped: u64 = 0;
let timeWaitRecycled: u64 = 0;
let refusedFull: u64 = 0;
let opened: u64 = 0;
let ended: u64 = 0;

export function halfOpenCount(): i32 { return halfOpen; }
export function halfOpenDroppedCount(): u64 { return halfOpenDropped; }
export function timeWaitRecycledCount(): u64 { return timeWaitRecycled; }
export function tableFullCount(): u64 { return refusedFull; }
export function openedCount(): u64 { return opened; }
export function endedCount(): u64 { return ended; }

export function reset(): void {
  memory.fill(ports, 0, MAX_LISTENERS * 4);
  halfOpen = 0;
}

function listenerOf(port: u32): i32 {
  for (let i = 0; i < MAX_LISTENERS; i++) if (load<u32>(ports + <usize>i * 4) == port) return i;
  return NONE;
}

export function listening(port: u32): bool { return listenerOf(port) != NONE; }

/** Takes connections to `port`, each reported to `handler` with `context`. */
export function listen(port: u32, handler: Handler, context: u32): Errno {
  if (port == 0 || port > 0xffff) return Errno.InvalidArgument;
  if (listenerOf(port) != NONE) return Errno.AlreadyExists;
  const free = listenerOf(0);
  if (free == NONE) return Errno.ResourceExhausted;
  store<u32>(ports + <usize>free * 4, port);
  store<u32>(handlers + <usize>free * 4, <u32>changetype<usize>(handler));
  store<u32>(contexts + <usize>free * 4, context);
  return Errno.Ok;
}

/** Stops taking connections to `port`; open ones carry on. */
export function unlisten(port: u32): Errno {
  const i = listenerOf(port);
  if (i == NONE) return Errno.NotFound;
  store<u32>(ports + <usize>i * 4, 0);
  for (let slot = 0; slot < connection.MAX_CONNECTIONS; slot++) {
    const c = at(slot);
    if (c.state == State.SynReceived && c.listener == i) free(slot);
  }
  return Errno.Ok;
}

/** A slot for a new connection: a free one, else the oldest TIME-WAIT one. */
export function newSlot(): i32 {
  let slot = connection.allocate();
  if (slot != NONE) return slot;
  let oldest: i32 = NONE;
  for (let s = 0; s < connection.MAX_CONNECTIONS; s++) {
    const c = at(s);
    if (c.state == State.TimeWait && (oldest == NONE || c.timeWaitAt < at(oldest).timeWaitAt)) oldest = s;
  }
  if (oldest == NONE) { refusedFull++; return NONE; }
  timeWaitRecycled++;
  free(oldest);
  return connection.allocate();
}

function dropOldestHalfOpen(): void {
  let oldest: i32 = NONE;
  for (let s = 0; s < connection.MAX_CONNECTIONS; s++) {
    const c = at(s);
    if (c.state == State.SynReceived && (oldest == NONE || c.createdAt < at(oldest).createdAt)) oldest = s;
  }
  if (oldest != NONE) { halfOpenDropped++; free(oldest); }
}

/** The initial sequence number source (RFC 6528): set by index.ts. */
export type SequenceSource = (localPort: u32, remoteIp: u32, remotePort: u32, now: u64) => u32;
let sequenceSource: u32 = 0;
export function setSequenceSource(source: SequenceSource): void { sequenceSource = <u32>changetype<usize>(source); }
export function sequenceFor(localPort: u32, remoteIp: u32, remotePort: u32, now: u64): u32 {
  if (sequenceSource == 0) return <u32>(now / 4000);
  return changetype<SequenceSource>(<usize>sequenceSource)(localPort, remoteIp, remotePort, now);
}

/** A SYN for `localPort` from `remoteIp`:`remotePort` (via `mac`): the new
 *  SYN-RECEIVED connection's slot, or NONE (no listener, or no room). */
export function acceptSyn(localPort: u32, remoteIp: u32, remotePort: u32, mac: usize, seq: u32, now: u64): i32 {
  const listener = listenerOf(localPort);
  if (listener == NONE) return NONE;
  if (halfOpen >= HALF_OPEN_LIMIT) dropOldestHalfOpen();
  const slot = newSlot();
  if (slot == NONE) return NONE;
  const c = at(slot);
  c.state = State.SynReceived;
  c.localPort = localPort;
  c.remoteIp = remoteIp;
  c.remotePort = remotePort;
  c.remoteMacLow = load<u32>(mac);
  c.remoteMacHigh = <u32>load<u16>(mac + 4);
  c.listener = listener;
  c.handler = load<u32>(handlers + <usize>listener * 4);
  c.context = load<u32>(contexts + <usize>listener * 4);
  c.irs = seq;
  c.rcvNxt = seq + 1;
  c.iss = sequenceFor(localPort, remoteIp, remotePort, now);
  c.sndUna = c.iss;
  c.sndNxt = c.iss;
  c.sndMax = c.iss;
  c.rto = 1_000_000_000;
  c.createdAt = now;
  halfOpen++;
  return slot;
}

/** A SYN-RECEIVED connection completed its handshake. */
export function established(slot: i32): void {
  if (at(slot).listener != NONE) halfOpen--;
  at(slot).listener = NONE;
  opened++;
}

/** A connection made by connect() counts as opened. */
export function countOpened(): void { opened++; }

/** Frees `slot` without telling anyone (TIME-WAIT ending, a half-open drop). */
export function free(slot: i32): void {
  const c = at(slot);
  if (c.state == State.SynReceived && c.listener != NONE) halfOpen--;
  buffers.give(c.buffer);
  c.buffer = 0;
  connection.release(slot);
}

/** The connection ends with `error` (Ok for an orderly close): its buffers go
 *  and its owner hears Closed, once. Half-open ones end silently. */
export function terminate(slot: i32, error: Errno): void {
  const c = at(slot);
  if (c.state == State.SynReceived && c.listener != NONE) { free(slot); return; }
  ended++;
  c.error = <u32>error;
  const tell = (c.flags & CLOSED_DELIVERED) == 0 && c.handler != 0;
  const handle = connection.handleOf(slot);
  const handler = c.handler;
  const context = c.context;
  c.flags = (c.flags & ~EVENTS) | CLOSED_DELIVERED;
  free(slot);
  if (tell) changetype<Handler>(<usize>handler)(handle, Event.Closed, context);
}

/** Delivers the events input or a timer flagged on `slot`, in the order an owner
 *  expects: Connected, Readable, PeerClosed, Writable, Closed. */
export function deliver(slot: i32): void {
  const c = at(slot);
  if (c.state == State.Free || c.handler == 0) { c.flags &= ~EVENTS; return; }
  const handle = connection.handleOf(slot);
  const handler = changetype<Handler>(<usize>c.handler);
  const context = c.context;
  if ((c.flags & connection.EVENT_CONNECTED) != 0) { c.flags &= ~connection.EVENT_CONNECTED; handler(handle, Event.Connected, context); }
  if (connection.slotOf(handle) != slot) return;
  if ((c.flags & connection.EVENT_READABLE) != 0) { c.flags &= ~connection.EVENT_READABLE; handler(handle, Event.Readable, context); }
  if (connection.slotOf(handle) != slot) return;
  if ((c.flags & connection.EVENT_PEER_CLOSED) != 0) { c.flags &= ~connection.EVENT_PEER_CLOSED; handler(handle, Event.PeerClosed, context); }
  if (connection.slotOf(handle) != slot) return;
  if ((c.flags & connection.EVENT_WRITABLE) != 0) { c.flags &= ~connection.EVENT_WRITABLE; handler(handle, Event.Writable, context); }
  if (connection.slotOf(handle) != slot) return;
  if ((c.flags & EVENT_CLOSED) != 0) {
    c.flags = (c.flags & ~EVENT_CLOSED) | CLOSED_DELIVERED;
    handler(handle, Event.Closed, context);
  }
}
