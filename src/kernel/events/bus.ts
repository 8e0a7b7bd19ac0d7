// bus.ts — the event bus: kernel events published on topics (lifecycle, interrupt,
// device, security, performance) to every endpoint subscribed to the topic. An
// event is a 32-byte message, sent without blocking: a subscriber whose queue is
// full misses it, and the miss is counted. Publishing is for thread context (it
// takes the endpoint's queue, which disables interrupts around itself).
//   event: +0 u32 topic | +4 u32 kind | +8 u64 agent | +16 u64 detail | +24 u64 time (ns)
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as clock from "../clock";
import { endpoints } from "../ipc";

export const enum Topic { Lifecycle = 0, Interrupt = 1, Device = 2, Security = 3, Performance = 4 }
export const TOPICS: i32 = 5;
export const EVENT_BYTES: u32 = 32;
const SUBSCRIBERS = 16;
const NONE: i32 = -1;

const subscribers = memory.data(TOPICS * SUBSCRIBERS * 4);
const event = memory.data(<i32>EVENT_BYTES);
let missed: u64 = 0;
let initialised = false;

function slot(topic: i32, i: i32): usize { return subscribers + <usize>(topic * SUBSCRIBERS + i) * 4; }

function ensure(): void {
  if (initialised) return;
  for (let i = 0; i < TOPICS * SUBSCRIBERS; i++) store<i32>(subscribers + <usize>i * 4, NONE);
  initialised = true;
}

export function validTopic(topic: i32): bool { return topic >= 0 && topic < TOPICS; }

/** Delivers `topic`'s events to `endpoint` from now on. */
export function subscribe(topic: i32, endpoint: i32): Errno {
  ensure();
  if (!validTopic(topic) || endpoint < 0) return Errno.InvalidArgument;
  let free = NONE;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const current = load<i32>(slot(topic, i));
    if (current == endpoint) return Errno.AlreadyExists;
    if (current == NONE && free == NONE) free = i;
  }
  if (free == NONE) return Errno.ResourceExhausted;
  store<i32>(slot(topic, free), endpoint);
  return Errno.Ok;
}

export function unsubscribe(topic: i32, endpoint: i32): Errno {
  ensure();
  if (!validTopic(topic)) return Errno.InvalidArgument;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    if (load<i32>(slot(topic, i)) == endpoint) { store<i32>(slot(topic, i), NONE); return Errno.Ok; }
  }
  return Errno.NotFound;
}

/** Sends an event to every subscriber of `topic`; how many got it. */
export function publish(topic: Topic, kind: u32, agent: u64, detail: u64): u32 {
  ensure();
  store<u32>(event, <u32>topic);
  store<u32>(event + 4, kind);
  store<u64>(event + 8, agent);
  store<u64>(event + 16, detail);
  store<u64>(event + 24, clock.nanoseconds());
  const address = cpu.layoutAddress(cpu.Layout.LinearMemoryBase) + <u64>event;
  let delivered: u32 = 0;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const endpoint = load<i32>(slot(<i32>topic, i));
    if (endpoint == NONE) continue;
    const result = endpoints.send(endpoint, address, EVENT_BYTES, endpoints.Wait.NoWait);
    if (result == Errno.Ok) delivered++;
    else if (result == Errno.InvalidArgument) store<i32>(slot(<i32>topic, i), NONE);   // the endpoint is gone
    else missed++;
  }
  return delivered;
}

/** Events subscribers missed because their queues were full. */
export function missedEvents(): u64 { return missed; }
