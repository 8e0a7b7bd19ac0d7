// Scenario net-udp-fragments: IPv4 fragmentation both ways over QEMU user
// networking (virtio-net). The host sends UDP datagrams of 3000, 6000 and 12000
// bytes to a forwarded port; slirp delivers each to the guest as fragments of at
// most 1500 bytes, the guest reassembles and echoes it, sending fragments that
// slirp reassembles for the host, which checks every byte. A datagram to a
// forwarded port nobody listens on is answered ICMP port unreachable.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createSocket } from "node:dgram";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

const SIZES = [3000, 6000, 12000];

function message(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + size) & 0xff;
  return bytes;
}

test("UDP datagrams of 3000 to 12000 bytes echoed through fragments; a closed port answered unreachable", async () => {
  const port = 21000 + (process.pid % 10000);
  const closedPort = port + 1;
  const socket = createSocket("udp4");
  const answered = new Set<number>();
  let wrong = 0;
  socket.on("message", (reply) => {
    const size = reply.length;
    if (SIZES.includes(size) && reply.equals(message(size))) answered.add(size);
    else wrong++;
  });
  let timer: NodeJS.Timeout | undefined;
  const start = () => {
    if (timer) return;
    // resent until answered: the guest may still be resolving the host's address
    timer = setInterval(() => {
      for (const size of SIZES) if (!answered.has(size)) socket.send(message(size), port, "127.0.0.1");
      socket.send("nobody listens", closedPort, "127.0.0.1");
    }, 400);
  };
  try {
    const result = await scenario("net-udp-fragments", "pvh", {
      extra: ["-nic", "none", "-netdev", `user,id=n0,hostfwd=udp:127.0.0.1:${port}-:7,hostfwd=udp:127.0.0.1:${closedPort}-:9`,
        "-device", "virtio-net-pci,netdev=n0"],
      watch: (output) => { if (/AIOS net udp-fragments ready/.test(output)) start(); },
    });
    expectStatus(result, STATUS_PASS);
    expectOutput(result, /AIOS net udp-fragments echoed=\d+ largest=12000 reassembled=\d+ overlaps=0 timeouts=0 in_progress=\d+ unreachable_sent=[1-9]\d* udp_malformed=0/);
    assert.equal([...answered].sort((a, b) => a - b), SIZES, "every size came back intact");
    assert.is(wrong, 0, "no damaged answer");
  } finally {
    clearInterval(timer);
    socket.close();
  }
});

test.run();
