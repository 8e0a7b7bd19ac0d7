// endpoints.ts — IPC endpoints: bounded queues of messages of up to 64 KiB,
// copied in at send and out at receive (each message sits in its own frame
// block meanwhile), with blocking and non-blocking send and receive. A blocked
// thread waits on the endpoint and is woken by the other side; one waiter per
// direction per endpoint (a second gets NotReady rather than waiting).
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import { frames } from "../memory";
import { DIRECT_MAP_BASE } from "../memory/layout";
import * as scheduler from "../sched/scheduler";

export const MAX_MESSAGE: u32 = 64 * 1024;
export const MAX_ENDPOINTS: i32 = 64;
const QUEUE = 8;
const NOBODY: i32 = -1;
export const enum Wait { NoWait = 0, Block = 1 }

const used = memory.data(MAX_ENDPOINTS);
const heads = memory.data(MAX_ENDPOINTS * 4);
const counts = memory.data(MAX_ENDPOINTS * 4);
const blocks = memory.data(MAX_ENDPOINTS * QUEUE * 8);     // frame block per queued message
const lengths = memory.data(MAX_ENDPOINTS * QUEUE * 4);
const waitingReceiver = memory.data(MAX_ENDPOINTS * 4);
const waitingSender = memory.data(MAX_ENDPOINTS * 4);

function at32(base: usize, e: i32): usize { return base + <usize>e * 4; }
function slot(e: i32, i: i32): i32 { return e * QUEUE + i; }
function valid(e: i32): bool { return e >= 0 && e < MAX_ENDPOINTS && load<u8>(used + <usize>e) != 0; }
function count(e: i32): i32 { return load<i32>(at32(counts, e)); }

/** A new endpoint's id, or -1 when all are in use. */
export function create(): i32 {
  for (let e = 0; e < MAX_ENDPOINTS; e++) {
    if (load<u8>(used + <usize>e) != 0) continue;
    store<u8>(used + <usize>e, 1);
    store<i32>(at32(heads, e), 0);
    store<i32>(at32(counts, e), 0);
    store<i32>(at32(waitingReceiver, e), NOBODY);
    store<i32>(at32(waitingSender, e), NOBODY);
    return e;
  }
  return -1;
}

/** Frees an endpoint and every message still queued; waiters are woken (they see InvalidArgument). */
export function destroy(e: i32): Errno {
  if (!valid(e)) return Errno.InvalidArgument;
  for (let i = 0; i < count(e); i++) {
    frames.free(load<u64>(blocks + <usize>slot(e, (load<i32>(at32(heads, e)) + i) % QUEUE) * 8));
  }
  store<u8>(used + <usize>e, 0);
  scheduler.wakeThread(load<i32>(at32(waitingReceiver, e)));
  scheduler.wakeThread(load<i32>(at32(waitingSender, e)));
  return Errno.Ok;
}

function copy(to: u64, from: u64, length: u32): void { cpu.copy(to, from, <u64>length); }

/** Queues a copy of `length` bytes at kernel address `source`. */
export function send(e: i32, source: u64, length: u32, wait: Wait): Errno {
  if (!valid(e)) return Errno.InvalidArgument;
  if (length > MAX_MESSAGE) return Errno.MessageTooLarge;
  cpu.disableInterrupts();
  while (count(e) == QUEUE) {
    if (wait == Wait.NoWait || load<i32>(at32(waitingSender, e)) != NOBODY) { cpu.enableInterrupts(); return Errno.NotReady; }
    store<i32>(at32(waitingSender, e), scheduler.currentThread());
    scheduler.block(0);
    if (!valid(e)) { cpu.enableInterrupts(); return Errno.InvalidArgument; }
    store<i32>(at32(waitingSender, e), NOBODY);
  }
  const order = frames.orderFor(length == 0 ? 1 : <u64>length);
  const block = frames.alloc(<u32>order, frames.Owner.Kernel);
  if (block == 0) { cpu.enableInterrupts(); return Errno.ResourceExhausted; }
  copy(DIRECT_MAP_BASE + block, source, length);
  const index = (load<i32>(at32(heads, e)) + count(e)) % QUEUE;
  store<u64>(blocks + <usize>slot(e, index) * 8, block);
  store<u32>(lengths + <usize>slot(e, index) * 4, length);
  store<i32>(at32(counts, e), count(e) + 1);
  scheduler.wakeThread(load<i32>(at32(waitingReceiver, e)));
  cpu.enableInterrupts();
  return Errno.Ok;
}

/** Takes the oldest message into `destination` (room for `capacity` bytes); its
 *  length, or a negative Errno. A message too large for the room stays queued. */
export function receive(e: i32, destination: u64, capacity: u32, wait: Wait): i64 {
  if (!valid(e)) return -(<i64>Errno.InvalidArgument);
  cpu.disableInterrupts();
  while (count(e) == 0) {
    if (wait == Wait.NoWait || load<i32>(at32(waitingReceiver, e)) != NOBODY) { cpu.enableInterrupts(); return -(<i64>Errno.NotReady); }
    store<i32>(at32(waitingReceiver, e), scheduler.currentThread());
    scheduler.block(0);
    if (!valid(e)) { cpu.enableInterrupts(); return -(<i64>Errno.InvalidArgument); }
    store<i32>(at32(waitingReceiver, e), NOBODY);
  }
  const index = load<i32>(at32(heads, e));
  const length = load<u32>(lengths + <usize>slot(e, index) * 4);
  if (length > capacity) { cpu.enableInterrupts(); return -(<i64>Errno.MessageTooLarge); }
  const block = load<u64>(blocks + <usize>slot(e, index) * 8);
  copy(destination, DIRECT_MAP_BASE + block, length);
  frames.free(block);
  store<i32>(at32(heads, e), (index + 1) % QUEUE);
  store<i32>(at32(counts, e), count(e) - 1);
  scheduler.wakeThread(load<i32>(at32(waitingSender, e)));
  cpu.enableInterrupts();
  return <i64>length;
}

export function queued(e: i32): i32 { return valid(e) ? count(e) : 0; }
