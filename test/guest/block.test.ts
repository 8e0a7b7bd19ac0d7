// The block layer in the guest. Scenario disks: partition tables written on the
// host by tools/disklabel.ts — GPT, MBR, a GPT whose primary header is corrupt
// (the backup is used, with a warning) and one whose both headers are (no
// partitions, the whole disk still works) — come up as vda1, vda2…; each
// partition's first sector holds a marker the guest reads back, and the guest
// writes through vda2 to where the host expects it. Scenario block-abi: an agent
// reaches a disk only through a Device capability, with rights and an I/O rate.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, truncateSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gpt, mbr } from "../../tools/disklabel.ts";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

const SECTORS = 65536;                      // 32 MiB
const P1 = { first: 2048, sectors: 8192 };
const P2 = { first: 10240, sectors: 20000 };

function withDisk(write: (fd: number) => void, check: (image: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "aios-block-"));
  const image = join(dir, "disk.img");
  const fd = openSync(image, "w");
  truncateSync(image, SECTORS * 512);
  write(fd);
  writeSync(fd, Buffer.from("AIOSP1\0\0"), 0, 8, P1.first * 512);
  writeSync(fd, Buffer.from("AIOSP2\0\0"), 0, 8, P2.first * 512);
  closeSync(fd);
  return check(image).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const disk = (image: string) => ["-nic", "none", "-drive", `file=${image},if=none,id=d0,format=raw`, "-device", "virtio-blk-pci,drive=d0"];

function writeSectors(fd: number, sectors: [number, Buffer][]): void {
  for (const [lba, bytes] of sectors) writeSync(fd, bytes, 0, bytes.length, lba * 512);
}

async function expectPartitions(image: string, table: string): Promise<string> {
  const result = await scenario("disks", "pvh", { extra: disk(image) });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, new RegExp(`block: vda: ${table}, 2 partition\\(s\\)`));
  expectOutput(result, /AIOS disk vda offset=0 sectors=65536 /);
  expectOutput(result, /AIOS disk vda1 offset=2048 sectors=8192 marker=AIOSP1\.\./);
  expectOutput(result, /AIOS disk vda2 offset=10240 sectors=20000 marker=AIOSP2\.\./);
  const fd = openSync(image, "r");
  const back = Buffer.alloc(8);
  readSync(fd, back, 0, 8, (P2.first + 1) * 512);
  closeSync(fd);
  assert.is(back.toString("latin1"), "GUESTP2!", "written through vda2 at its offset");
  return result.output;
}

test("GPT: partitions become vda1 and vda2, reads and writes land at their offsets", () =>
  withDisk((fd) => writeSectors(fd, gpt(SECTORS, [P1, P2])), (image) => expectPartitions(image, "GPT").then(() => {})));

test("MBR: the same through a classic partition table", () =>
  withDisk((fd) => writeSectors(fd, [[0, mbr([P1, P2])]]), (image) => expectPartitions(image, "MBR").then(() => {})));

test("GPT with a corrupt primary header: the backup is used, with a warning", () =>
  withDisk((fd) => {
    const sectors = gpt(SECTORS, [P1, P2]);
    sectors[1][1][70] ^= 0xff;                  // inside the primary header's CRC-covered bytes
    writeSectors(fd, sectors);
  }, async (image) => {
    const output = await expectPartitions(image, "GPT");
    assert.match(output, /warn +block: vda: primary GPT header corrupt; using the backup/);
  }));

test("GPT with both headers corrupt: refused with the reason, the whole disk still works", () =>
  withDisk((fd) => {
    const sectors = gpt(SECTORS, [P1, P2]);
    sectors[1][1][70] ^= 0xff;
    sectors[4][1][70] ^= 0xff;
    writeSectors(fd, sectors);
  }, async (image) => {
    const result = await scenario("disks", "pvh", { extra: disk(image) });
    expectStatus(result, STATUS_PASS);
    expectOutput(result, /warn +block: vda: GPT header \(and its backup\) corrupt; its partitions are not used/);
    expectOutput(result, /AIOS disk vda offset=0 sectors=65536 /);
    assert.not.match(result.output, /AIOS disk vda1/);
  }));

test("an agent reaches a disk only through a Device capability, within its I/O rate", () =>
  withDisk(() => {}, async (image) => {
    const result = await scenario("block-abi", "pvh", { extra: disk(image) });
    expectStatus(result, STATUS_PASS);
    expectOutput(result, /AIOS block-abi checks=ok unlimited_ms=\d+ limited_ms=\d+ floor_ms=1000/);
  }));

test.run();
