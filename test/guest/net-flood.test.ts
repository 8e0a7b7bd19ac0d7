// Scenario net-flood: with the kernel API up, the guest hands its own receive
// path (the NIC's boundary) thousands of malformed frames — bad IPv4 and TCP
// checksums, headers cut short anywhere, data offsets and options running past
// the segment, overlapping fragments, random bytes — and a SYN flood of 1,000
// SYNs from 100 addresses. The host then checks the API still answers, over
// fresh and kept-alive connections, and the guest that no buffer leaked and the
// half-open connections stayed within their limit.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";
import { fetchReply, freePort, HealthConnection, knock } from "./httpclient.ts";

test("a flood of malformed frames and SYNs leaves the stack serving, with nothing leaked", async () => {
  const [port, control] = [await freePort(), await freePort()];
  const failures: string[] = [];
  let work: Promise<void> | undefined;
  const result = await scenario("net-flood", "pvh", {
    append: "aios.net=on", timeoutMs: 90_000,
    extra: ["-nic", "none", "-netdev", `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:9000,hostfwd=tcp:127.0.0.1:${control}-:9999`,
      "-device", "virtio-net-pci,netdev=n0"],
    watch: (output) => {
      if (!work && /AIOS net serve ready/.test(output)) {
        work = (async () => {
          for (let i = 0; i < 20; i++) {
            const reply = await fetchReply(port, "/health");
            if (reply.status !== 200) failures.push(`request ${i}: ${reply.status}`);
          }
          const kept = new HealthConnection(port);
          for (let i = 0; i < 20; i++) await kept.ask(10_000);
          kept.close();
        })().catch((e) => { failures.push(String(e)); }).finally(() => knock(control));
      }
    },
  });
  await work;
  assert.equal(failures, []);
  expectStatus(result, STATUS_PASS);
  const flood = /AIOS net flood done frames=(\d+) .* half_open=(\d+) .* tcp_malformed=(\d+) tcp_checksum=(\d+) ipv4_checksum=(\d+)/.exec(result.output);
  assert.ok(flood, "the flood's report");
  const [frames, halfOpen, malformed, tcpChecksum, ipChecksum] = flood!.slice(1).map(Number);
  assert.is(frames, 3800);
  assert.ok(halfOpen <= 128, `half-open after the SYN flood: ${halfOpen}`);
  assert.ok(malformed > 0 && tcpChecksum >= 400 && ipChecksum >= 400, `drops counted: ${flood![0]}`);
  expectOutput(result, /AIOS net serve done .* established=0 half_open=\d+ buffers=0/);
});

test.run();
