// netfragments.ts — guest scenario net-udp-fragments: over QEMU user networking,
// a DHCP lease, then UDP echo on port 7 for datagrams larger than the MTU, which
// slirp delivers as IPv4 fragments (reassembled here) and which go back as
// fragments (reassembled by slirp for the host). Datagrams to port 9, where
// nobody listens, are answered ICMP port unreachable. It passes once ECHOES
// datagrams were echoed and an unreachable was sent, after LINGER_NS more of
// serving (the host resends what it has not seen answered), and reports the
// reassembly counters.
import { Errno } from "../../abi";
import * as clock from "../clock";
import { endpoints } from "../ipc";
import * as line from "../line";
import * as log from "../log";
import * as net from "../net";
import { linearToVirtual } from "../physical";

const ECHO_PORT: u16 = 7;
const ECHOES: i32 = 3;
const SERVE_NS: u64 = 30_000_000_000;
const LINGER_NS: u64 = 1_500_000_000;
const CAPACITY: u32 = 16 * 1024;
const buffer = memory.data(CAPACITY);

export function udpFragments(): bool {
  if (net.stack.init() != Errno.Ok) return false;
  if (net.stack.configureByDhcp() != Errno.Ok) return false;
  const endpoint = endpoints.create();
  if (endpoint < 0 || net.udp.bind(ECHO_PORT, endpoint) != Errno.Ok) return false;
  line.reset();
  line.text("AIOS net udp-fragments ready port=7");
  log.publish();
  const address = linearToVirtual(buffer);
  let echoed = 0;
  let largest: u32 = 0;
  const start = clock.nanoseconds();
  let until = start + SERVE_NS;
  while (clock.nanoseconds() < until) {
    net.stack.pump(10_000_000);
    const length = endpoints.receive(endpoint, address, CAPACITY, endpoints.Wait.NoWait);
    if (length < <i64>net.udp.MESSAGE_HEADER) continue;
    const from = net.bytes.get32(buffer);
    const port = net.bytes.get16(buffer + 4);
    const data = <u32>length - net.udp.MESSAGE_HEADER;
    if (net.udp.send(ECHO_PORT, from, port, buffer + <usize>net.udp.MESSAGE_HEADER, data, net.stack.pump) == Errno.Ok) {
      echoed++;
      if (data > largest) largest = data;
    }
    if (echoed >= ECHOES && net.icmp.unreachablesSent() > 0 && until == start + SERVE_NS) until = clock.nanoseconds() + LINGER_NS;
  }
  line.reset();
  line.text("AIOS net udp-fragments echoed=");
  line.decimal(echoed);
  line.text(" largest=");
  line.decimal(largest);
  line.text(" reassembled=");
  line.decimal(net.reassembly.count(net.reassembly.Reason.Reassembled));
  line.text(" overlaps=");
  line.decimal(net.reassembly.count(net.reassembly.Reason.Overlap));
  line.text(" timeouts=");
  line.decimal(net.reassembly.count(net.reassembly.Reason.Timeout));
  line.text(" in_progress=");
  line.decimal(net.reassembly.inProgress());
  line.text(" unreachable_sent=");
  line.decimal(net.icmp.unreachablesSent());
  line.text(" udp_malformed=");
  line.decimal(net.udp.malformedCount());
  log.publish();
  return echoed >= ECHOES && net.icmp.unreachablesSent() > 0;
}
