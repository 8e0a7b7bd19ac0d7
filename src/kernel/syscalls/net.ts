// net.ts — TCP sockets for agents (the net_* calls of the agent ABI). Binding a
// port or opening a connection needs a NetworkPort capability that covers it:
//   object: remote IPv4 u32 (0: any) << 32 | first port u16 << 16 | last port u16
// Receive lets its holder listen on a local port in the range; Send lets it
// connect to a remote port in the range (and to that address, when one is named).
// A socket is an entry in this table, owned by one agent; the id an agent holds
// carries the entry's generation, so a closed socket's id is refused. Calls
// block up to their timeout, asleep, and are woken by the TCP events the
// network thread delivers. Sockets of an agent that is gone are closed by the
// network thread's once-a-second sweep.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as agents from "../agents";
import * as caps from "../caps";
import * as clock from "../clock";
import { grown } from "../memory";
import * as net from "../net";
import { linearToVirtual } from "../physical";
import * as scheduler from "../sched/scheduler";
import { checked, fromCaller, inCallerMemory, toCaller } from "./index";

const MAX_SOCKETS: i32 = 64;
const ACCEPT_QUEUE: i32 = 16;
const NONE: i32 = -1;
const LISTENER_BIT: u32 = 0x8000_0000;
const MAX_TRANSFER: u32 = 65536;
const NS_PER_MS: u64 = 1_000_000;
const MAX_TIMEOUT_MS: u32 = 600_000;
const ROUTE_WAIT_NS: u64 = 10_000_000;

const enum Kind { Free = 0, Listener = 1, Connection = 2 }
// socket flags
const PEER_CLOSED: u32 = 1;
const ENDED: u32 = 2;            // TCP said Closed: the connection is gone
const CONNECTED: u32 = 4;

@unmanaged class Socket {
  kind: u32;
  generation: u32;
  agent: i32;
  instance: u32;
  port: u32;                     // a listener's local port
  connection: i32;               // a connection's TCP handle
  waiter: i32;
  flags: u32;
  error: u32;
  queueHead: u32;
  queueCount: u32;
}
const SOCKET_BYTES: usize = (offsetof<Socket>() + 7) & ~<usize>7;
const table = memory.data(<i32>(<usize>MAX_SOCKETS * SOCKET_BYTES), 8);
const queues = memory.data(MAX_SOCKETS * ACCEPT_QUEUE * 4);
// the bounce buffer between agents' memory and the rings: grown on the first
// socket, not part of the kernel's initial memory (its boot window is 2 MiB)
let bounce: usize = 0;

function at(i: i32): Socket { return changetype<Socket>(table + <usize>i * SOCKET_BYTES); }
function idOf(i: i32): i32 { return <i32>((at(i).generation << 8) | <u32>i); }

/** The NetworkPort object for ports `first`..`last` (and only `remoteIp`, when not 0). */
export function portRange(first: u32, last: u32, remoteIp: u32): u64 {
  return (<u64>remoteIp << 32) | (<u64>(first & 0xffff) << 16) | <u64>(last & 0xffff);
}
function firstPort(object: u64): u32 { return <u32>(object >> 16) & 0xffff; }
function lastPort(object: u64): u32 { return <u32>object & 0xffff; }
function remoteOf(object: u64): u32 { return <u32>(object >> 32); }

/** The entry socket `id` of the calling instance names, or NONE. */
function socketOf(slot: u32, id: i32): i32 {
  if (id < 0) return NONE;
  const i = id & 0xff;
  if (i >= MAX_SOCKETS) return NONE;
  const s = at(i);
  if (s.kind == Kind.Free || (s.generation << 8) != (<u32>id & ~<u32>0xff)) return NONE;
  if (s.agent != agents.registry.agentOfInstance(slot)) return NONE;       // another agent's id
  return i;
}

function allocate(slot: u32, kind: Kind): i32 {
  if (bounce == 0) bounce = grown.take(MAX_TRANSFER);
  if (bounce == 0) return NONE;
  for (let i = 0; i < MAX_SOCKETS; i++) {
    const s = at(i);
    if (s.kind != Kind.Free) continue;
    const generation = (s.generation + 1) & 0xffffff;
    memory.fill(changetype<usize>(s), 0, SOCKET_BYTES);
    s.generation = generation == 0 ? 1 : generation;
    s.kind = kind;
    s.agent = agents.registry.agentOfInstance(slot);
    s.instance = slot;
    s.connection = NONE;
    s.waiter = NONE;
    return i;
  }
  return NONE;
}

