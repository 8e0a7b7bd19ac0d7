// The event bus over real endpoints on the fake machine: events reach every
// subscriber of their topic only; retained events are replayed to a new
// subscriber, oldest first, the last RETAINED of them; a full queue counts a miss.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";

const MiB = 1n << 20n;
const DEVICE = 2, PERFORMANCE = 4;
const OK = 0, EXISTS = 9;
const EVENT_BYTES = 32n;
const RETAINED = 8;
const ENDPOINT_QUEUE = 8;                  // messages an endpoint holds (ipc/endpoints.ts)
const INBOX = 0x10_0000n;                  // physical page the tests receive into

function machine() {
  const b = boot();
  b.k.framesInit(64n * MiB, 0x200000n);
  b.k.framesRelease(4n * MiB, 64n * MiB);
  // endpoints copy the event out of the kernel's linear memory (at 0 here)
  b.machine.addVirtual(0n, new Uint8Array((b.k.memory as WebAssembly.Memory).buffer));
  const m = b.machine as any;
  const receive = (e: number) => {
    const length = b.k.endpointReceive(e, INBOX);
    if (length !== EVENT_BYTES) return null;
    const at = (offset: bigint, size: number) => m.read(0xffff_8000_0000_0000n + INBOX + offset, size) as bigint;
    return { topic: Number(at(0n, 4)), kind: Number(at(4n, 4)), subject: at(8n, 8), detail: at(16n, 8) };
  };
  return { ...b, receive };
}

test("publish reaches the topic's subscribers only", () => {
  const { k, receive } = machine();
  const devices = k.endpointCreate(), performance = k.endpointCreate();
  assert.is(k.busSubscribe(DEVICE, devices), OK);
  assert.is(k.busSubscribe(DEVICE, devices), EXISTS);
  assert.is(k.busSubscribe(PERFORMANCE, performance), OK);
  assert.is(k.busPublish(PERFORMANCE, 2, 100n, 42n), 1);
  assert.is(receive(devices), null, "nothing on the device topic");
  assert.equal(receive(performance), { topic: PERFORMANCE, kind: 2, subject: 100n, detail: 42n });
  assert.is(k.busUnsubscribe(PERFORMANCE, performance), OK);
  assert.is(k.busPublish(PERFORMANCE, 2, 100n, 43n), 0);
  assert.is(receive(performance), null);
});

test("retained events are replayed to a late subscriber, the last RETAINED, oldest first", () => {
  const { k, receive } = machine();
  for (let i = 1; i <= 10; i++) k.busPublishRetained(DEVICE, 1, BigInt(i), 0n);
  k.busPublish(DEVICE, 2, 99n, 0n);                         // not retained: gone for late subscribers
  const late = k.endpointCreate();
  assert.is(k.busSubscribe(DEVICE, late), OK);
  for (let i = 10 - RETAINED + 1; i <= 10; i++) assert.is(receive(late)?.subject, BigInt(i));
  assert.is(receive(late), null);
  k.busPublishRetained(DEVICE, 3, 11n, 7n);
  assert.equal(receive(late), { topic: DEVICE, kind: 3, subject: 11n, detail: 7n }, "live after the replay");
  const later = k.endpointCreate();
  k.busSubscribe(DEVICE, later);
  assert.is(receive(later)?.subject, 4n, "the ring moved on by one");
});

test("a subscriber whose queue is full misses events, counted", () => {
  const { k } = machine();
  const e = k.endpointCreate();
  k.busSubscribe(PERFORMANCE, e);
  const missed = k.busMissed();
  for (let i = 0; i < ENDPOINT_QUEUE + 3; i++) k.busPublish(PERFORMANCE, 1, 0n, BigInt(i));
  assert.is(k.busMissed(), missed + 3n);
});

test.run();
