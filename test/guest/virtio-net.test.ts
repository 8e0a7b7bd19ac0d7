// Scenarios virtio-net, virtio-net-tap, virtio-net-link: the virtio-net driver
// sends and receives frames. Through QEMU user networking (q35 and pc) the
// gateway answers ARP and 20 ICMP echoes. Through a tap device the host's own
// kernel answers, and half the echoes carry a checksum only the device filled
// (checksum offload; slirp offers none) — Linux drops an echo whose checksum is
// wrong. The tap test needs root and /dev/net/tun; without them it says so and
// checks nothing. Taking the link down from QEMU's monitor raises a
// configuration-change interrupt and the driver reports the link down.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

const USER_NIC = ["-nic", "none", "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"];
const READY = /virtio-net: [0-9a-f]{2}:[0-9a-f]{2}\.\d ready, mac 52:54:00:12:34:56, link up, 64 receive buffers, MSI-X/;

for (const machine of ["q35", "pc"]) {
  test(`${machine}: ARP and 20 pings to the user-networking gateway`, async () => {
    const result = await scenario("virtio-net", "pvh", { machine, extra: USER_NIC });
    expectStatus(result, STATUS_PASS);
    expectOutput(result, READY);
    expectOutput(result, /AIOS virtio-net link=up arp_reply=52:55:0a:00:02:02 pings=20\/20 sent=21 received=21 offload=no/);
  });
}

function ip(...args: string[]): boolean {
  return spawnSync("ip", args, { stdio: "ignore" }).status === 0;
}

test("tap: the host's kernel answers echoes whose checksum the device filled", async () => {
  const tap = `aiost${process.pid % 100000}`;
  if (!ip("tuntap", "add", "dev", tap, "mode", "tap")) {
    console.log(`  (skipped: cannot create tap device ${tap}; needs root and /dev/net/tun)`);
    return;
  }
  try {
    assert.ok(ip("addr", "add", "10.0.3.1/24", "dev", tap) && ip("link", "set", tap, "up"), "configure the tap");
    const result = await scenario("virtio-net-tap", "pvh", {
      extra: ["-nic", "none", "-netdev", `tap,id=n0,ifname=${tap},script=no,downscript=no,vnet_hdr=on`, "-device", "virtio-net-pci,netdev=n0"],
    });
    expectStatus(result, STATUS_PASS);
    expectOutput(result, /ready, mac 52:54:00:12:34:56, link up, 64 receive buffers, MSI-X, checksum offload/);
    expectOutput(result, /AIOS virtio-net link=up arp_reply=[0-9a-f:]{17} pings=20\/20 .* offload=yes/);
  } finally {
    ip("link", "del", tap);
  }
});

test("the link taken down by the host: a configuration interrupt, link down", async () => {
  const result = await scenario("virtio-net-link", "pvh", {
    extra: USER_NIC,
    monitor: { when: /AIOS virtio-net-link waiting/, command: "set_link n0 off" },
  });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS virtio-net-link link=down config_interrupts=[1-9]/);
});

test.run();
