// netagent.ts — guest scenario net-agent-echo: TCP sockets for agents. The
// netecho agent gets a NetworkPort capability for port 7000 (Receive and Send)
// and nothing else. It is refused a port outside the range, a capability without
// Receive, a forged handle and a capability of the wrong kind; then it serves
// ECHO_CONNECTIONS echo connections on port 7000, which the host makes through a
// forwarded port and checks byte for byte. Once it is done and killed, no
// socket of it is left and port 7000 is free again.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as agents from "../agents";
import * as caps from "../caps";
import * as clock from "../clock";
import * as cmdline from "../cmdline";
import { endpoints } from "../ipc";
import * as line from "../line";
import * as log from "../log";
import * as modules from "../modules";
import * as net from "../net";
import * as scheduler from "../sched/scheduler";
import * as netCalls from "../syscalls/net";
import * as probeAgent from "./probeagent";
import { expectEqual, failure } from "./report";

const PORT: u32 = 7000;
const ECHO_CONNECTIONS: u32 = 6;
const ENTRY_IDLE: u32 = 0;
const TRY_LISTEN: u32 = 1;
const TRY_CONNECT: u32 = 2;
const SERVE: u32 = 3;
const HOST: u32 = 0x0a000202;                 // QEMU's user networking: the host
const READY_WAIT_NS: u64 = 30_000_000_000;
const SWEEP_WAIT_NS: u64 = 3_000_000_000;

function expect(name: string, got: u32, wanted: u32): bool { return expectEqual("net-agent-echo", name, got, wanted); }

/** Waits (a few seconds at most) until the connections on `port` have ended,
 *  so the last answers reach the host before the scenario ends QEMU. */
function drain(port: u32): void {
  const until = clock.nanoseconds() + SWEEP_WAIT_NS;
  while (net.tcp.openOn(port) > 0 && clock.nanoseconds() < until) scheduler.sleep(20_000_000);
}

