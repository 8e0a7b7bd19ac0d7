// superblock.ts — block 0: the magic, the format version and the geometry (where
// the journal, the block bitmap, the inode table and the data area lie), with a
// CRC-32C over it. Written once by mkfs and never again, so it needs no journal;
// free counts are recomputed from the bitmap at mount.
//
//   0 magic "AIOSFS01"   8 version   12 block bytes   16 blocks   20 inodes
//  24 journal start     28 journal blocks   32 bitmap start   36 bitmap blocks
//  40 inode start       44 inode blocks     48 data start     52 root inode
//  56 share start       60 share blocks     64 label[16]      ... 4092 crc32c of bytes 0..4092
import * as crc32c from "./crc32c";
import { BLOCK_BYTES } from "./device";

export const VERSION: u32 = 1;
export const INODE_BYTES: u32 = 128;
export const INODES_PER_BLOCK: u32 = BLOCK_BYTES / INODE_BYTES;
/** Each bitmap block keeps its last 4 bytes for its CRC. */
export const BITS_PER_BITMAP_BLOCK: u32 = (BLOCK_BYTES - 4) * 8;
/** The share map: a byte per block (owners past the first), 4 bytes of CRC per block. */
export const SHARES_PER_BLOCK: u32 = BLOCK_BYTES - 4;
export const JOURNAL_BLOCKS: u32 = 40;
export const ROOT_INODE: u32 = 1;
export const MIN_BLOCKS: u32 = 64;
export const CRC_AT: u32 = BLOCK_BYTES - 4;

const MAGIC = "AIOSFS01";

export const enum Field {
  Version = 8, BlockBytes = 12, Blocks = 16, Inodes = 20, JournalStart = 24, JournalBlocks = 28,
  BitmapStart = 32, BitmapBlocks = 36, InodeStart = 40, InodeBlocks = 44, DataStart = 48, RootInode = 52,
  ShareStart = 56, ShareBlocks = 60, Label = 64,
}

export const enum Verdict { Ok = 0, NoFilesystem = 1, BadChecksum = 2, BadVersion = 3, BadGeometry = 4 }

@inline export function field(sb: usize, which: Field): u32 { return load<u32>(sb + <usize>which); }

export function hasMagic(sb: usize): bool {
  for (let i = 0; i < 8; i++) if (load<u8>(sb + <usize>i) != <u8>MAGIC.charCodeAt(i)) return false;
  return true;
}

/** Fills block `sb` with a fresh superblock for a disk of `blocks` blocks and
 *  `inodes` inodes (0: one per 4 blocks); false when the disk is too small. */
export function format(sb: usize, blocks: u32, inodes: u32): bool {
  if (blocks < MIN_BLOCKS) return false;
  memory.fill(sb, 0, BLOCK_BYTES);
  for (let i = 0; i < 8; i++) store<u8>(sb + <usize>i, <u8>MAGIC.charCodeAt(i));
  if (inodes == 0) inodes = blocks / 4;
  if (inodes < 64) inodes = 64;
  if (inodes > 1 << 16) inodes = 1 << 16;
  inodes = (inodes + INODES_PER_BLOCK - 1) / INODES_PER_BLOCK * INODES_PER_BLOCK;
  const bitmapBlocks = (blocks + BITS_PER_BITMAP_BLOCK - 1) / BITS_PER_BITMAP_BLOCK;
  const shareBlocks = (blocks + SHARES_PER_BLOCK - 1) / SHARES_PER_BLOCK;
  store<u32>(sb + Field.Version, VERSION);
  store<u32>(sb + Field.BlockBytes, BLOCK_BYTES);
  store<u32>(sb + Field.Blocks, blocks);
  store<u32>(sb + Field.Inodes, inodes);
  store<u32>(sb + Field.JournalStart, 1);
  store<u32>(sb + Field.JournalBlocks, JOURNAL_BLOCKS);
  store<u32>(sb + Field.BitmapStart, 1 + JOURNAL_BLOCKS);
  store<u32>(sb + Field.BitmapBlocks, bitmapBlocks);
  store<u32>(sb + Field.ShareStart, 1 + JOURNAL_BLOCKS + bitmapBlocks);
  store<u32>(sb + Field.ShareBlocks, shareBlocks);
  store<u32>(sb + Field.InodeStart, 1 + JOURNAL_BLOCKS + bitmapBlocks + shareBlocks);
  store<u32>(sb + Field.InodeBlocks, inodes / INODES_PER_BLOCK);
  store<u32>(sb + Field.DataStart, 1 + JOURNAL_BLOCKS + bitmapBlocks + shareBlocks + inodes / INODES_PER_BLOCK);
  store<u32>(sb + Field.RootInode, ROOT_INODE);
  if (field(sb, Field.DataStart) + 8 > blocks) return false;
  seal(sb);
  return true;
}

export function seal(sb: usize): void { store<u32>(sb + CRC_AT, crc32c.checksum(sb, CRC_AT)); }

/** Checks a superblock read from a disk of `deviceBlocks` blocks: the magic, its
 *  CRC, the version, and a geometry whose regions lie in order inside the disk. */
export function check(sb: usize, deviceBlocks: u64): Verdict {
  if (!hasMagic(sb)) return Verdict.NoFilesystem;
  if (load<u32>(sb + CRC_AT) != crc32c.checksum(sb, CRC_AT)) return Verdict.BadChecksum;
  if (field(sb, Field.Version) != VERSION || field(sb, Field.BlockBytes) != BLOCK_BYTES) return Verdict.BadVersion;
  const blocks = field(sb, Field.Blocks);
  if (blocks < MIN_BLOCKS || <u64>blocks > deviceBlocks) return Verdict.BadGeometry;
  if (field(sb, Field.JournalStart) != 1 || field(sb, Field.JournalBlocks) < 8) return Verdict.BadGeometry;
  if (field(sb, Field.BitmapStart) != 1 + field(sb, Field.JournalBlocks)) return Verdict.BadGeometry;
  if (<u64>field(sb, Field.BitmapBlocks) * <u64>BITS_PER_BITMAP_BLOCK < <u64>blocks) return Verdict.BadGeometry;
  if (field(sb, Field.BitmapBlocks) > blocks) return Verdict.BadGeometry;
  if (field(sb, Field.ShareStart) != field(sb, Field.BitmapStart) + field(sb, Field.BitmapBlocks)) return Verdict.BadGeometry;
  if (<u64>field(sb, Field.ShareBlocks) * <u64>SHARES_PER_BLOCK < <u64>blocks || field(sb, Field.ShareBlocks) > blocks) return Verdict.BadGeometry;
  if (<u64>field(sb, Field.InodeStart) != <u64>field(sb, Field.ShareStart) + <u64>field(sb, Field.ShareBlocks)) return Verdict.BadGeometry;
  if (field(sb, Field.InodeBlocks) == 0 || field(sb, Field.InodeBlocks) > blocks) return Verdict.BadGeometry;
  if (<u64>field(sb, Field.Inodes) != <u64>field(sb, Field.InodeBlocks) * <u64>INODES_PER_BLOCK) return Verdict.BadGeometry;
  if (<u64>field(sb, Field.DataStart) != <u64>field(sb, Field.InodeStart) + <u64>field(sb, Field.InodeBlocks)) return Verdict.BadGeometry;
  if (field(sb, Field.DataStart) >= blocks) return Verdict.BadGeometry;
  if (field(sb, Field.RootInode) != ROOT_INODE) return Verdict.BadGeometry;
  return Verdict.Ok;
}