function wake(s: Socket): void { if (s.waiter != NONE) scheduler.wakeThread(s.waiter); }

/** TCP's events for sockets: a listener's new connections go to its accept
 *  queue (a full queue refuses them); a connection's state is noted; either way
 *  the waiting thread wakes. */
function event(handle: i32, what: net.tcp.listeners.Event, context: u32): void {
  const i = <i32>(context & 0xff);
  if (i >= MAX_SOCKETS) return;
  const s = at(i);
  if ((context & LISTENER_BIT) != 0) {
    if (s.kind != Kind.Listener) { if (what == net.tcp.listeners.Event.Connected) net.tcp.abort(handle); return; }
    if (what == net.tcp.listeners.Event.Connected) {
      if (s.queueCount >= <u32>ACCEPT_QUEUE) { net.tcp.abort(handle); return; }
      store<i32>(queues + (<usize>i * <usize>ACCEPT_QUEUE + <usize>((s.queueHead + s.queueCount) % <u32>ACCEPT_QUEUE)) * 4, handle);
      s.queueCount++;
    }
    wake(s);
    return;
  }
  if (s.kind != Kind.Connection || s.connection != handle) return;
  if (what == net.tcp.listeners.Event.Connected) s.flags |= CONNECTED;
  else if (what == net.tcp.listeners.Event.PeerClosed) s.flags |= PEER_CLOSED;
  else if (what == net.tcp.listeners.Event.Closed) { s.flags |= ENDED | PEER_CLOSED; s.error = <u32>net.tcp.errorOf(handle); }
  wake(s);
}

/** Sleeps until woken or `deadline`; false once the deadline has passed. */
function waitUntil(s: Socket, deadline: u64): bool {
  const now = clock.nanoseconds();
  if (now >= deadline) return false;
  s.waiter = scheduler.currentThread();
  scheduler.block(deadline - now);
  s.waiter = NONE;
  return true;
}

function deadlineOf(timeoutMs: u32): u64 {
  return clock.nanoseconds() + <u64>(timeoutMs < MAX_TIMEOUT_MS ? timeoutMs : MAX_TIMEOUT_MS) * NS_PER_MS;
}

/** net_listen(capability, port): a listening socket's id, or -Errno. */
export function listen(slot: u32, handle: u32, port: u32): i32 {
  const index = checked(slot, handle, caps.ObjectKind.NetworkPort, caps.Rights.Receive);
  if (index < 0) return index;
  const object = caps.objectAt(index);
  if (port == 0 || port > 0xffff) return -(<i32>Errno.InvalidArgument);
  if (port < firstPort(object) || port > lastPort(object)) return -(<i32>Errno.PermissionDenied);
  if (!net.service.ready()) return -(<i32>Errno.NotReady);
  const i = allocate(slot, Kind.Listener);
  if (i == NONE) return -(<i32>Errno.ResourceExhausted);
  const result = net.tcp.listen(port, event, LISTENER_BIT | <u32>i);
  if (result != Errno.Ok) { at(i).kind = Kind.Free; return -(<i32>result); }
  at(i).port = port;
  return idOf(i);
}

/** net_accept(listener, timeout ms): the next connection's socket id, or -Errno (Timeout). */
export function accept(slot: u32, id: i32, timeoutMs: u32): i32 {
  const i = socketOf(slot, id);
  if (i == NONE || at(i).kind != Kind.Listener) return -(<i32>Errno.InvalidArgument);
  const s = at(i);
  const deadline = deadlineOf(timeoutMs);
  while (true) {
    while (s.queueCount > 0) {
      const handle = load<i32>(queues + (<usize>i * <usize>ACCEPT_QUEUE + <usize>s.queueHead) * 4);
      s.queueHead = (s.queueHead + 1) % <u32>ACCEPT_QUEUE;
      s.queueCount--;
      if (net.tcp.stateOf(handle) == 0) continue;                // it ended while queued
      const c = allocate(slot, Kind.Connection);
      if (c == NONE) { net.tcp.abort(handle); return -(<i32>Errno.ResourceExhausted); }
      at(c).connection = handle;
      at(c).flags = CONNECTED | (net.tcp.peerClosed(handle) ? PEER_CLOSED : 0);
      net.tcp.setOwner(handle, event, <u32>c);
      return idOf(c);
    }
    if (!waitUntil(s, deadline)) return -(<i32>Errno.Timeout);
    if (at(i).kind != Kind.Listener) return -(<i32>Errno.InvalidArgument);     // closed while waiting
  }
}

