// Scenarios e1000 and e1000-link: the Intel 8254x driver against QEMU's user-mode
// network (slirp). The guest ARPs for the gateway 10.0.2.2, which only slirp can
// answer (with its own MAC, 52:55:0a:00:02:02), then pings it and checks the echo
// comes back with its id, sequence, payload and checksums; the device's own
// transmit and receive counters must agree with the driver's. With the link taken
// down from the QEMU monitor, the driver reports it down and refuses to send. The
// 82574L (e1000e) has MSI: the driver sleeps until a frame's interrupt; QEMU's
// 82540EM has none (and INTx routing needs ACPI's _PRT), so it is polled.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

const nic = (model: string, extra = "") => ["-nic", "none", "-netdev", "user,id=n0", "-device", `${model},netdev=n0${extra}`];
const READY = /e1000: [0-9a-f]{2}:[0-9a-f]{2}\.\d ready, mac 52:54:00:12:34:56, link up 1000 Mb\/s/;

function counters(output: string): Record<string, number> {
  const line = output.match(/AIOS e1000 counters (.*)/)?.[1] ?? "";
  return Object.fromEntries(line.trim().split(/\s+/).map((kv) => kv.split("=")).map(([k, v]) => [k, Number(v)]));
}

for (const [machine, model] of [["q35", "e1000"], ["pc", "e1000"], ["q35", "e1000e"]]) {
  test(`${machine}, ${model}: ARP for the gateway, then ping it`, async () => {
    const result = await scenario("e1000", "pvh", { machine, extra: nic(model) });
    expectStatus(result, STATUS_PASS);
    expectOutput(result, READY);
    expectOutput(result, /AIOS e1000 link=up arp_reply=52:55:0a:00:02:02 ping=ok limits=refused/);
    const c = counters(result.output);
    assert.is(c.sent, 2, "the ARP request and the echo request, reported done by the device");
    assert.is(c.device_sent, 2, "the device's good-packets-transmitted count");
    assert.is(c.sent_bytes, 60 + 74, "a padded ARP request and a 74-byte echo request");
    assert.ok(c.received >= 2 && c.device_received >= c.received, `received=${c.received} device_received=${c.device_received}`);
    assert.is(c.errors, 0);
    if (model === "e1000e") {
      expectOutput(result, /link up 1000 Mb\/s, MSI/);
      assert.ok(c.interrupts >= 1, `the replies arrived by interrupt (${c.interrupts})`);
    } else {
      expectOutput(result, /link up 1000 Mb\/s, polled/);
      assert.is(c.interrupts, 0);
    }
  });
}

test("pc: the link taken down from the monitor is reported down, and send() refuses", async () => {
  const result = await scenario("e1000-link", "pvh", {
    machine: "pc", extra: nic("e1000", ",id=nic0"),
    monitor: { when: /waiting for the link to go down/, command: "set_link nic0 off" },
  });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, READY);
  expectOutput(result, /AIOS e1000-link before=up after=down speed=0 send=refused/);
});

test.run();
