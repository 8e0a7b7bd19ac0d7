// Scenario virtio-blk: the virtio-blk driver writes 10 MiB of xorshift data from
// sector 2048 in 1 MiB transfers of 64 KiB requests, eight in flight, reads it back, flushes, and has a read past the
// end refused. The test then opens the raw disk image on the host and checks the
// same xorshift stream really landed on it, so a driver that only round-trips
// through its own buffers cannot pass.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, openSync, readSync, writeSync, closeSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";
import { expectStreamOnImage } from "./disks.ts";



// q35 and pc with MSI-X (completions wake the waiting thread by interrupt), and
// q35 with the device's MSI-X taken away (vectors=0): the driver polls instead.
for (const [machine, vectors] of [["q35", ""], ["pc", ""], ["q35", ",vectors=0"]]) {
  test(`${machine}${vectors}: virtio-blk writes, reads back and flushes to the disk image`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "aios-blk-"));
    const image = join(dir, "disk.img");
    try {
      closeSync(openSync(image, "w"));
      truncateSync(image, 32 << 20);
      const result = await scenario("virtio-blk", "pvh", {
        machine,
        extra: ["-drive", `file=${image},if=none,id=d0,format=raw`, "-device", `virtio-blk-pci,drive=d0${vectors}`],
      });
      expectStatus(result, STATUS_PASS);
      if (vectors) {
        expectOutput(result, /virtio-blk: [0-9a-f]{2}:[0-9a-f]{2}\.\d ready, 32 MiB, queue of \d+, polled, event index/);
        expectOutput(result, /AIOS virtio-blk interrupts=0 /);
      } else {
        expectOutput(result, /virtio-blk: [0-9a-f]{2}:[0-9a-f]{2}\.\d ready, 32 MiB, queue of \d+ on MSI-X vector \d+, event index/);
        // 20 MiB moved in 320 requests of 64 KiB and one flush: completions come
        // by interrupt, and (the event index at work) far fewer than one each
        const interrupts = Number(/AIOS virtio-blk interrupts=(\d+)/.exec(result.output)?.[1]);
        assert.ok(interrupts >= 1 && interrupts < 321, `interrupts ${interrupts}`);
      }
      expectOutput(result, /AIOS virtio-blk verified_mib=10 flush=ok past_end=refused straddle=refused unaligned=ok requests_left=0/);

      expectStreamOnImage(image);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("a read-only drive: writes refused by the driver, reads still served", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aios-blk-"));
  const image = join(dir, "disk.img");
  try {
    const sector = Buffer.alloc(512, 0);
    for (let i = 0; i < 512; i++) sector[i] = i & 0xff;
    const fd = openSync(image, "w");
    writeSync(fd, sector, 0, 512, 2048 * 512);
    closeSync(fd);
    truncateSync(image, 4 << 20);
    const result = await scenario("virtio-blk-readonly", "pvh", {
      machine: "q35",
      extra: ["-drive", `file=${image},if=none,id=d0,format=raw,readonly=on`, "-device", "virtio-blk-pci,drive=d0"],
    });
    expectStatus(result, STATUS_PASS);
    expectOutput(result, /virtio-blk: [0-9a-f]{2}:[0-9a-f]{2}\.\d ready, 4 MiB, queue of \d+ on MSI-X vector \d+, event index, read-only/);
    expectOutput(result, /AIOS virtio-blk-readonly read_only=yes write=refused read=ok/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a legacy-only device (no virtio 1.x structures, no modern BAR) is refused and the boot goes on", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aios-blk-"));
  const image = join(dir, "disk.img");
  try {
    closeSync(openSync(image, "w"));
    truncateSync(image, 4 << 20);
    const result = await scenario("boot", "pvh", {
      machine: "pc",
      extra: ["-drive", `file=${image},if=none,id=d0,format=raw`, "-device", "virtio-blk-pci,drive=d0,disable-modern=on,disable-legacy=off"],
    });
    expectStatus(result, STATUS_PASS);
    expectOutput(result, /warn +virtio-blk: [0-9a-f]{2}:[0-9a-f]{2}\.\d refused: no virtio 1\.x structures/);
    assert.not.match(result.output, /block: vda/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
