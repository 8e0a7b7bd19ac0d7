// Scenario nvme: the NVMe driver writes 10 MiB of xorshift data from byte 1 MiB
// (LBA 2048 in 512-byte sectors) in 1 MiB transfers cut into commands of up to
// MDTS, several in flight, reads it back, flushes, and has reads past the end
// refused. The test then opens the raw disk image on the host and checks the
// same xorshift stream really landed on it. A second boot shrinks MDTS to 16 KiB
// and formats 4 KiB blocks (many small commands: the completion queue wraps and
// its phase flips); a third attaches a controller with no namespace, which the
// driver must refuse while the kernel boots on.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, openSync, readSync, closeSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";
import { expectStreamOnImage } from "./disks.ts";



const variants = [
  { name: "default MDTS, 512-byte blocks", device: "", sector: 512, commandKib: 512 },
  { name: "MDTS of 16 KiB, 4 KiB blocks", device: ",mdts=2,logical_block_size=4096,physical_block_size=4096", sector: 4096, commandKib: 16 },
];

for (const variant of variants) {
  test(`q35: NVMe (${variant.name}) writes, reads back and flushes to the disk image`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "aios-nvme-"));
    const image = join(dir, "disk.img");
    try {
      closeSync(openSync(image, "w"));
      truncateSync(image, 32 << 20);
      const result = await scenario("nvme", "pvh", {
        machine: "q35",
        extra: ["-nic", "none", "-drive", `file=${image},if=none,id=n0,format=raw`,
          "-device", `nvme,serial=aios0,drive=n0${variant.device}`],
      });
      expectStatus(result, STATUS_PASS);
      expectOutput(result, new RegExp(String.raw`nvme: [0-9a-f]{2}:[0-9a-f]{2}\.\d ready, QEMU NVMe Ctrl, 32 MiB, ${variant.sector} B sectors, queue of \d+`));
      expectOutput(result, new RegExp(String.raw`AIOS nvme identify serial=aios0 sector=${variant.sector} command_kib=${variant.commandKib} interrupts=msi-x`));
      expectOutput(result, /AIOS nvme verified_mib=10 flush=ok past_end=refused straddle=refused unaligned=ok requests_left=0/);

      expectStreamOnImage(image);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("q35: an NVMe controller without a namespace is refused and the kernel boots on", async () => {
  const result = await scenario("boot", "pvh", { machine: "q35", extra: ["-nic", "none", "-device", "nvme,serial=empty0"] });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /warn +nvme: [0-9a-f]{2}:[0-9a-f]{2}\.\d refused: no namespace/);
  assert.not.match(result.output, /nvme: \S+ ready/);
});

test.run();
