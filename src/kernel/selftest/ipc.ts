// ipc.ts — guest scenario for IPC endpoints: a ping-pong between two threads
// (blocking send and receive), a 64 KiB message copied whole, and the error
// cases (too large, no room, nothing there).
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as clock from "../clock";
import { endpoints } from "../ipc";
import * as line from "../line";
import * as log from "../log";
import * as scheduler from "../sched/scheduler";
import { linearToVirtual } from "../physical";

const ROUNDS: u32 = 1000;
const BIG: u32 = 64 * 1024;
const pingBuffer = memory.data(64);
const pongBuffer = memory.data(64);
const bigOut = memory.data(<i32>BIG);
const bigIn = memory.data(<i32>BIG);
let requests: i32 = -1;
let replies: i32 = -1;

function real(address: usize): u64 { return linearToVirtual(address); }

function ponger(rounds: u32): void {
  for (let i: u32 = 0; i < rounds; i++) {
    if (endpoints.receive(requests, real(pongBuffer), 64, endpoints.Wait.Block) != 4) return;
    store<u32>(pongBuffer, load<u32>(pongBuffer) + 1);
    endpoints.send(replies, real(pongBuffer), 4, endpoints.Wait.Block);
  }
}

export function pingPong(): bool {
  requests = endpoints.create();
  replies = endpoints.create();
  const partner = scheduler.spawn(ponger, ROUNDS);
  const start = clock.nanoseconds();
  for (let i: u32 = 0; i < ROUNDS; i++) {
    store<u32>(pingBuffer, i * 2);
    if (endpoints.send(requests, real(pingBuffer), 4, endpoints.Wait.Block) != Errno.Ok) return false;
    if (endpoints.receive(replies, real(pingBuffer), 64, endpoints.Wait.Block) != 4) return false;
    if (load<u32>(pingBuffer) != i * 2 + 1) { log.error("selftest: wrong reply"); return false; }
  }
  const elapsed = clock.nanoseconds() - start;

  for (let i: u32 = 0; i < BIG; i += 4) store<u32>(bigOut + <usize>i, i * 2654435761);
  if (endpoints.send(requests, real(bigOut), BIG, endpoints.Wait.NoWait) != Errno.Ok) return false;
  if (endpoints.receive(requests, real(bigIn), 16, endpoints.Wait.NoWait) != -(<i64>Errno.MessageTooLarge)) return false;
  if (endpoints.receive(requests, real(bigIn), BIG, endpoints.Wait.NoWait) != <i64>BIG) return false;
  if (memory.compare(bigIn, bigOut, BIG) != 0) { log.error("selftest: 64 KiB message changed in transit"); return false; }
  if (endpoints.send(requests, real(bigOut), BIG + 1, endpoints.Wait.NoWait) != Errno.MessageTooLarge) return false;
  if (endpoints.receive(replies, real(bigIn), BIG, endpoints.Wait.NoWait) != -(<i64>Errno.NotReady)) return false;
  for (let i = 0; i < 8; i++) endpoints.send(replies, real(pingBuffer), 4, endpoints.Wait.NoWait);
  if (endpoints.send(replies, real(pingBuffer), 4, endpoints.Wait.NoWait) != Errno.NotReady) return false;
  endpoints.destroy(requests);
  endpoints.destroy(replies);
  scheduler.kill(partner);

  line.reset();
  line.text("AIOS ipc roundtrips=");
  line.decimal(ROUNDS);
  line.text(" per_roundtrip_ns=");
  line.decimal(elapsed / <u64>ROUNDS);
  log.publish();
  return true;
}
