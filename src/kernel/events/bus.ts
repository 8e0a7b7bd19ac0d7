// bus.ts — the event bus: kernel events published on topics (lifecycle, interrupt,
// device, security, performance) to every endpoint subscribed to the topic. An
// event is a 32-byte message, sent without blocking: a subscriber whose queue is
// full misses it, and the miss is counted. Publishing is for thread context (it
// takes the bus lock and the endpoint's queue): interrupt handlers only count, and
// a thread publishes what they counted (monitor.ts). Events that state a fact a
// late subscriber still needs (a device found at boot) are published retained:
// the topic keeps its last RETAINED of them and replays them, oldest first, to
// each new subscriber (their time field says when they happened).
//   event: +0 u32 topic | +4 u32 kind | +8 u64 agent (or subject, kinds.ts) | +16 u64 detail | +24 u64 time (ns)
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as clock from "../clock";
import { endpoints } from "../ipc";
import * as locks from "../sync/locks";
import { linearToVirtual } from "../physical";

export const enum Topic { Lifecycle = 0, Interrupt = 1, Device = 2, Security = 3, Performance = 4 }
export const TOPICS: i32 = 5;
export const EVENT_BYTES: u32 = 32;
const SUBSCRIBERS = 16;
const NONE: i32 = -1;

/** Retained events kept per topic: an endpoint's whole queue (endpoints.ts). */
export const RETAINED: i32 = 8;

const subscribers = memory.data(TOPICS * SUBSCRIBERS * 4);
const event = memory.data(<i32>EVENT_BYTES);
const retained = memory.data(TOPICS * RETAINED * <i32>EVENT_BYTES);   // a ring per topic
const retainedNext = memory.data(TOPICS * 4);                          // events ever retained, per topic
const lock = memory.data(locks.TICKET_LOCK_BYTES);
let missed: u64 = 0;
let initialised = false;

function slot(topic: i32, i: i32): usize { return subscribers + <usize>(topic * SUBSCRIBERS + i) * 4; }
function retainedAt(topic: i32, n: u32): usize { return retained + <usize>(topic * RETAINED + <i32>(n % <u32>RETAINED)) * EVENT_BYTES; }
function linear(address: usize): u64 { return linearToVirtual(address); }

function ensure(): void {
  if (initialised) return;
  for (let i = 0; i < TOPICS * SUBSCRIBERS; i++) store<i32>(subscribers + <usize>i * 4, NONE);
  memory.fill(retainedNext, 0, TOPICS * 4);
  initialised = true;
}

export function validTopic(topic: i32): bool { return topic >= 0 && topic < TOPICS; }

/** Delivers `topic`'s events to `endpoint` from now on, after the topic's
 *  retained events. */
export function subscribe(topic: i32, endpoint: i32): Errno {
  ensure();
  if (!validTopic(topic) || endpoint < 0) return Errno.InvalidArgument;
  locks.ticketAcquire(lock);
  let free = NONE;
  let result = Errno.Ok;
  for (let i = 0; i < SUBSCRIBERS && result == Errno.Ok; i++) {
    const current = load<i32>(slot(topic, i));
    if (current == endpoint) result = Errno.AlreadyExists;
    if (current == NONE && free == NONE) free = i;
  }
  if (result == Errno.Ok && free == NONE) result = Errno.ResourceExhausted;
  if (result == Errno.Ok) {
    store<i32>(slot(topic, free), endpoint);
    replay(topic, endpoint);
  }
  locks.ticketRelease(lock);
  return result;
}

/** Sends `topic`'s retained events to `endpoint`, oldest first (the lock held). */
function replay(topic: i32, endpoint: i32): void {
  const total = load<u32>(retainedNext + <usize>topic * 4);
  const first = total > <u32>RETAINED ? total - <u32>RETAINED : 0;
  for (let n = first; n < total; n++) {
    if (endpoints.send(endpoint, linear(retainedAt(topic, n)), EVENT_BYTES, endpoints.Wait.NoWait) != Errno.Ok) missed++;
  }
}

export function unsubscribe(topic: i32, endpoint: i32): Errno {
  ensure();
  if (!validTopic(topic)) return Errno.InvalidArgument;
  locks.ticketAcquire(lock);
  let result = Errno.NotFound;
  for (let i = 0; i < SUBSCRIBERS && result == Errno.NotFound; i++) {
    if (load<i32>(slot(topic, i)) == endpoint) { store<i32>(slot(topic, i), NONE); result = Errno.Ok; }
  }
  locks.ticketRelease(lock);
  return result;
}

/** Sends an event to every subscriber of `topic`; how many got it. */
export function publish(topic: Topic, kind: u32, agent: u64, detail: u64): u32 {
  return send(topic, kind, agent, detail, false);
}

/** publish(), and the topic keeps the event for subscribers still to come. */
export function publishRetained(topic: Topic, kind: u32, agent: u64, detail: u64): u32 {
  return send(topic, kind, agent, detail, true);
}

function send(topic: Topic, kind: u32, agent: u64, detail: u64, retain: bool): u32 {
  ensure();
  locks.ticketAcquire(lock);
  store<u32>(event, <u32>topic);
  store<u32>(event + 4, kind);
  store<u64>(event + 8, agent);
  store<u64>(event + 16, detail);
  store<u64>(event + 24, clock.nanoseconds());
  if (retain) {
    const n = load<u32>(retainedNext + <usize>topic * 4);
    memory.copy(retainedAt(<i32>topic, n), event, EVENT_BYTES);
    store<u32>(retainedNext + <usize>topic * 4, n + 1);
  }
  let delivered: u32 = 0;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const endpoint = load<i32>(slot(<i32>topic, i));
    if (endpoint == NONE) continue;
    const result = endpoints.send(endpoint, linear(event), EVENT_BYTES, endpoints.Wait.NoWait);
    if (result == Errno.Ok) delivered++;
    else if (result == Errno.InvalidArgument) store<i32>(slot(<i32>topic, i), NONE);   // the endpoint is gone
    else missed++;
  }
  locks.ticketRelease(lock);
  return delivered;
}

/** Events subscribers missed because their queues were full. */
export function missedEvents(): u64 { return missed; }
