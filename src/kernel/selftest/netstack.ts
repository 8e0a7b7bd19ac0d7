// netstack.ts — guest scenario for the network stack over QEMU user networking:
// a DHCP lease from slirp's server, then a UDP echo service on port 7 that the
// host reaches through a forwarded port; the scenario passes once it has echoed
// ECHOES datagrams, and serves LINGER_NS more (the host resends what it has not
// seen answered, and checks every answer), then reports the stack's counters.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as clock from "../clock";
import { endpoints } from "../ipc";
import * as line from "../line";
import * as log from "../log";
import * as net from "../net";
import { linearToVirtual } from "../physical";

const ECHO_PORT: u16 = 7;
const ECHOES: i32 = 3;
const SERVE_NS: u64 = 20_000_000_000;
const LINGER_NS: u64 = 1_500_000_000;
const buffer = memory.data(1600);

export function udpEcho(): bool {
  if (net.stack.init() != Errno.Ok) return false;
  if (net.stack.configureByDhcp() != Errno.Ok) return false;
  line.reset();
  line.text("AIOS net lease ip=");
  net.stack.appendIp(net.iface.ip());
  line.text(" router=");
  net.stack.appendIp(net.iface.gateway());
  line.text(" dns=");
  net.stack.appendIp(net.iface.dns());
  log.publish();
  const endpoint = endpoints.create();
  if (endpoint < 0 || net.udp.bind(ECHO_PORT, endpoint) != Errno.Ok) return false;
  line.reset();
  line.text("AIOS net udp-echo ready port=7");
  log.publish();
  const address = linearToVirtual(buffer);
  let echoed = 0;
  const start = clock.nanoseconds();
  let until = start + SERVE_NS;
  while (clock.nanoseconds() < until) {
    net.stack.pump(10_000_000);
    const length = endpoints.receive(endpoint, address, 1600, endpoints.Wait.NoWait);
    if (length < <i64>net.udp.MESSAGE_HEADER) continue;
    const from = net.bytes.get32(buffer);
    const port = net.bytes.get16(buffer + 4);
    const data = <u32>length - net.udp.MESSAGE_HEADER;
    if (net.udp.send(ECHO_PORT, from, port, buffer + <usize>net.udp.MESSAGE_HEADER, data, net.stack.pump) == Errno.Ok) echoed++;
    if (echoed == ECHOES && until == start + SERVE_NS) until = clock.nanoseconds() + LINGER_NS;
  }
  line.reset();
  line.text("AIOS net udp-echo echoed=");
  line.decimal(echoed);
  line.text(" frames_in=");
  line.decimal(net.iface.received());
  line.text(" frames_out=");
  line.decimal(net.iface.sent());
  line.text(" udp_malformed=");
  line.decimal(net.udp.malformedCount());
  line.text(" dhcp_rejected=");
  line.decimal(net.dhcp.rejectedCount());
  log.publish();
  return echoed >= ECHOES;
}
