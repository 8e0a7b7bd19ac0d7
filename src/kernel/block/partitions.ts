// partitions.ts — the partition tables of a disk: GPT (UEFI spec 2.10 §5.3) and
// the classic MBR. Pure over sectors the caller read into kernel memory, so host
// tests feed it crafted and corrupted tables.
//   MBR, sector 0: 4 entries of 16 bytes at 446 (status, CHS, type at +4, CHS,
//     first LBA u32 at +8, sectors u32 at +12), then 0x55 0xAA at 510. Type 0xEE
//     covering the disk marks a protective MBR: the real table is the GPT.
//   GPT header, LBA 1 (its backup in the last LBA): "EFI PART" | revision |
//     header size u32 @12 | header CRC32 @16 | my LBA u64 @24 | alternate LBA @32 |
//     first usable @40 | last usable @48 | disk GUID @56 | entries LBA u64 @72 |
//     entry count u32 @80 | entry size u32 @84 | entries CRC32 @88.
//   GPT entry (entry size bytes, 128 usually): type GUID (zero: unused) | unique
//     GUID @16 | first LBA u64 @32 | last LBA u64 @40 (inclusive) | attributes @48 | name @56.
// Anything that does not check out (signature, CRC, bounds, overlap with the
// header's own sectors) is refused with the reason, never half-used.

export const MAX_PARTITIONS: i32 = 16;
export const MBR_PROTECTIVE: u8 = 0xee;
const MBR_ENTRIES: usize = 446;
const MBR_SIGNATURE: usize = 510;
const MBR_EXTENDED_CHS: u8 = 0x05;
const MBR_EXTENDED_LBA: u8 = 0x0f;
const GPT_SIGNATURE_LOW: u32 = 0x20494645;      // "EFI "
const GPT_SIGNATURE_HIGH: u32 = 0x54524150;     // "PART"
const GPT_MIN_HEADER: u32 = 92;
export const GPT_MAX_ENTRIES: u32 = 128;
const GPT_ENTRY_MIN: u32 = 128;

export const enum Table { None = 0, Mbr = 1, Gpt = 2 }

export const enum Verdict {
  Ok = 0,
  NoTable = 1,              // no 0x55AA: an unpartitioned disk
  BadHeader = 2,            // GPT signature, size or CRC wrong
  BadEntries = 3,           // GPT entries CRC wrong, or entries out of bounds
  BadPartition = 4,         // a partition outside the disk or overlapping another
}

// Results: up to MAX_PARTITIONS, in table order.
const firsts = memory.data(MAX_PARTITIONS * 8);
const counts = memory.data(MAX_PARTITIONS * 8);
const types = memory.data(MAX_PARTITIONS);      // MBR type byte; MBR_PROTECTIVE for GPT entries
let found: i32 = 0;
let tableKind: Table = Table.None;

export function count(): i32 { return found; }
export function first(i: i32): u64 { return load<u64>(firsts + <usize>i * 8); }
export function sectors(i: i32): u64 { return load<u64>(counts + <usize>i * 8); }
export function type(i: i32): u8 { return load<u8>(types + <usize>i); }
export function table(): Table { return tableKind; }

function add(start: u64, length: u64, kind: u8): void {
  if (found == MAX_PARTITIONS) return;
  store<u64>(firsts + <usize>found * 8, start);
  store<u64>(counts + <usize>found * 8, length);
  store<u8>(types + <usize>found, kind);
  found++;
}

/** Each partition inside [low, high] and none overlapping another. */
function consistent(low: u64, high: u64): bool {
  for (let i = 0; i < found; i++) {
    if (first(i) < low || sectors(i) == 0 || sectors(i) - 1 > high - first(i)) return false;
    for (let j = 0; j < i; j++) {
      if (first(i) < first(j) + sectors(j) && first(j) < first(i) + sectors(i)) return false;
    }
  }
  return true;
}

/** Reads the MBR in `sector0` (512 bytes) of a disk of `total` sectors. Ok with
 *  table() == Gpt when it is protective: call parseGpt next. Extended partitions
 *  are left out (logical partitions are not read yet). */
