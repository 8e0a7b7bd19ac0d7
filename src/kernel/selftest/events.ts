// events.ts — guest scenario for the event bus: an agent subscribes an endpoint to
// the lifecycle topic through the ABI (capability-checked); spawning and killing
// another agent then delivers those events to it; a subscription without the
// Subscribe right is denied and reported on the security topic.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as agents from "../agents";
import * as audit from "../audit";
import * as caps from "../caps";
import * as clock from "../clock";
import * as events from "../events";
import { endpoints } from "../ipc";
import * as line from "../line";
import * as log from "../log";
import * as modules from "../modules";
import { probe } from "../modules";
import { linearToVirtual } from "../physical";

const specBuffer = memory.data(agents.lifecycle.Spec.SIZE);
const received = memory.data(<i32>events.bus.EVENT_BYTES);

function spec(): agents.lifecycle.Spec {
  const s = changetype<agents.lifecycle.Spec>(specBuffer);
  s.module = probe.id();
  s.entry = probe.ProbeFunction.Size;
  s.argumentA = 0; s.argumentB = 0; s.memoryPages = 64;
  s.hint = agents.registry.Hint.Batch; s.role = 0; s.restartLimit = 0; s.backoffNs = 0; s.backoffCapNs = 0; s.watchdogNs = 0;
  s.watchdogNs = 0;
  return s;
}

function next(endpoint: i32): u32 {
  const address = linearToVirtual(received);
  if (endpoints.receive(endpoint, address, events.bus.EVENT_BYTES, endpoints.Wait.NoWait) != <i64>events.bus.EVENT_BYTES) return 0;
  return load<u32>(received + 4);
}

export function eventBus(): bool {
  const watcher = agents.lifecycle.spawn(spec());
  const instance = agents.registry.instanceOf(watcher);
  const now = clock.nanoseconds();
  const inbox = endpoints.create();
  const topic = <u32>caps.createRoot(watcher, caps.ObjectKind.EventTopic, <u64>events.bus.Topic.Lifecycle, caps.Rights.Subscribe, caps.NO_EXPIRY, now);
  const readOnly = <u32>caps.createRoot(watcher, caps.ObjectKind.EventTopic, <u64>events.bus.Topic.Lifecycle, caps.Rights.Read, caps.NO_EXPIRY, now);
  const box = <u32>caps.createRoot(watcher, caps.ObjectKind.IpcEndpoint, <u64>inbox, caps.Rights.Receive, caps.NO_EXPIRY, now);
  const security = endpoints.create();
  events.bus.subscribe(events.bus.Topic.Security, security);

  if (modules.call(instance, probe.ProbeFunction.Subscribe, readOnly, box) != <u32>Errno.PermissionDenied) return false;
  const denial = next(security);
  if (modules.call(instance, probe.ProbeFunction.Subscribe, topic, box) != 0) return false;
  const other = agents.lifecycle.spawn(spec());
  agents.lifecycle.kill(other);
  const first = next(inbox);
  const second = next(inbox);
  line.reset();
  line.text("AIOS events spawn=");
  line.text(first == <u32>audit.EventKind.AgentSpawn ? "yes" : "no");
  line.text(" kill=");
  line.text(second == <u32>audit.EventKind.AgentKill ? "yes" : "no");
  line.text(" denied_on_security_topic=");
  line.text(denial == <u32>Errno.PermissionDenied ? "yes" : "no");
  log.publish();
  events.bus.unsubscribe(events.bus.Topic.Lifecycle, inbox);
  events.bus.unsubscribe(events.bus.Topic.Security, security);
  agents.lifecycle.kill(watcher);
  endpoints.destroy(inbox);
  endpoints.destroy(security);
  return first == <u32>audit.EventKind.AgentSpawn && second == <u32>audit.EventKind.AgentKill && denial == <u32>Errno.PermissionDenied;
}