export function agentEcho(): bool {
  const until = clock.nanoseconds() + READY_WAIT_NS;
  while (!net.service.ready()) {
    if (clock.nanoseconds() > until) return failure("net-agent-echo", "the network service did not come up", 0);
    scheduler.sleep(10_000_000);
  }
  const module = modules.registry.find("netecho");
  if (module == cpu.MODULE_NONE) return failure("net-agent-echo", "no netecho module in the image", 0);
  const agent = agents.lifecycle.spawn(probeAgent.idleSpec(module, ENTRY_IDLE, 64));
  if (agent < 0) return failure("net-agent-echo", "could not spawn netecho", agent);
  scheduler.sleep(5_000_000);
  const instance = agents.registry.instanceOf(agent);
  const now = clock.nanoseconds();
  const rights = caps.Rights.Receive | caps.Rights.Send | caps.Rights.Revoke;
  const port = <u32>caps.createRoot(agent, caps.ObjectKind.NetworkPort, netCalls.portRange(PORT, PORT, 0), rights, caps.NO_EXPIRY, now);
  const sendOnly = <u32>caps.attenuate(agent, port, caps.Rights.Send, caps.NO_EXPIRY, now);
  const endpoint = <u32>caps.createRoot(agent, caps.ObjectKind.IpcEndpoint, <u64>endpoints.create(), rights, caps.NO_EXPIRY, now);
  let ok = expect("a port outside the capability", modules.call(instance, TRY_LISTEN, port, PORT + 1), Errno.PermissionDenied);
  ok = expect("a capability without Receive", modules.call(instance, TRY_LISTEN, sendOnly, PORT), Errno.PermissionDenied) && ok;
  ok = expect("a forged handle", modules.call(instance, TRY_LISTEN, port ^ 0x40, PORT), Errno.InvalidCapability) && ok;
  ok = expect("a capability of another kind", modules.call(instance, TRY_LISTEN, endpoint, PORT), Errno.InvalidCapability) && ok;
  ok = expect("listening and closing on its port", modules.call(instance, TRY_LISTEN, port, PORT), Errno.Ok) && ok;
  // connections out: the capability names the remote port (and may name the address)
  const hostPort = cmdline.testPort();
  if (hostPort != 0) {
    const out = <u32>caps.createRoot(agent, caps.ObjectKind.NetworkPort, netCalls.portRange(hostPort, hostPort, HOST), caps.Rights.Send, caps.NO_EXPIRY, now);
    const elsewhere = <u32>caps.createRoot(agent, caps.ObjectKind.NetworkPort, netCalls.portRange(hostPort, hostPort, HOST + 1), caps.Rights.Send, caps.NO_EXPIRY, now);
    ok = expect("a connection to the host's port", modules.call(instance, TRY_CONNECT, out, hostPort), Errno.Ok) && ok;
    ok = expect("a connection to another port", modules.call(instance, TRY_CONNECT, out, hostPort + 1), Errno.PermissionDenied) && ok;
    ok = expect("a capability naming another address", modules.call(instance, TRY_CONNECT, elsewhere, hostPort), Errno.PermissionDenied) && ok;
    ok = expect("a capability without Send", modules.call(instance, TRY_CONNECT, endpoint, hostPort), Errno.InvalidCapability) && ok;
  }
  ok = expect("nothing left open", <u32>netCalls.openCount(), 0) && ok;
  line.reset();
  line.text("AIOS net agent ready port=7000 connections=");
  line.decimal(ECHO_CONNECTIONS);
  log.publish();
  const echoed = modules.call(instance, SERVE, port, PORT | (ECHO_CONNECTIONS << 16));
  ok = expect("serve's listen", echoed & 0x8000_0000, 0) && ok;
  drain(PORT);
  agents.lifecycle.kill(agent);
  const swept = clock.nanoseconds() + SWEEP_WAIT_NS;
  while (clock.nanoseconds() < swept && (netCalls.openCount() > 0 || net.tcp.listeners.listening(PORT))) scheduler.sleep(50_000_000);
  ok = expect("sockets left after the kill", <u32>netCalls.openCount(), 0) && ok;
  ok = expect("port 7000 still bound", net.tcp.listeners.listening(PORT) ? 1 : 0, 0) && ok;
  line.reset();
  line.text("AIOS net agent done echoed=");
  line.decimal(echoed);
  line.text(" checks=");
  line.text(ok ? "ok" : "failed");
  log.publish();
  return ok;
}

const HELLO_SERVE: u32 = 1;
const HELLO_PORT: u32 = 9001;
const HELLO_REQUESTS: u32 = 12;

/** Scenario net-service-http: the hello service on the service plane (port
 *  9001), answering HELLO_REQUESTS requests the host makes, then killed. */
export function serviceHttp(): bool {
  const until = clock.nanoseconds() + READY_WAIT_NS;
  while (!net.service.ready()) {
    if (clock.nanoseconds() > until) return failure("net-service-http", "the network service did not come up", 0);
    scheduler.sleep(10_000_000);
  }
  const module = modules.registry.find("hello");
  if (module == cpu.MODULE_NONE) return failure("net-service-http", "no hello module in the image", 0);
  const agent = agents.lifecycle.spawn(probeAgent.idleSpec(module, ENTRY_IDLE, 256));
  if (agent < 0) return failure("net-service-http", "could not spawn hello", agent);
  scheduler.sleep(5_000_000);
  const instance = agents.registry.instanceOf(agent);
  const port = <u32>caps.createRoot(agent, caps.ObjectKind.NetworkPort, netCalls.portRange(HELLO_PORT, HELLO_PORT, 0), caps.Rights.Receive, caps.NO_EXPIRY, clock.nanoseconds());
  line.reset();
  line.text("AIOS net service ready port=9001 requests=");
  line.decimal(HELLO_REQUESTS);
  log.publish();
  const served = modules.call(instance, HELLO_SERVE, port, HELLO_PORT | (HELLO_REQUESTS << 16));
  drain(HELLO_PORT);
  agents.lifecycle.kill(agent);
  line.reset();
  line.text("AIOS net service done served=");
  line.decimal(served);
  log.publish();
  return served == HELLO_REQUESTS;
}
