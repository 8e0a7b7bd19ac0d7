// Devices in a state their driver cannot use are refused with a clear warning
// and the boot goes on: a virtio queue of size 0 (virtio-blk, virtio-net and
// virtio-rng each refuse), a virtio device whose reset never finishes, and an
// NVMe controller reporting a fatal status (CSTS.CFS) when enabled. QEMU's
// devices cannot be put in these states from outside, so the kernel's
// aios.fault= option makes the register reads say so (cmdline.ts), and the real
// drivers take their real refusal paths. (A legacy-only virtio device without
// the virtio 1.x structures — a missing BAR — is in virtio-blk.test.ts; an NVMe
// controller without a namespace in nvme.test.ts.)
import { test } from "uvu";
import * as assert from "uvu/assert";
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

function withImage(run: (image: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "aios-bad-"));
  const image = join(dir, "disk.img");
  closeSync(openSync(image, "w"));
  truncateSync(image, 4 << 20);
  return run(image).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const ADDRESS = String.raw`[0-9a-f]{2}:[0-9a-f]{2}\.\d`;
const VIRTIO = (image: string) => ["-nic", "none", "-drive", `file=${image},if=none,id=d0,format=raw`, "-device", "virtio-blk-pci,drive=d0",
  "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0", "-device", "virtio-rng-pci"];

test("virtio queues of size 0: every virtio driver refuses its device, the boot goes on", () => withImage(async (image) => {
  const result = await scenario("boot", "pvh", { append: "aios.fault=virtio-queue-size-0", extra: VIRTIO(image) });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, new RegExp(`warn +virtio-blk: ${ADDRESS} refused: its request queue is missing or of size 0`));
  expectOutput(result, new RegExp(`warn +virtio-net: ${ADDRESS} refused: its receive or transmit queue is missing or of size 0`));
  expectOutput(result, new RegExp(`warn +virtio-rng: ${ADDRESS} refused: its queue is missing or of size 0`));
  assert.not.match(result.output, /block: vda/);
}));

test("a virtio reset that never finishes: refused after its timeout, the boot goes on", () => withImage(async (image) => {
  const result = await scenario("boot", "pvh", { append: "aios.fault=virtio-reset", extra: VIRTIO(image) });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, new RegExp(`warn +virtio-blk: ${ADDRESS} refused: the device did not reset or accept VERSION_1`));
  expectOutput(result, new RegExp(`warn +virtio-net: ${ADDRESS} refused: the device did not reset or accept VERSION_1`));
}));

test("an NVMe controller with a fatal status: refused, the boot goes on", () => withImage(async (image) => {
  const result = await scenario("boot", "pvh", {
    append: "aios.fault=nvme-fatal",
    extra: ["-nic", "none", "-drive", `file=${image},if=none,id=d0,format=raw`, "-device", "nvme,serial=bad0,drive=d0"],
  });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, new RegExp(`warn +nvme: ${ADDRESS} refused: reported a fatal status \\(CSTS\\.CFS\\)`));
  assert.not.match(result.output, /block: nvme0n1/);
}));

test("an unknown fault name is warned about and ignored", async () => {
  const result = await scenario("boot", "pvh", { append: "aios.fault=no-such-fault" });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /warn +cmdline: unknown fault 'no-such-fault' ignored/);
});

test.run();
