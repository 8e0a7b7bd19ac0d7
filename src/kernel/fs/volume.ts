// volume.ts — the one mounted file system's state: a copy of its superblock (the
// geometry every other file reads through the accessors here), whether it is
// mounted, and whether it has gone read-only (mounted so, or after a metadata
// checksum mismatch or a write error; the reason is kept for stat and logs).
import * as superblock from "./superblock";
import { BLOCK_BYTES } from "./device";

const sb = memory.data(BLOCK_BYTES);
let isMounted = false;
let isReadOnly = false;
let why: string = "";

export function superblockAddress(): usize { return sb; }
export function setMounted(on: bool): void { isMounted = on; if (!on) { isReadOnly = false; why = ""; } }
@inline export function mounted(): bool { return isMounted; }
@inline export function readOnly(): bool { return isReadOnly; }
export function reason(): string { return why; }
/** Makes the volume read-only from now on (the first reason is kept). */
export function fail(reason: string): void { if (!isReadOnly) why = reason; isReadOnly = true; }

@inline export function blocks(): u32 { return superblock.field(sb, superblock.Field.Blocks); }
@inline export function inodes(): u32 { return superblock.field(sb, superblock.Field.Inodes); }
@inline export function journalStart(): u32 { return superblock.field(sb, superblock.Field.JournalStart); }
@inline export function journalBlocks(): u32 { return superblock.field(sb, superblock.Field.JournalBlocks); }
@inline export function bitmapStart(): u32 { return superblock.field(sb, superblock.Field.BitmapStart); }
@inline export function bitmapBlocks(): u32 { return superblock.field(sb, superblock.Field.BitmapBlocks); }
@inline export function shareStart(): u32 { return superblock.field(sb, superblock.Field.ShareStart); }
@inline export function shareBlocks(): u32 { return superblock.field(sb, superblock.Field.ShareBlocks); }
@inline export function inodeStart(): u32 { return superblock.field(sb, superblock.Field.InodeStart); }
@inline export function inodeBlocks(): u32 { return superblock.field(sb, superblock.Field.InodeBlocks); }
@inline export function dataStart(): u32 { return superblock.field(sb, superblock.Field.DataStart); }

/** Bitmap and directory blocks carry a CRC-32C of the block in their last 4 bytes. */
@inline export function isBitmapBlock(block: u32): bool { return block >= bitmapStart() && block < bitmapStart() + bitmapBlocks(); }
@inline export function isShareBlock(block: u32): bool { return block >= shareStart() && block < shareStart() + shareBlocks(); }
@inline export function isInodeBlock(block: u32): bool { return block >= inodeStart() && block < inodeStart() + inodeBlocks(); }
