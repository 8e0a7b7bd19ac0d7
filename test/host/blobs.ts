// blobs.ts — builders for boot-information blobs, recorded and hand-made.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FakeMachine } from "./fakehal.ts";

export const MB2_MAGIC = 0x36d76289;
export const PVH_MAGIC = 0x336ec578;

const FIXTURES = join("test", "host", "fixtures");

/** A machine holding a recorded loader hand-off; returns it with magic and address. */
export function recorded(kind: "pvh" | "multiboot2") {
  const spec = JSON.parse(readFileSync(join(FIXTURES, "recorded.json"), "utf8"))[kind];
  const machine = new FakeMachine();
  for (const region of spec.regions) machine.addPhysical(region.base, readFileSync(join(FIXTURES, region.file)));
  return { machine, magic: spec.magic as number, address: BigInt(spec.info) };
}

export interface Tag { type: number; data: Buffer; size?: number }

/** A multiboot2 information block; `size` on a tag overrides its header's size field. */
export function multiboot2(tags: Tag[], totalSizeOverride?: number): Buffer {
  const parts: Buffer[] = [];
  for (const tag of [...tags, { type: 0, data: Buffer.alloc(0) }]) {
    const header = Buffer.alloc(8);
    header.writeUInt32LE(tag.type, 0);
    header.writeUInt32LE(tag.size ?? 8 + tag.data.length, 4);
    const body = Buffer.concat([header, tag.data]);
    const padded = Buffer.alloc((body.length + 7) & ~7);
    body.copy(padded);
    parts.push(padded);
  }
  const blob = Buffer.concat([Buffer.alloc(8), ...parts]);
  blob.writeUInt32LE(totalSizeOverride ?? blob.length, 0);
  return blob;
}

export function mmapTag(entries: [bigint, bigint, number][], entrySize = 24): Tag {
  const data = Buffer.alloc(8 + entries.length * entrySize);
  data.writeUInt32LE(entrySize, 0);
  entries.forEach(([base, length, type], i) => {
    data.writeBigUInt64LE(base, 8 + i * entrySize);
    data.writeBigUInt64LE(length, 16 + i * entrySize);
    data.writeUInt32LE(type, 24 + i * entrySize);
  });
  return { type: 6, data };
}

export function cmdlineTag(text: string): Tag {
  return { type: 1, data: Buffer.from(text + "\0", "latin1") };
}

/** A valid ACPI 1.0 RSDP (20 bytes) with a correct checksum. */
export function rsdpV1(rsdtAddress = 0x7fe0000): Buffer {
  const rsdp = Buffer.alloc(20);
  rsdp.write("RSD PTR ", 0, "latin1");
  rsdp.write("AIOSFK", 9, "latin1");
  rsdp.writeUInt32LE(rsdtAddress, 16);
  let sum = 0;
  for (const b of rsdp) sum = (sum + b) & 0xff;
  rsdp[8] = (0x100 - sum) & 0xff;
  return rsdp;
}

/** A PVH start_info (version 1) with memory map and command line at given addresses. */
export function pvh(options: { version?: number; cmdline?: number; memmap?: number; entries?: number; modules?: number; modlist?: number; rsdp?: number }): Buffer {
  const info = Buffer.alloc(56);
  info.writeUInt32LE(PVH_MAGIC, 0);
  info.writeUInt32LE(options.version ?? 1, 4);
  info.writeUInt32LE(options.modules ?? 0, 12);
  info.writeBigUInt64LE(BigInt(options.modlist ?? 0), 16);
  info.writeBigUInt64LE(BigInt(options.cmdline ?? 0), 24);
  info.writeBigUInt64LE(BigInt(options.rsdp ?? 0), 32);
  info.writeBigUInt64LE(BigInt(options.memmap ?? 0), 40);
  info.writeUInt32LE(options.entries ?? 0, 48);
  return info;
}

export function e820(entries: [bigint, bigint, number][]): Buffer {
  const data = Buffer.alloc(entries.length * 24);
  entries.forEach(([base, length, type], i) => {
    data.writeBigUInt64LE(base, i * 24);
    data.writeBigUInt64LE(length, i * 24 + 8);
    data.writeUInt32LE(type, i * 24 + 16);
  });
  return data;
}
