// Scenario net-udp-echo: the network stack over virtio-net and over e1000 on QEMU
// user networking. It takes a DHCP lease from slirp's server (10.0.2.15, router
// 10.0.2.2, DNS 10.0.2.3), then serves UDP echo on port 7, which the host reaches
// through a forwarded port: three datagrams sent from the host come back intact
// (the guest resolves the sender by ARP to answer).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createSocket } from "node:dgram";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

function echoClient(port: number): { start: () => void; answers: Promise<string[]> } {
  const socket = createSocket("udp4");
  const answers: string[] = [];
  let resolveAll: (value: string[]) => void = () => {};
  const done = new Promise<string[]>((resolve) => { resolveAll = resolve; });
  let timer: NodeJS.Timeout | undefined;
  socket.on("message", (message) => {
    if (!answers.includes(message.toString())) answers.push(message.toString());
    if (answers.length === 3) { clearInterval(timer); socket.close(); resolveAll(answers); }
  });
  const start = () => {
    if (timer) return;
    // resent until answered: the guest may still be resolving the host's address
    timer = setInterval(() => {
      for (let i = 0; i < 3; i++) if (!answers.includes(`aios echo ${i}`)) socket.send(`aios echo ${i}`, port, "127.0.0.1");
    }, 300);
    setTimeout(() => { clearInterval(timer); try { socket.close(); } catch {} resolveAll(answers); }, 20_000);
  };
  return { start, answers: done };
}

for (const [nic, device] of [["virtio-net", "virtio-net-pci"], ["e1000", "e1000"]]) {
  test(`${nic}: a DHCP lease, then UDP echo answered to the host`, async () => {
    const port = 20000 + (process.pid % 10000) + (nic === "e1000" ? 1 : 0);
    const client = echoClient(port);
    const result = await scenario("net-udp-echo", "pvh", {
      extra: ["-nic", "none", "-netdev", `user,id=n0,hostfwd=udp:127.0.0.1:${port}-:7`, "-device", `${device},netdev=n0`],
      watch: (output) => { if (/AIOS net udp-echo ready/.test(output)) client.start(); },
    });
    const answers = await client.answers;
    expectStatus(result, STATUS_PASS);
    expectOutput(result, /net: 10\.0\.2\.15 netmask 255\.255\.255\.0 router 10\.0\.2\.2 dns 10\.0\.2\.3 from DHCP server 10\.0\.2\.2, lease \d+ s/);
    expectOutput(result, /AIOS net udp-echo echoed=\d+ .* udp_malformed=0/);
    assert.equal([...answers].sort(), ["aios echo 0", "aios echo 1", "aios echo 2"]);
  });
}

test.run();
