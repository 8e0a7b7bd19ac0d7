// disklabel.ts — writes GPT and MBR partition tables into disk images, for the
// tests (host and guest) and for making data disks. GPT per UEFI 2.10 §5.3:
// protective MBR, primary header at LBA 1 with 128 entries of 128 bytes from LBA
// 2, and the backup entries and header at the end of the disk.
import { randomBytes } from "node:crypto";

export interface Partition { first: number; sectors: number; type?: number }

const SECTOR = 512;
const ENTRIES = 128;
const ENTRY_SIZE = 128;
const ENTRY_SECTORS = (ENTRIES * ENTRY_SIZE) / SECTOR;
/** The "Linux filesystem data" type GUID, in its on-disk byte order. */
const LINUX_DATA = Buffer.from("af3dc60f838472478e793d69d8477de4", "hex");

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function mbrEntry(sector0: Buffer, index: number, type: number, first: number, sectors: number): void {
  const at = 446 + index * 16;
  sector0[at + 4] = type;
  sector0.writeUInt32LE(first, at + 8);
  sector0.writeUInt32LE(Math.min(sectors, 0xffffffff), at + 12);
}

/** Sector 0 with an MBR of up to four primary partitions. */
export function mbr(partitions: Partition[]): Buffer {
  const sector0 = Buffer.alloc(SECTOR);
  partitions.forEach((p, i) => mbrEntry(sector0, i, p.type ?? 0x83, p.first, p.sectors));
  sector0[510] = 0x55;
  sector0[511] = 0xaa;
  return sector0;
}

function gptHeader(myLba: number, alternateLba: number, entriesLba: number, totalSectors: number, diskGuid: Buffer, entriesCrc: number): Buffer {
  const header = Buffer.alloc(SECTOR);
  header.write("EFI PART", 0, "ascii");
  header.writeUInt32LE(0x00010000, 8);
  header.writeUInt32LE(92, 12);
  header.writeBigUInt64LE(BigInt(myLba), 24);
  header.writeBigUInt64LE(BigInt(alternateLba), 32);
  header.writeBigUInt64LE(BigInt(2 + ENTRY_SECTORS), 40);
  header.writeBigUInt64LE(BigInt(totalSectors - 2 - ENTRY_SECTORS), 48);
  diskGuid.copy(header, 56);
  header.writeBigUInt64LE(BigInt(entriesLba), 72);
  header.writeUInt32LE(ENTRIES, 80);
  header.writeUInt32LE(ENTRY_SIZE, 84);
  header.writeUInt32LE(entriesCrc, 88);
  header.writeUInt32LE(crc32(header.subarray(0, 92)), 16);
  return header;
}

/** The sectors of a GPT-labelled disk of `totalSectors`: [lba, bytes] pairs to write. */
export function gpt(totalSectors: number, partitions: Partition[]): [number, Buffer][] {
  const entries = Buffer.alloc(ENTRIES * ENTRY_SIZE);
  partitions.forEach((p, i) => {
    const at = i * ENTRY_SIZE;
    LINUX_DATA.copy(entries, at);
    randomBytes(16).copy(entries, at + 16);
    entries.writeBigUInt64LE(BigInt(p.first), at + 32);
    entries.writeBigUInt64LE(BigInt(p.first + p.sectors - 1), at + 40);
    entries.write(`part${i + 1}`, at + 56, "utf16le");
  });
  const entriesCrc = crc32(entries);
  const guid = randomBytes(16);
  const last = totalSectors - 1;
  const backupEntries = last - ENTRY_SECTORS;
  return [
    [0, mbr([{ first: 1, sectors: totalSectors - 1, type: 0xee }])],
    [1, gptHeader(1, last, 2, totalSectors, guid, entriesCrc)],
    [2, entries],
    [backupEntries, entries],
    [last, gptHeader(last, 1, backupEntries, totalSectors, guid, entriesCrc)],
  ];
}
