// ata.ts — the memory structures the HBA reads and the ATA data it returns, each
// encoded or decoded here once (host-tested): command headers and command tables
// with their PRDT (AHCI 1.3.1 §4.2), the register host-to-device FIS (SATA 3.x
// §10.5.5) for the ATA commands the driver sends (ACS-3), and the IDENTIFY DEVICE
// words it uses. Addresses passed in are kernel virtual (the direct map) unless
// named physical; the HBA itself is only ever given physical ones.
//   command header (32 bytes): DW0 CFL 4:0 | W 6 | PRDTL 31:16; DW1 PRDBC; DW2-3 CTBA
//   command table: +0x00 CFIS (64 bytes) | +0x40 ACMD | +0x80 PRDT, 16 bytes an entry
//   PRDT entry: DW0-1 DBA (even) | DW2 reserved | DW3 DBC 21:0 (bytes - 1, odd)
//   H2D FIS: 0 type 27h | 1 C<<7 | 2 command | 3 features 7:0 | 4-6 LBA 23:0 | 7 device
//            | 8-10 LBA 47:24 | 11 features 15:8 | 12-13 count | 14 ICC | 15 control
import { cpu } from "../../../hal";

export const SECTOR: u64 = 512;
export const HEADER_BYTES: u64 = 32;
export const COMMAND_LIST_BYTES: u64 = 32 * HEADER_BYTES;   // 32 slots, 1 KiB aligned
export const RECEIVED_FIS_BYTES: u64 = 256;                 // 256-byte aligned
export const TABLE_PRDT: u64 = 0x80;
export const PRDT_ENTRY_BYTES: u64 = 16;
export const PRDT_ENTRIES: u32 = 8;                          // per command table
/** A command table with PRDT_ENTRIES entries; a multiple of the 128 bytes CTBA needs. */
export const TABLE_BYTES: u64 = TABLE_PRDT + <u64>PRDT_ENTRIES * PRDT_ENTRY_BYTES;
export const PRDT_MAX_BYTES: u64 = 4 << 20;                  // DBC is 22 bits: 4 MiB an entry
/** The most one command moves: a 16-bit sector count where 0 means 65536. */
export const MAX_COMMAND_SECTORS: u64 = 65536;

const HEADER_CFL_MASK: u32 = 0x1f;         // command FIS length in DWORDs
const HEADER_WRITE: u32 = 1 << 6;          // data flows host to device
const HEADER_PRDTL_SHIFT: u32 = 16;
const PRDT_DBC_MASK: u32 = 0x3fffff;

const FIS_TYPE_REGISTER_H2D: u8 = 0x27;
const FIS_H2D_COMMAND: u8 = 1 << 7;        // C: the FIS carries a command, not a device control update
export const FIS_H2D_BYTES: u32 = 20;
const DEVICE_LBA: u8 = 1 << 6;             // LBA addressing (the only mode used)
const QUEUED_TAG_SHIFT: u32 = 3;           // NCQ: the tag sits in count bits 7:3

// ATA commands (ACS-3 §7)
export const ATA_IDENTIFY_DEVICE: u8 = 0xec;
export const ATA_READ_DMA_EXT: u8 = 0x25;
export const ATA_WRITE_DMA_EXT: u8 = 0x35;
export const ATA_FLUSH_CACHE_EXT: u8 = 0xea;
export const ATA_READ_FPDMA_QUEUED: u8 = 0x60;
export const ATA_WRITE_FPDMA_QUEUED: u8 = 0x61;

export const enum Direction { None = 0, FromDevice = 1, ToDevice = 2 }

/** Fills command header `entry`: a FIS of `fisBytes`, `prdtEntries` PRDT entries,
 *  its table at physical `table` (128-byte aligned); the byte count starts at 0. */
export function writeHeader(entry: u64, fisBytes: u32, direction: Direction, prdtEntries: u32, table: u64): void {
  let dw0 = (fisBytes / 4) & HEADER_CFL_MASK;
  if (direction == Direction.ToDevice) dw0 |= HEADER_WRITE;
  dw0 |= prdtEntries << HEADER_PRDTL_SHIFT;
  cpu.store32(entry, dw0);
  cpu.store32(entry + 4, 0);
  cpu.store32(entry + 8, <u32>table);
  cpu.store32(entry + 12, <u32>(table >> 32));
  cpu.store64(entry + 16, 0);
  cpu.store64(entry + 24, 0);
}