/** net_connect(capability, IPv4, port, timeout ms): a connected socket's id, or -Errno. */
export function connect(slot: u32, handle: u32, ip: u32, port: u32, timeoutMs: u32): i32 {
  const index = checked(slot, handle, caps.ObjectKind.NetworkPort, caps.Rights.Send);
  if (index < 0) return index;
  const object = caps.objectAt(index);
  if (port == 0 || port > 0xffff || ip == 0) return -(<i32>Errno.InvalidArgument);
  if (port < firstPort(object) || port > lastPort(object) || (remoteOf(object) != 0 && remoteOf(object) != ip)) return -(<i32>Errno.PermissionDenied);
  if (!net.service.ready()) return -(<i32>Errno.NotReady);
  const i = allocate(slot, Kind.Connection);
  if (i == NONE) return -(<i32>Errno.ResourceExhausted);
  const deadline = deadlineOf(timeoutMs);
  const routed = net.ipv4.route(ip, net.stack.pump);              // ARP through the network thread
  if (routed != Errno.Ok) { at(i).kind = Kind.Free; return -(<i32>routed); }
  const connection = net.tcp.connect(ip, port, net.ipv4.routedMac(), event, <u32>i, clock.nanoseconds());
  if (connection < 0) { at(i).kind = Kind.Free; return connection; }
  const s = at(i);
  s.connection = connection;
  while ((s.flags & (CONNECTED | ENDED)) == 0) {
    if (!waitUntil(s, deadline)) { net.tcp.abort(connection); s.kind = Kind.Free; return -(<i32>Errno.Timeout); }
  }
  if ((s.flags & ENDED) != 0) { const error = s.error; s.kind = Kind.Free; return -(<i32>(error == 0 ? Errno.ConnectionRefused : error)); }
  return idOf(i);
}

/** net_send(socket, pointer, length, timeout ms): bytes queued (at least one,
 *  waiting for room up to the timeout), or -Errno. */
export function send(slot: u32, id: i32, pointer: u32, length: u32, timeoutMs: u32): i32 {
  const i = socketOf(slot, id);
  if (i == NONE || at(i).kind != Kind.Connection) return -(<i32>Errno.InvalidArgument);
  if (length == 0 || !inCallerMemory(slot, pointer, length)) return -(<i32>Errno.InvalidArgument);
  const s = at(i);
  const n = length < MAX_TRANSFER ? length : MAX_TRANSFER;
  const deadline = deadlineOf(timeoutMs);
  while (true) {
    if ((s.flags & ENDED) != 0) return -(<i32>(s.error == 0 ? Errno.NotConnected : s.error));
    const room = net.tcp.sendSpace(s.connection);
    if (room > 0) {
      const take = n < <u32>room ? n : <u32>room;
      fromCaller(slot, pointer, bounce, take);
      return net.tcp.send(s.connection, bounce, take, clock.nanoseconds());
    }
    net.tcp.wantWritable(s.connection);
    if (!waitUntil(s, deadline)) return -(<i32>Errno.Timeout);
  }
}

/** net_receive(socket, pointer, capacity, timeout ms): bytes read, 0 at the end
 *  of the peer's data, or -Errno (Timeout when nothing came). */
export function receive(slot: u32, id: i32, pointer: u32, capacity: u32, timeoutMs: u32): i32 {
  const i = socketOf(slot, id);
  if (i == NONE || at(i).kind != Kind.Connection) return -(<i32>Errno.InvalidArgument);
  if (capacity == 0 || !inCallerMemory(slot, pointer, capacity)) return -(<i32>Errno.InvalidArgument);
  const s = at(i);
  const n = capacity < MAX_TRANSFER ? capacity : MAX_TRANSFER;
  const deadline = deadlineOf(timeoutMs);
  while (true) {
    const ready = (s.flags & ENDED) != 0 ? 0 : net.tcp.available(s.connection);
    if (ready > 0) {
      const got = net.tcp.read(s.connection, bounce, n, clock.nanoseconds());
      if (got > 0) toCaller(slot, bounce, pointer, <u32>got);
      return got;
    }
    if ((s.flags & (PEER_CLOSED | ENDED)) != 0) {
      if ((s.flags & ENDED) != 0 && s.error != 0) return -(<i32>s.error);
      return 0;
    }
    if (!waitUntil(s, deadline)) return -(<i32>Errno.Timeout);
  }
}

