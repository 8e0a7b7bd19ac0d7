// capsabi.ts — guest scenarios for capability-checked ABI calls: an agent sends and
// receives through an endpoint handle; forged, expired, revoked, wrong-kind and
// under-privileged handles are denied, as is a pointer past its memory, and none
// of them changes anything; then a capability-checked call is timed against a
// plain function call inside the module ("AIOS bench capcall"): the best of a few
// rounds of each, taken in turn, so a host hiccup in one round does not count.
import { Errno } from "../../abi";
import * as agents from "../agents";
import * as probeAgent from "./probeagent";
import * as caps from "../caps";
import * as clock from "../clock";
import { endpoints } from "../ipc";
import * as line from "../line";
import * as log from "../log";
import * as modules from "../modules";
import { probe } from "../modules";
import * as scheduler from "../sched/scheduler";

const CALLS: u32 = 20_000;
const ROUNDS = 5;
const SEND_RECEIVE: u32 = caps.Rights.Send | caps.Rights.Receive | caps.Rights.Revoke;

function outcome(name: string, got: u32, expected: Errno): bool {
  if (got == <u32>expected) return true;
  log.begin(log.Level.Error);
  line.text("selftest: caps: ");
  line.text(name);
  line.text(" gave ");
  line.signed(<i32>got);
  line.text(", expected ");
  line.decimal(<u32>expected);
  log.end();
  return false;
}

export function capabilityCalls(): bool {
  const agent = probeAgent.spawnIdle();
  if (agent < 0) return false;
  const instance = agents.registry.instanceOf(agent);
  const now = clock.nanoseconds();
  const endpoint = endpoints.create();
  const handle = <u32>caps.createRoot(agent, caps.ObjectKind.IpcEndpoint, <u64>endpoint, SEND_RECEIVE, caps.NO_EXPIRY, now);

  let ok = outcome("send", modules.call(instance, probe.ProbeFunction.Send, handle, 42), Errno.Ok);
  ok = ok && modules.call(instance, probe.ProbeFunction.Receive, handle) == 42;
  ok = ok && outcome("forged handle", modules.call(instance, probe.ProbeFunction.Send, handle ^ 0x40, 1), Errno.InvalidCapability);
  const receiveOnly = <u32>caps.attenuate(agent, handle, caps.Rights.Receive, caps.NO_EXPIRY, now);
  ok = ok && outcome("send without Send", modules.call(instance, probe.ProbeFunction.Send, receiveOnly, 1), Errno.PermissionDenied);
  const shortLived = <u32>caps.createRoot(agent, caps.ObjectKind.IpcEndpoint, <u64>endpoint, SEND_RECEIVE, clock.nanoseconds() + 1_000_000, clock.nanoseconds());
  scheduler.sleep(2_000_000);
  ok = ok && outcome("expired handle", modules.call(instance, probe.ProbeFunction.Send, shortLived, 1), Errno.Expired);
  const derived = <u32>caps.duplicate(agent, handle, clock.nanoseconds());
  caps.revoke(agent, handle, clock.nanoseconds());
  ok = ok && outcome("revoked (derived) handle", modules.call(instance, probe.ProbeFunction.Send, derived, 1), Errno.Revoked);
  const agentCap = <u32>caps.createRoot(agent, caps.ObjectKind.Agent, <u64>agent, caps.Rights.Read, caps.NO_EXPIRY, clock.nanoseconds());
  ok = ok && outcome("wrong kind", modules.call(instance, probe.ProbeFunction.Send, agentCap, 1), Errno.InvalidCapability);
  const fresh = <u32>caps.createRoot(agent, caps.ObjectKind.IpcEndpoint, <u64>endpoint, SEND_RECEIVE, caps.NO_EXPIRY, clock.nanoseconds());
  ok = ok && outcome("pointer past memory", modules.call(instance, probe.ProbeFunction.Send, fresh, 0xffffffff), Errno.InvalidArgument);
  ok = ok && endpoints.queued(endpoint) == 0;       // nothing denied was queued

  // a capability-checked kernel call against a plain call, both from the module
  let errors = modules.call(instance, probe.ProbeFunction.CheckedCalls, agentCap, 1000);   // warm up
  modules.call(instance, probe.ProbeFunction.PlainCalls, 1000);
  let checkedNs = U64.MAX_VALUE;
  let plainNs = U64.MAX_VALUE;
  for (let round = 0; round < ROUNDS; round++) {
    let start = clock.nanoseconds();
    errors += modules.call(instance, probe.ProbeFunction.CheckedCalls, agentCap, CALLS);
    const checked = clock.nanoseconds() - start;
    if (checked < checkedNs) checkedNs = checked;
    start = clock.nanoseconds();
    modules.call(instance, probe.ProbeFunction.PlainCalls, CALLS);
    const plain = clock.nanoseconds() - start;
    if (plain < plainNs) plainNs = plain;
  }
  line.reset();
  line.text("AIOS bench capcall calls=");
  line.decimal(CALLS);
  line.text(" checked_ns_per_call=");
  line.decimal(checkedNs / <u64>CALLS);
  line.text(" plain_ns_per_call=");
  line.decimal(plainNs / <u64>CALLS);
  log.publish();
  agents.lifecycle.kill(agent);
  endpoints.destroy(endpoint);
  return ok && errors == 0;
}
