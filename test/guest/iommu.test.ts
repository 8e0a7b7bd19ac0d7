// Scenario iommu: q35 with QEMU's Intel IOMMU and a virtio-blk disk whose DMA goes
// through it (iommu_platform=on, a virtio 1.x-only device). The kernel brings the
// unit up with every PCI function in its own empty domain, round-trips 1 MiB
// through buffers the driver maps per transfer (checked on the host-side image
// too) and reads entropy from a virtio-rng behind the unit, then posts a read into a frame it never mapped: the frame must stay
// untouched and the unit must record a fault naming the disk. Run with the
// default unit (39-bit, 3-level tables) and with a 48-bit, caching-mode one.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";
import { expectedWords } from "./disks.ts";



const units: [string, string, RegExp][] = [
  ["intel-iommu", "the default unit: 3-level tables", /AIOS iommu unit version=\d+\.\d+ sagaw=0x2 levels=3 agaw=39 caching_mode=no/],
  ["intel-iommu,aw-bits=48,caching-mode=on", "a 48-bit unit in caching mode: 4-level tables", /AIOS iommu unit version=\d+\.\d+ sagaw=0x6 levels=4 agaw=48 caching_mode=yes/],
];

for (const [device, name, unitLine] of units) {
  test(`${name}: mapped DMA round-trips, unmapped DMA is blocked and recorded`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "aios-iommu-"));
    const image = join(dir, "disk.img");
    try {
      closeSync(openSync(image, "w"));
      truncateSync(image, 4 << 20);
      const booted = await scenario("iommu", "pvh", {
        machine: "q35",
        extra: ["-device", device, "-nic", "none",
          "-drive", `file=${image},if=none,id=d0,format=raw`, "-device", "virtio-blk-pci,drive=d0,iommu_platform=on,disable-legacy=on",
          "-device", "virtio-rng-pci,iommu_platform=on,disable-legacy=on"],
      });
      // QEMU reports each blocked DMA on its stderr too, which the harness interleaves
      // with the serial output, even in the middle of a line: taken out again here.
      const result = { ...booted, output: booted.output.replace(/qemu-system-x86_64: [^\n]*\n/g, "") };
      expectStatus(result, STATUS_PASS);
      expectOutput(result, /iommu: VT-d \d+\.\d+ at 0xfed90000: translation on/);
      expectOutput(result, unitLine);
      expectOutput(result, /AIOS iommu rng=ok/);
      expectOutput(result, /AIOS iommu map_unmap_1mib_ns=\d+/);
      expectOutput(result, /warn .*iommu: blocked DMA write by 00:0\d\.0 at 0x[0-9a-f]+: reason \d+/);
      expectOutput(result, /AIOS iommu fault source=00:0\d\.0 address_is_frame=yes reason=\d+ request=\w+ frame=untouched pages_at_rest=(\d+) pages_after=\1/);
      expectOutput(result, /AIOS iommu translation=on faults=[1-9]\d* blocked=yes roundtrip=ok/);

      // The 1 MiB went through the translated path all the way to the disk.
      const fd = openSync(image, "r");
      const written = Buffer.alloc(1 << 20);
      readSync(fd, written, 0, written.length, 2048 * 512);
      closeSync(fd);
      const words = expectedWords((1 << 20) / 8);
      for (const i of [0, 1, 4095, 65536, words.length - 1]) assert.is(written.readBigUInt64LE(i * 8), words[i], `word ${i} on disk`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// Every driver behind the unit: NVMe, AHCI and e1000 always go through QEMU's
// intel-iommu, virtio with iommu_platform=on. Each disk round-trips 10 MiB
// through the block layer (which maps each request's buffer) and no fault is
// recorded; then the e1000 answers ARP and ping through its mapped rings.
test("every driver's DMA goes through the unit: three disks verified, no faults", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aios-iommu-"));
  try {
    const disks = ["vd", "nvme", "sd"].map((name) => {
      const image = join(dir, `${name}.img`);
      closeSync(openSync(image, "w"));
      truncateSync(image, 16 << 20);
      return image;
    });
    const result = await scenario("verify-disks", "pvh", {
      extra: ["-device", "intel-iommu", "-nic", "none",
        "-drive", `file=${disks[0]},if=none,id=d0,format=raw`, "-device", "virtio-blk-pci,drive=d0,iommu_platform=on,disable-legacy=on",
        "-drive", `file=${disks[1]},if=none,id=d1,format=raw`, "-device", "nvme,serial=iommu0,drive=d1",
        "-drive", `file=${disks[2]},if=none,id=d2,format=raw`, "-device", "ide-hd,drive=d2,bus=ide.0"],
    });
    expectStatus(result, STATUS_PASS);
    expectOutput(result, /iommu: VT-d [\d.]+ at 0x\w+: translation on/);
    for (const name of ["vda", "nvme0n1", "sda"]) {
      expectOutput(result, new RegExp(`AIOS ${name} verified_mib=10 flush=ok past_end=refused straddle=refused unaligned=ok requests_left=0`));
    }
    assert.not.match(result.output, /iommu: fault/i);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("e1000 behind the unit: ARP and ping through its mapped rings", async () => {
  const result = await scenario("e1000", "pvh", {
    extra: ["-device", "intel-iommu", "-nic", "none", "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"],
  });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS e1000 link=up arp_reply=52:55:0a:00:02:02 ping=ok/);
  assert.not.match(result.output, /iommu: fault/i);
});

test.run();
