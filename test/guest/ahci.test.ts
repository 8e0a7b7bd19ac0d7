// Scenarios ahci and ahci-error: the AHCI driver on q35's built-in ICH9 controller
// and on pc with -device ahci. The ahci scenario writes 10 MiB of xorshift data
// from sector 2048 in 1 MiB transfers (commands in several slots), flushes, reads
// it back and has a read past the end refused; the test then opens the raw image
// on the host and checks the stream really landed there. Both command paths run:
// NCQ (FPDMA QUEUED) by default, READ/WRITE DMA EXT with aios.ahci.ncq=off.
// ahci-error has QEMU (blkdebug) fail one read: the driver must report
// DeviceError and recover the port so the next commands work.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, openSync, readSync, closeSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";
import { expectStreamOnImage } from "./disks.ts";



function withImage(body: (image: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "aios-ahci-"));
    const image = join(dir, "disk.img");
    try {
      closeSync(openSync(image, "w"));
      truncateSync(image, 32 << 20);
      await body(image);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}


test("q35: NCQ writes, flushes and reads back 10 MiB that land in the disk image", withImage(async (image) => {
  const result = await scenario("ahci", "pvh", {
    machine: "q35",
    extra: ["-drive", `file=${image},if=none,id=d0,format=raw`, "-device", "ide-hd,drive=d0,bus=ide.0"],
  });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /ahci: 00:1f\.2 port 0 ready, QEMU HARDDISK, 32 MiB, ncq=yes, slots=32/);
  expectOutput(result, /AIOS ahci verified_mib=10 flush=ok past_end=refused straddle=refused unaligned=ok requests_left=0/);
  expectOutput(result, /AIOS ahci ncq=yes interrupts=[1-9]\d*/);     // completions by MSI
  expectStreamOnImage(image);
}));

test("pc + -device ahci, ncq=off: DMA EXT commands; a CD-ROM on port 0 is skipped, the disk on port 2 used", withImage(async (image) => {
  const result = await scenario("ahci", "pvh", {
    machine: "pc",
    append: "aios.ahci.ncq=off",
    extra: ["-device", "ahci,id=ahci", "-device", "ide-cd,bus=ahci.0",
      "-drive", `file=${image},if=none,id=d0,format=raw`, "-device", "ide-hd,drive=d0,bus=ahci.2"],
  });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /info  ahci: [0-9a-f]{2}:[0-9a-f]{2}\.\d port 0: ATAPI device \(CD\/DVD\), not driven/);
  expectOutput(result, /ahci: [0-9a-f]{2}:[0-9a-f]{2}\.\d port 2 ready, QEMU HARDDISK, 32 MiB, ncq=no, slots=32/);
  expectOutput(result, /AIOS ahci verified_mib=10 flush=ok past_end=refused straddle=refused unaligned=ok requests_left=0/);
  expectOutput(result, /AIOS ahci ncq=no interrupts=[1-9]\d*/);
  expectStreamOnImage(image);
}));

for (const ncq of ["on", "off"]) {
  test(`q35, ncq=${ncq}: a read the host fails gives DeviceError, and the recovered port serves the next commands`, withImage(async (image) => {
    const drive = {
      driver: "raw", "node-name": "d0",
      file: { driver: "blkdebug", "inject-error": [{ event: "read_aio", sector: 4096, once: true }], image: { driver: "file", filename: image } },
    };
    const result = await scenario("ahci-error", "pvh", {
      machine: "q35",
      append: `aios.ahci.ncq=${ncq}`,
      extra: ["-blockdev", JSON.stringify(drive), "-device", "ide-hd,drive=d0,bus=ide.0"],
    });
    expectStatus(result, STATUS_PASS);
    expectOutput(result, /warn  ahci: 00:1f\.2 port 0: read of sectors 4088\+128 failed, status 0x\w\w error 0x\w\w causes 0x\w+; port restarted/);
    expectOutput(result, new RegExp(`AIOS ahci-error first=device_error after=ok retry=ok ncq=${ncq === "on" ? "yes" : "no"}`));
  }));
}

test("q35 without a disk: the controller is reported with no drives, and no warning", async () => {
  const result = await scenario("boot", "pvh", { machine: "q35", append: "aios.log=debug" });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /info  ahci: 00:1f\.2 AHCI 1\.0, 6 ports, 32 slots, ncq yes, 64-bit yes; 0 drives/);
  expectOutput(result, /debug ahci: 00:1f\.2 port 0: nothing attached/);
  assert.not.match(result.output, /(warn|error) +ahci/);
});

test.run();
