// syscalls — the kernel side of the ABI that service modules import as "aios"
// (tools/abi.ts lists it; tools/modulegen.ts binds each import a module's manifest
// allows to the export here of the same name). The first argument is always the
// calling instance's slot, supplied by the generated binding, never by the module.
// Every pointer and length is checked against the caller's own linear memory.
import { cpu } from "../../hal";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import { Errno } from "../../abi";
import * as agents from "../agents";
import * as caps from "../caps";
import { endpoints } from "../ipc";
import * as events from "../events";
import { linearToVirtual } from "../physical";

const LOG_LIMIT: u32 = 256;

/** True when [pointer, pointer + length) lies inside the caller's memory. */
/** Copies `length` bytes of the caller's memory at `pointer` (checked by the
 *  caller with inCallerMemory) to kernel memory at `to`. */
export function fromCaller(slot: u32, pointer: u32, to: usize, length: u32): void {
  cpu.copy(linearToVirtual(to), cpu.moduleMemoryBase(slot) + <u64>pointer, <u64>length);
}

/** Copies `length` bytes of kernel memory at `from` to the caller's memory at `pointer`. */
export function toCaller(slot: u32, from: usize, pointer: u32, length: u32): void {
  cpu.copy(cpu.moduleMemoryBase(slot) + <u64>pointer, linearToVirtual(from), <u64>length);
}

export function inCallerMemory(slot: u32, pointer: u32, length: u32): bool {
  const size = cpu.moduleMemorySize(slot);
  return length <= size && pointer <= size - length;
}

/** aios.log(pointer, length): one line in the kernel log, tagged with the caller. */
export function log_(slot: u32, pointer: u32, length: u32): void {
  if (!inCallerMemory(slot, pointer, length) || length > LOG_LIMIT) {
    log.begin(log.Level.Warn);
    line.text("abi: log from instance ");
    line.decimal(slot);
    line.text(" refused: the text is not inside its memory or longer than 256 bytes");
    log.end();
    return;
  }
  const base = cpu.moduleMemoryBase(slot) + <u64>pointer;
  log.begin(log.Level.Info);
  line.text("instance ");
  line.decimal(slot);
  line.text(": ");
  for (let i: u32 = 0; i < length; i++) {
    const c = cpu.load8(base + <u64>i);
    line.byte(c >= 0x20 && c < 0x7f ? c : 0x3f);
  }
  log.end();
}

/** aios.clock_ns(): the monotonic clock. Served without the kernel lock (its
 *  state is fixed before a second CPU starts: src/kernel/index.ts abiClockNs). */
export function clockNs(slot: u32): u64 {
  return clock.nanoseconds();
}

/** The capability `handle` of the calling agent, checked for `kind` and `rights`:
 *  its table index, or -Errno (AgentNotFound when the caller is no agent).
 *  Inlined into every ABI call: the common case (a capability without an expiry
 *  that passes) is caps.checkFast, with no call and no clock read; every other
 *  case goes the full way, checkedWithTime. */
@inline export function checked(slot: u32, handle: u32, kind: caps.ObjectKind, rights: u32): i32 {
  const index = caps.checkFast(agents.registry.agentOfInstance(slot), handle, kind, rights);
  return index >= 0 ? index : checkedWithTime(slot, handle, kind, rights);
}

function checkedWithTime(slot: u32, handle: u32, kind: caps.ObjectKind, rights: u32): i32 {
  const agent = agents.registry.agentOfInstance(slot);
  if (agent < 0) return -(<i32>Errno.AgentNotFound);
  return caps.check(agent, handle, kind, rights, clock.nanoseconds());
}

/** aios.cap_check(handle, rights): 0, or the Errno the check gives. Inlined into
 *  its kernel export: the cheapest checked call is one function. */
@inline export function capCheck(slot: u32, handle: u32, rights: u32): i32 {
  const index = checked(slot, handle, caps.ObjectKind.Agent, rights);
  return index < 0 ? -index : 0;
}

/** What an unlocked ABI export answers when it cannot decide: the import stub
 *  then makes the call the locked way (tools/abi.ts `unlocked`, modulegen.h). */
export const RETRY: u32 = 0xffffffff;

/** aios.cap_check without the kernel lock: 0 when `handle` holds `rights` at
 *  every time (checkFast), RETRY for anything else (a failure, or an expiry only
 *  the clock can judge), which the locked capCheck answers. Run by the import
 *  stub inside a read of the capability tables' sequence counter, which stands
 *  for the tables; the caller's own instance-to-agent entry does not change while
 *  the caller runs (an agent's instance is replaced or released only once its
 *  thread has stopped: agents/lifecycle.ts). Pure loads, no calls, no stores: an
 *  interrupt may come at any point, and this CPU holds nothing it could wait on. */
@inline export function capCheckUnlocked(slot: u32, handle: u32, rights: u32): u32 {
  const index = caps.checkFast(agents.registry.agentOfInstance(slot), handle, caps.ObjectKind.Agent, rights);
  return select<u32>(0, RETRY, index >= 0);
}

/** aios.ipc_send(endpoint handle, pointer, length, flags): 0 or an Errno. Nothing is
 *  queued unless the handle holds Send and the bytes lie inside the caller's memory. */
export function ipcSend(slot: u32, handle: u32, pointer: u32, length: u32, flags: u32): i32 {
  const index = checked(slot, handle, caps.ObjectKind.IpcEndpoint, caps.Rights.Send);
  if (index < 0) return -index;
  if (length > endpoints.MAX_MESSAGE) return <i32>Errno.MessageTooLarge;
  if (!inCallerMemory(slot, pointer, length)) return <i32>Errno.InvalidArgument;
  const source = cpu.moduleMemoryBase(slot) + <u64>pointer;
  return <i32>endpoints.send(<i32>caps.objectAt(index), source, length, endpoints.Wait.NoWait);
}

/** aios.ipc_receive(endpoint handle, pointer, capacity, flags): the length, or -Errno. */
export function ipcReceive(slot: u32, handle: u32, pointer: u32, capacity: u32, flags: u32): i32 {
  const index = checked(slot, handle, caps.ObjectKind.IpcEndpoint, caps.Rights.Receive);
  if (index < 0) return index;
  if (!inCallerMemory(slot, pointer, capacity)) return -(<i32>Errno.InvalidArgument);
  const destination = cpu.moduleMemoryBase(slot) + <u64>pointer;
  return <i32>endpoints.receive(<i32>caps.objectAt(index), destination, capacity, endpoints.Wait.NoWait);
}

/** aios.event_subscribe(topic handle, endpoint handle): 0 or an Errno. Denials are
 *  published on the security topic. */
export function eventSubscribe(slot: u32, topicHandle: u32, endpointHandle: u32): i32 {
  const topic = checked(slot, topicHandle, caps.ObjectKind.EventTopic, caps.Rights.Subscribe);
  if (topic < 0) {
    events.bus.publish(events.bus.Topic.Security, <u32>(-topic), <u64>agents.registry.agentOfInstance(slot), <u64>topicHandle);
    return -topic;
  }
  const endpoint = checked(slot, endpointHandle, caps.ObjectKind.IpcEndpoint, caps.Rights.Receive);
  if (endpoint < 0) return -endpoint;
  return <i32>events.bus.subscribe(<i32>caps.objectAt(topic), <i32>caps.objectAt(endpoint));
}
