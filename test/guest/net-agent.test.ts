// Scenario net-agent-echo: an agent's TCP echo server. The netecho agent holds a
// NetworkPort capability for port 7000 only; the guest checks it is refused other
// ports, a capability without Receive, forged and wrong-kind handles. Then the
// host makes six connections to it through a forwarded port — three at once,
// three one after another — and each gets its bytes back exactly; after the
// agent is killed its sockets are gone and the port is free. It may also connect
// out, to the host's port its capability names, and to nothing else.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect, createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";
import { freePort } from "./httpclient.ts";

function echo(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`echo timed out after ${got} of ${bytes.length} bytes`)); }, 30_000);
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (d: Buffer) => { chunks.push(d); got += d.length; if (got >= bytes.length) socket.end(); });
    socket.on("close", () => { clearTimeout(timer); resolve(Buffer.concat(chunks)); });
    socket.on("error", (e) => { clearTimeout(timer); reject(e); });
  });
}

test("an agent serves TCP echo on the port its capability covers, and nothing else", async () => {
  const port = await freePort();
  const failures: string[] = [];
  let accepted = 0;
  const server = createServer((socket) => { accepted++; socket.on("error", () => {}); socket.end(); });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const hostPort = (server.address() as { port: number }).port;
  let work: Promise<void> | undefined;
  const result = await scenario("net-agent-echo", "pvh", {
    append: `aios.net=on aios.test.port=${hostPort}`, timeoutMs: 90_000,
    extra: ["-nic", "none", "-netdev", `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:7000`, "-device", "virtio-net-pci,netdev=n0"],
    watch: (output) => {
      if (!work && /AIOS net agent ready/.test(output)) {
        work = (async () => {
          const check = async (bytes: Buffer) => {
            const back = await echo(port, bytes);
            if (!back.equals(bytes)) failures.push(`${bytes.length} bytes sent, ${back.length} came back${back.length === bytes.length ? " different" : ""}`);
          };
          await Promise.all([check(randomBytes(1000)), check(randomBytes(200_000)), check(Buffer.from("hello agent"))]);
          for (const size of [1, 70_000, 5000]) await check(randomBytes(size));
        })().catch((e) => { failures.push(String(e)); });
      }
    },
  });
  await work;
  server.close();
  assert.equal(failures, []);
  assert.is(accepted, 1, "the agent's one permitted connection reached the host");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS net agent done echoed=276012 checks=ok/);
});

test.run();