/** Describes physical `buffer` of `bytes` in the PRDT of command table `table`,
 *  in entries of up to 4 MiB; the number of entries, or -1 when the buffer is
 *  not word aligned, has an odd length or needs more than PRDT_ENTRIES. */
export function fillPrdt(table: u64, buffer: u64, bytes: u64): i32 {
  if ((buffer & 1) != 0 || (bytes & 1) != 0 || bytes == 0) return -1;
  if (bytes > <u64>PRDT_ENTRIES * PRDT_MAX_BYTES) return -1;
  let entries: i32 = 0;
  let done: u64 = 0;
  while (done < bytes) {
    const size = bytes - done < PRDT_MAX_BYTES ? bytes - done : PRDT_MAX_BYTES;
    const entry = table + TABLE_PRDT + <u64>entries * PRDT_ENTRY_BYTES;
    cpu.store32(entry, <u32>(buffer + done));
    cpu.store32(entry + 4, <u32>((buffer + done) >> 32));
    cpu.store32(entry + 8, 0);
    cpu.store32(entry + 12, <u32>(size - 1) & PRDT_DBC_MASK);   // no interrupt bit: polled
    done += size;
    entries++;
  }
  return entries;
}

/** Writes a register H2D FIS for `command` with the 48-bit `lba`, `count` and
 *  `features` fields as given (callers encode them per command). */
export function writeRegisterFis(fis: u64, command: u8, lba: u64, count: u16, features: u16, device: u8): void {
  cpu.store8(fis + 0, FIS_TYPE_REGISTER_H2D);
  cpu.store8(fis + 1, FIS_H2D_COMMAND);
  cpu.store8(fis + 2, command);
  cpu.store8(fis + 3, <u8>features);
  cpu.store8(fis + 4, <u8>lba);
  cpu.store8(fis + 5, <u8>(lba >> 8));
  cpu.store8(fis + 6, <u8>(lba >> 16));
  cpu.store8(fis + 7, device);
  cpu.store8(fis + 8, <u8>(lba >> 24));
  cpu.store8(fis + 9, <u8>(lba >> 32));
  cpu.store8(fis + 10, <u8>(lba >> 40));
  cpu.store8(fis + 11, <u8>(features >> 8));
  cpu.store8(fis + 12, <u8>count);
  cpu.store8(fis + 13, <u8>(count >> 8));
  cpu.store8(fis + 14, 0);               // ICC
  cpu.store8(fis + 15, 0);               // control
  cpu.store32(fis + 16, 0);
}

/** A command without data or address (IDENTIFY DEVICE, FLUSH CACHE EXT). */
export function writeSimpleFis(fis: u64, command: u8): void { writeRegisterFis(fis, command, 0, 0, 0, 0); }

/** READ/WRITE DMA EXT: sector count in the count field (65536 encoded as 0). */
export function writeDmaFis(fis: u64, command: u8, lba: u64, sectors: u64): void {
  writeRegisterFis(fis, command, lba, <u16>sectors, 0, DEVICE_LBA);
}

/** READ/WRITE FPDMA QUEUED (SATA 3.x §13.6.4): the sector count moves to the
 *  features field and the count field carries the tag, which is the slot. */
export function writeQueuedFis(fis: u64, command: u8, lba: u64, sectors: u64, tag: u32): void {
  writeRegisterFis(fis, command, lba, <u16>(tag << QUEUED_TAG_SHIFT), <u16>sectors, DEVICE_LBA);
}