export function parseMbr(sector0: usize, total: u64): Verdict {
  found = 0;
  tableKind = Table.None;
  if (total < 2 || load<u8>(sector0 + MBR_SIGNATURE) != 0x55 || load<u8>(sector0 + MBR_SIGNATURE + 1) != 0xaa) return Verdict.NoTable;
  for (let i: usize = 0; i < 4; i++) {
    const entry = sector0 + MBR_ENTRIES + i * 16;
    const kind = load<u8>(entry + 4);
    if (kind == MBR_PROTECTIVE) { found = 0; tableKind = Table.Gpt; return Verdict.Ok; }
  }
  for (let i: usize = 0; i < 4; i++) {
    const entry = sector0 + MBR_ENTRIES + i * 16;
    const kind = load<u8>(entry + 4);
    const length = <u64>load<u32>(entry + 12);
    if (kind == 0 || length == 0 || kind == MBR_EXTENDED_CHS || kind == MBR_EXTENDED_LBA) continue;
    add(<u64>load<u32>(entry + 8), length, kind);
  }
  tableKind = Table.Mbr;
  if (!consistent(1, total - 1)) { found = 0; return Verdict.BadPartition; }
  return Verdict.Ok;
}

/** CRC-32 (IEEE 802.3, reflected, as GPT uses) of `length` bytes at `at`. */
export function crc32(at: usize, length: u32): u32 {
  let crc: u32 = 0xffff_ffff;
  for (let i: u32 = 0; i < length; i++) {
    crc ^= <u32>load<u8>(at + <usize>i);
    for (let bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xedb8_8320 & (0 - (crc & 1)));
  }
  return ~crc;
}

/** Checks the GPT header in `header` (one sector of `sectorSize`) read from LBA
 *  `at` of a `total`-sector disk. Ok, or BadHeader. */
export function checkGptHeader(header: usize, sectorSize: u32, at: u64, total: u64): Verdict {
  if (load<u32>(header) != GPT_SIGNATURE_LOW || load<u32>(header + 4) != GPT_SIGNATURE_HIGH) return Verdict.BadHeader;
  const size = load<u32>(header + 12);
  if (size < GPT_MIN_HEADER || size > sectorSize) return Verdict.BadHeader;
  const stored = load<u32>(header + 16);
  store<u32>(header + 16, 0);
  const computed = crc32(header, size);
  store<u32>(header + 16, stored);
  if (computed != stored || load<u64>(header + 24) != at) return Verdict.BadHeader;
  const firstUsable = load<u64>(header + 40);
  const lastUsable = load<u64>(header + 48);
  if (firstUsable < 2 || lastUsable >= total || firstUsable > lastUsable) return Verdict.BadHeader;
  const entries = load<u32>(header + 80);
  const entrySize = load<u32>(header + 84);
  if (entries == 0 || entries > GPT_MAX_ENTRIES || entrySize < GPT_ENTRY_MIN || entrySize % 8 != 0 || entrySize > 1024) return Verdict.BadHeader;
  const entriesLba = load<u64>(header + 72);
  const entrySectors = (<u64>entries * <u64>entrySize + sectorSize - 1) / sectorSize;
  if (entriesLba < 2 || entriesLba >= total || entrySectors > total - entriesLba) return Verdict.BadHeader;
  return Verdict.Ok;
}

export function gptEntriesLba(header: usize): u64 { return load<u64>(header + 72); }
/** Bytes of the entry array (at most GPT_MAX_ENTRIES × 1 KiB). */
export function gptEntriesBytes(header: usize): u32 { return load<u32>(header + 80) * load<u32>(header + 84); }

/** Reads the entry array `entries` of the checked header `header`. */
export function parseGptEntries(header: usize, entries: usize): Verdict {
  found = 0;
  tableKind = Table.Gpt;
  if (crc32(entries, gptEntriesBytes(header)) != load<u32>(header + 88)) return Verdict.BadEntries;
  const entrySize = <usize>load<u32>(header + 84);
  for (let i: usize = 0; i < <usize>load<u32>(header + 80); i++) {
    const entry = entries + i * entrySize;
    if (load<u64>(entry) == 0 && load<u64>(entry + 8) == 0) continue;     // unused
    const start = load<u64>(entry + 32);
    const last = load<u64>(entry + 40);
    if (last < start) { found = 0; return Verdict.BadPartition; }
    add(start, last - start + 1, MBR_PROTECTIVE);
  }
  if (!consistent(load<u64>(header + 40), load<u64>(header + 48))) { found = 0; return Verdict.BadPartition; }
  return Verdict.Ok;
}
