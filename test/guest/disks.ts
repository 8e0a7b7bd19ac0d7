// disks.ts — what the disk tests share: scratch raw images, and the check that
// the guest's round trip (selftest/block.ts: xorshift64 (13, 7, 17) from the
// golden-ratio seed, written from byte 1 MiB) really landed on the image.
import * as assert from "uvu/assert";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MASK = (1n << 64n) - 1n;
export const START = 2048 * 512;

/** The guest's generator: `count` words of xorshift64 (13, 7, 17) from the golden-ratio seed. */
export function expectedWords(count: number): bigint[] {
  let state = 0x9e3779b97f4a7c15n;
  const words: bigint[] = [];
  for (let i = 0; i < count; i++) {
    state ^= (state << 13n) & MASK;
    state ^= state >> 7n;
    state ^= (state << 17n) & MASK;
    words.push(state);
  }
  return words;
}

/** Runs `body` with a zeroed raw image of `bytes` in a fresh directory, removed after. */
export async function withScratchImage(bytes: number, body: (image: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "aios-disk-"));
  const image = join(dir, "disk.img");
  try {
    closeSync(openSync(image, "w"));
    truncateSync(image, bytes);
    await body(image);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first 4 KiB and the last word of `mib` MiB of the stream from START are on
 *  the image, and the sector before START is untouched. */
export function expectStreamOnImage(image: string, mib = 10): void {
  const fd = openSync(image, "r");
  const head = Buffer.alloc(4096);
  readSync(fd, head, 0, head.length, START);
  const tail = Buffer.alloc(8);
  readSync(fd, tail, 0, 8, START + (mib << 20) - 8);
  const before = Buffer.alloc(512);
  readSync(fd, before, 0, 512, START - 512);
  closeSync(fd);
  const words = expectedWords((mib << 20) / 8);
  for (let i = 0; i < head.length / 8; i++) assert.is(head.readBigUInt64LE(i * 8), words[i], `word ${i} on disk`);
  assert.is(tail.readBigUInt64LE(0), words[words.length - 1], "last word on disk");
  assert.ok(before.every((b) => b === 0), "the sector before the region is untouched");
}
