// mkfs.ts — formats the bound device: the superblock, an empty journal, the block
// bitmap with the metadata area marked used, an empty share map, a zeroed inode table holding only the
// root directory (inode 1, empty). Written straight to the disk and flushed;
// nothing is mounted.
import { Errno } from "../../abi";
import * as cache from "./cache";
import * as device from "./device";
import { BLOCK_BYTES } from "./device";
import * as inode from "./inode";
import * as superblock from "./superblock";
import { BITS_PER_BITMAP_BLOCK, INODE_BYTES, ROOT_INODE } from "./superblock";

const buffer = memory.data(BLOCK_BYTES, BLOCK_BYTES);
const sb = memory.data(BLOCK_BYTES, BLOCK_BYTES);

/** Formats the first `blocks` blocks of the device (0: all of it) with `inodes`
 *  inodes (0: one per 4 blocks). */
export function format(blocks: u32, inodes: u32): Errno {
  const total = blocks == 0 ? (device.blocks() > 0xffffffff ? 0xffffffff : <u32>device.blocks()) : blocks;
  if (<u64>total > device.blocks()) return Errno.InvalidArgument;
  if (!superblock.format(sb, total, inodes)) return Errno.InvalidArgument;
  memory.fill(buffer, 0, BLOCK_BYTES);
  const journalStart = superblock.field(sb, superblock.Field.JournalStart);
  for (let b: u32 = 0; b < superblock.field(sb, superblock.Field.JournalBlocks); b++) {
    const r = device.write(journalStart + b, 1, buffer);
    if (r != Errno.Ok) return r;
  }
  const dataStart = superblock.field(sb, superblock.Field.DataStart);
  const bitmapStart = superblock.field(sb, superblock.Field.BitmapStart);
  for (let b: u32 = 0; b < superblock.field(sb, superblock.Field.BitmapBlocks); b++) {
    memory.fill(buffer, 0, BLOCK_BYTES);
    for (let bit: u32 = 0; bit < BITS_PER_BITMAP_BLOCK; bit++) {
      const block = b * BITS_PER_BITMAP_BLOCK + bit;
      if (block >= dataStart) break;
      store<u8>(buffer + (bit >> 3), load<u8>(buffer + (bit >> 3)) | <u8>(<u32>1 << (bit & 7)));
    }
    cache.seal(buffer);
    const r = device.write(bitmapStart + b, 1, buffer);
    if (r != Errno.Ok) return r;
  }
  const shareStart = superblock.field(sb, superblock.Field.ShareStart);
  for (let b: u32 = 0; b < superblock.field(sb, superblock.Field.ShareBlocks); b++) {
    memory.fill(buffer, 0, BLOCK_BYTES);
    cache.seal(buffer);
    const r = device.write(shareStart + b, 1, buffer);
    if (r != Errno.Ok) return r;
  }
  const inodeStart = superblock.field(sb, superblock.Field.InodeStart);
  for (let b: u32 = 0; b < superblock.field(sb, superblock.Field.InodeBlocks); b++) {
    memory.fill(buffer, 0, BLOCK_BYTES);
    if (b == 0) inode.formatRoot(buffer + <usize>ROOT_INODE * INODE_BYTES);
    const r = device.write(inodeStart + b, 1, buffer);
    if (r != Errno.Ok) return r;
  }
  let r = device.flush();
  if (r != Errno.Ok) return r;
  // the superblock last: a format cut short is not a file system
  r = device.write(0, 1, sb);
  if (r != Errno.Ok) return r;
  return device.flush();
}