// ---- IDENTIFY DEVICE data (ACS-3 §7.12.7): 256 little-endian words
const WORD_MODEL: u64 = 27;                // 27..46: 40 characters, two per word, first in the high byte
const MODEL_CHARACTERS: i32 = 40;
const WORD_SECTORS_28: u64 = 60;           // 60..61
const WORD_QUEUE_DEPTH: u64 = 75;          // bits 4:0: maximum queue depth - 1
const WORD_SATA_CAPABILITIES: u64 = 76;    // bit 8: NCQ supported
const WORD_COMMAND_SETS: u64 = 83;         // bit 10: 48-bit addresses, bit 13: FLUSH CACHE EXT; 15:14 = 01 when valid
const WORD_SECTORS_48: u64 = 100;          // 100..103
const WORD_SECTOR_SIZE: u64 = 106;         // bit 12: logical sectors longer than 256 words; 15:14 = 01 when valid
const WORD_LOGICAL_SECTOR_WORDS: u64 = 117; // 117..118
const QUEUE_DEPTH_MASK: u16 = 0x1f;
const SATA_NCQ: u16 = 1 << 8;
const COMMAND_SETS_LBA48: u16 = 1 << 10;
const COMMAND_SETS_FLUSH_EXT: u16 = 1 << 13;
const SECTOR_SIZE_LONG_LOGICAL: u16 = 1 << 12;
const WORD_VALID_MASK: u16 = 0xc000;       // bits 15:14 of words 83 and 106 ...
const WORD_VALID: u16 = 0x4000;            // ... read 01 when the word is filled in

function word(identify: u64, index: u64): u16 { return cpu.load16(identify + index * 2); }

/** True when the drive takes 48-bit addresses (the EXT and FPDMA commands). */
export function identifyLba48(identify: u64): bool {
  const sets = word(identify, WORD_COMMAND_SETS);
  return (sets & WORD_VALID_MASK) == WORD_VALID && (sets & COMMAND_SETS_LBA48) != 0;
}

/** True when the drive implements FLUSH CACHE EXT. */
export function identifyFlushExt(identify: u64): bool {
  const sets = word(identify, WORD_COMMAND_SETS);
  return (sets & WORD_VALID_MASK) == WORD_VALID && (sets & COMMAND_SETS_FLUSH_EXT) != 0;
}

/** Addressable sectors: words 100..103 on a 48-bit drive, else 60..61. */
export function identifySectors(identify: u64): u64 {
  if (identifyLba48(identify)) {
    return <u64>word(identify, WORD_SECTORS_48) | (<u64>word(identify, WORD_SECTORS_48 + 1) << 16)
      | (<u64>word(identify, WORD_SECTORS_48 + 2) << 32) | (<u64>word(identify, WORD_SECTORS_48 + 3) << 48);
  }
  return <u64>word(identify, WORD_SECTORS_28) | (<u64>word(identify, WORD_SECTORS_28 + 1) << 16);
}

/** The NCQ queue depth the drive offers, 0 without NCQ (word 76 reads 0 or
 *  all ones on devices that do not report SATA capabilities). */
export function identifyQueueDepth(identify: u64): u32 {
  const sata = word(identify, WORD_SATA_CAPABILITIES);
  if (sata == 0xffff || (sata & SATA_NCQ) == 0) return 0;
  return <u32>(word(identify, WORD_QUEUE_DEPTH) & QUEUE_DEPTH_MASK) + 1;
}

/** Bytes in a logical sector: 512 unless word 106 says longer (then 117..118). */
export function identifyLogicalSectorBytes(identify: u64): u32 {
  const size = word(identify, WORD_SECTOR_SIZE);
  if ((size & WORD_VALID_MASK) != WORD_VALID || (size & SECTOR_SIZE_LONG_LOGICAL) == 0) return <u32>SECTOR;
  return (<u32>word(identify, WORD_LOGICAL_SECTOR_WORDS) | (<u32>word(identify, WORD_LOGICAL_SECTOR_WORDS + 1) << 16)) * 2;
}

/** Copies the model number into `destination` (40 bytes), swapping each word's
 *  bytes into reading order; the length without trailing spaces. */
export function identifyModel(identify: u64, destination: usize): i32 {
  let length = 0;
  for (let i = 0; i < MODEL_CHARACTERS; i += 2) {
    const pair = word(identify, WORD_MODEL + <u64>(i / 2));
    store<u8>(destination + <usize>i, <u8>(pair >> 8));
    store<u8>(destination + <usize>i + 1, <u8>pair);
  }
  for (let i = 0; i < MODEL_CHARACTERS; i++) {
    const c = load<u8>(destination + <usize>i);
    if (c != 0x20 && c != 0) length = i + 1;
  }
  return length;
}