/** A connection whose socket was closed: what still arrives is read and dropped,
 *  so the peer is never stalled on a window no one will open. */
function orphan(handle: i32, what: net.tcp.listeners.Event, context: u32): void {
  if (what == net.tcp.listeners.Event.Readable) {
    const n = net.tcp.available(handle);
    if (n > 0) net.tcp.consume(handle, <u32>n, clock.nanoseconds());
  }
}

function release(i: i32): void {
  const s = at(i);
  if (s.kind == Kind.Listener) {
    net.tcp.unlisten(s.port);
    for (let k: u32 = 0; k < s.queueCount; k++) {
      net.tcp.abort(load<i32>(queues + (<usize>i * <usize>ACCEPT_QUEUE + <usize>((s.queueHead + k) % <u32>ACCEPT_QUEUE)) * 4));
    }
  } else if (s.kind == Kind.Connection && (s.flags & ENDED) == 0 && s.connection != NONE) {
    net.tcp.setOwner(s.connection, orphan, 0);                   // no socket hears it any more
    net.tcp.close(s.connection, clock.nanoseconds());            // the FIN after what is queued
  }
  const waiter = s.waiter;
  s.kind = Kind.Free;
  if (waiter != NONE) scheduler.wakeThread(waiter);
}

/** net_close(socket): 0, or an Errno. A connection sends what is queued, then its FIN. */
export function close(slot: u32, id: i32): i32 {
  const i = socketOf(slot, id);
  if (i == NONE) return <i32>Errno.InvalidArgument;
  release(i);
  return <i32>Errno.Ok;
}

/** Whether socket entry `i` has something for its owner: a connection to
 *  accept, bytes to read, or the peer's end. */
function ready(i: i32): bool {
  const s = at(i);
  if (s.kind == Kind.Listener) return s.queueCount > 0;
  return (s.flags & (PEER_CLOSED | ENDED)) != 0 || net.tcp.available(s.connection) > 0;
}

const MAX_WAIT: u32 = 64;

/** net_wait(pointer to socket ids (i32), count, timeout ms): the index in the
 *  list of the first socket that is ready, or -Errno (Timeout). One thread waits
 *  on many sockets at once: how a service serves many connections. */
export function wait(slot: u32, list: u32, count: u32, timeoutMs: u32): i32 {
  if (count == 0 || count > MAX_WAIT || !inCallerMemory(slot, list, count * 4)) return -(<i32>Errno.InvalidArgument);
  const base = cpu.moduleMemoryBase(slot) + <u64>list;
  const deadline = deadlineOf(timeoutMs);
  while (true) {
    for (let k: u32 = 0; k < count; k++) {
      const i = socketOf(slot, <i32>cpu.load32(base + <u64>k * 4));
      if (i == NONE) return -(<i32>Errno.InvalidArgument);
      if (ready(i)) return <i32>k;
    }
    const now = clock.nanoseconds();
    if (now >= deadline) return -(<i32>Errno.Timeout);
    const thread = scheduler.currentThread();
    for (let k: u32 = 0; k < count; k++) at(socketOf(slot, <i32>cpu.load32(base + <u64>k * 4))).waiter = thread;
    scheduler.block(deadline - now);
    for (let k: u32 = 0; k < count; k++) {
      const i = socketOf(slot, <i32>cpu.load32(base + <u64>k * 4));
      if (i != NONE) at(i).waiter = NONE;
    }
  }
}

/** Closes the sockets of agents that are gone (the network thread, each second). */
function sweep(now: u64): void {
  for (let i = 0; i < MAX_SOCKETS; i++) {
    const s = at(i);
    if (s.kind == Kind.Free) continue;
    // gone: reclaimed (killed, or restarted into a new instance); an agent whose
    // entry returned keeps its instance, and its sockets, for calls into it
    if (agents.registry.state(s.agent) == agents.registry.State.Free || agents.registry.instanceOf(s.agent) != s.instance) release(i);
  }
}

/** Hooks the sweep into the network thread. */
export function init(): void { net.service.setSweeper(sweep); }

/** Sockets open (for tests). */
export function openCount(): i32 {
  let n = 0;
  for (let i = 0; i < MAX_SOCKETS; i++) if (at(i).kind != Kind.Free) n++;
  return n;
}
