// fsck.ts — checks every invariant of a mounted (quiescent) volume, read-only:
// each inode's CRC, kind and extents (inside the data area, a block owned twice
// only when the share map says it is shared — the exact number of owners past two
// is not counted —, exactly the blocks its size needs); the tree from the root (every directory
// block's CRC, valid names, no duplicates, entry kinds matching, each inode linked
// exactly once — a second link is a directory loop —, parents recorded right);
// no orphan inodes; and the block bitmap equal to the blocks actually owned.
// Each problem is logged (the first MAX_LOGGED) and counted; nothing is repaired.
import * as line from "../line";
import * as log from "../log";
import * as cache from "./cache";
import { BLOCK_BYTES } from "./device";
import * as directory from "./directory";
import * as extents from "./extents";
import * as inode from "./inode";
import { INODE_BYTES, INODES_PER_BLOCK, ROOT_INODE } from "./superblock";
import * as bitmap from "./bitmap";
import * as share from "./share";
import * as volume from "./volume";

/** The largest volume fsck can check: one bit per block and per inode here. */
export const MAX_BLOCKS: u32 = 1 << 18;      // 1 GiB
export const MAX_INODES: u32 = 1 << 16;
const MAX_DIRECTORIES: u32 = 4096;
const MAX_LOGGED: u32 = 12;
const owned = memory.data(<i32>(MAX_BLOCKS / 8));
const ownedAgain = memory.data(<i32>(MAX_BLOCKS / 8));   // owned by a second file (a snapshot's)
const linked = memory.data(<i32>(MAX_INODES / 8));
const pending = memory.data(<i32>MAX_DIRECTORIES * 4);
const entry = memory.data(64);

let problems: u32 = 0;
let highestGeneration: u32 = 0;
/** The highest inode generation seen by the last run. */
export function maxGeneration(): u32 { return highestGeneration; }
let files: u32 = 0, directories: u32 = 0, usedBlocks: u32 = 0;
export function fileCount(): u32 { return files; }
/** The problems the last run found. */
export function lastProblems(): u32 { return problems; }
export function directoryCount(): u32 { return directories; }
export function usedBlockCount(): u32 { return usedBlocks; }

@inline function testBit(map: usize, i: u32): bool { return (load<u8>(map + (i >> 3)) >> <u8>(i & 7) & 1) != 0; }
@inline function setBit(map: usize, i: u32): void { store<u8>(map + (i >> 3), load<u8>(map + (i >> 3)) | <u8>(<u32>1 << (i & 7))); }

function problem(text: string, a: u64, more: string, b: u64): void {
  problems++;
  if (problems > MAX_LOGGED) return;
  log.begin(log.Level.Warn);
  line.text("fsck: ");
  line.text(text);
  line.decimal(a);
  if (more.length > 0) { line.text(more); line.decimal(b); }
  log.end();
}

/** The raw inode `ino` from the cache (unchecked), or 0. */
function raw(ino: u32): usize {
  const block = cache.get(volume.inodeStart() + ino / INODES_PER_BLOCK, cache.Kind.Plain);
  return block == 0 ? 0 : block + <usize>(ino % INODES_PER_BLOCK) * INODE_BYTES;
}

/** An inode that passed the first pass (in use, sound), or 0. */
function sound(ino: u32): usize {
  if (ino == 0 || ino >= volume.inodes()) return 0;
  const at = raw(ino);
  if (at == 0 || !inode.valid(at) || inode.kind(at) == inode.Kind.Free) return 0;
  return at;
}

function checkInodes(): void {
  for (let ino: u32 = 1; ino < volume.inodes(); ino++) {
    const at = raw(ino);
    if (at == 0) { problem("inode table unreadable at inode ", ino, "", 0); continue; }
    if (!inode.valid(at)) { problem("inode checksum mismatch: inode ", ino, "", 0); continue; }
    const kind = inode.kind(at);
    if (kind == inode.Kind.Free) continue;
    if (kind != inode.Kind.File && kind != inode.Kind.Directory) { problem("bad kind in inode ", ino, " kind=", kind); continue; }
    if (kind == inode.Kind.File) files++; else directories++;
    if (load<u32>(at + inode.GENERATION) > highestGeneration) highestGeneration = load<u32>(at + inode.GENERATION);
    const count = inode.extentCount(at);
    if (count > extents.MAX) { problem("too many extents in inode ", ino, "", 0); continue; }
    const indirect = extents.indirectBlock(at);
    if (count > extents.INLINE && indirect == 0) { problem("extents past the inode but no indirect block: inode ", ino, "", 0); continue; }
    if (indirect != 0) {
      if (indirect < volume.dataStart() || indirect >= volume.blocks()) { problem("indirect extent block outside the data area in inode ", ino, " block ", indirect); continue; }
      if (testBit(owned, indirect)) problem("block claimed twice: block ", indirect, " again by inode ", ino);
      setBit(owned, indirect);
      if (cache.get(indirect, cache.Kind.Sealed) == 0) { problem("indirect extent block checksum mismatch or unreadable: inode ", ino, " block ", indirect); continue; }
    }
    let total: u64 = 0;
    for (let i: u32 = 0; i < count; i++) {
      const start = extents.start(raw(ino), i);
      const length = extents.length(raw(ino), i);
      if (length == 0 || start < volume.dataStart() || <u64>start + <u64>length > <u64>volume.blocks()) {
        problem("extent outside the data area in inode ", ino, " start=", start);
        continue;
      }
      for (let b: u32 = 0; b < length; b++) {
        if (testBit(owned, start + b)) setBit(ownedAgain, start + b);   // allowed when the share map says so (checked below)
        setBit(owned, start + b);
      }
      total += length;
    }
    const size = inode.size(at);
    const needed = (size + BLOCK_BYTES - 1) / BLOCK_BYTES;
    if (total != needed) problem("size and blocks disagree in inode ", ino, " blocks=", total);
    if (kind == inode.Kind.Directory && (size & (BLOCK_BYTES - 1)) != 0) problem("directory size not whole blocks in inode ", ino, "", 0);
  }
}

function checkTree(): void {
  const root = sound(ROOT_INODE);
  if (root == 0 || inode.kind(root) != inode.Kind.Directory) { problem("root directory missing or corrupt: inode ", ROOT_INODE, "", 0); return; }
  setBit(linked, ROOT_INODE);
  store<u32>(pending, ROOT_INODE);
  let depth: u32 = 1;
  while (depth > 0) {
    depth--;
    const dir = load<u32>(pending + <usize>depth * 4);
    let at = sound(dir);
    if (at == 0) continue;
    const blocks = <u32>(inode.size(at) / BLOCK_BYTES);
    for (let b: u32 = 0; b < blocks; b++) {
      let position = <u32>0;
      at = sound(dir);
      if (at == 0) break;
      // each directory block through the cache, CRC checked
      const next = directory.next(dir, b * directory.ENTRIES_PER_BLOCK, entry);
      if (next < -1) { problem("directory block checksum mismatch or unreadable: directory ", dir, " block index ", b); continue; }
      position = b * directory.ENTRIES_PER_BLOCK;
      while (true) {
        const found = directory.next(dir, position, entry);
        if (found < 0 || <u32>found >= (b + 1) * directory.ENTRIES_PER_BLOCK) break;
        position = <u32>found + 1;
        const child = load<u32>(entry);
        const nameLength = <u32>load<u8>(entry + 5);
        if (!directory.validName(entry + 6, nameLength)) problem("invalid name in directory ", dir, " entry ", found);
        const childAt = sound(child);
        if (childAt == 0) { problem("entry names a free or corrupt inode: directory ", dir, " inode ", child); continue; }
        if (<u32>load<u8>(entry + 4) != <u32>inode.kind(childAt)) problem("entry kind differs from the inode's: inode ", child, "", 0);
        if (<u64>directory.lookup(dir, entry + 6, nameLength) != <u64>child) problem("duplicate name in directory ", dir, " inode ", child);
        if (testBit(linked, child)) { problem("inode linked twice (a directory loop?): inode ", child, " in directory ", dir); continue; }
        setBit(linked, child);
        if (inode.kind(childAt) == inode.Kind.Directory) {
          if (inode.parent(childAt) != dir) problem("directory's parent is wrong: inode ", child, " parent=", inode.parent(childAt));
          if (depth >= MAX_DIRECTORIES) { problem("too many directories to check: ", depth, "", 0); return; }
          store<u32>(pending + <usize>depth * 4, child);
          depth++;
        }
      }
    }
  }
  for (let ino: u32 = 1; ino < volume.inodes(); ino++) {
    if (sound(ino) != 0 && !testBit(linked, ino)) problem("orphan inode (in no directory): inode ", ino, "", 0);
  }
}

function checkBitmap(): void {
  let free: u32 = 0;
  for (let b: u32 = 0; b < volume.blocks(); b++) {
    const shared = share.extra(b);
    if (shared < 0) { problem("share map unreadable or checksum mismatch near block ", b, "", 0); return; }
    if (testBit(ownedAgain, b) && shared == 0) problem("block claimed twice but not shared: block ", b, "", 0);
    if (shared > 0 && !testBit(ownedAgain, b)) problem("block marked shared with one owner or none: block ", b, " extra owners=", shared);
    const used = bitmap.used(b);
    if (used < 0) { problem("block bitmap unreadable or checksum mismatch near block ", b, "", 0); return; }
    const should = b < volume.dataStart() || testBit(owned, b);
    if (should) usedBlocks++;
    if (used == 0) free++;
    if (should && used == 0) problem("block in use but free in the bitmap: block ", b, "", 0);
    if (!should && used == 1) problem("block marked used but owned by nothing: block ", b, "", 0);
  }
  if (free != bitmap.free()) problem("free count differs from the bitmap: counted ", free, " kept ", bitmap.free());
}

/** Whether fsck's maps cover the mounted volume. */
export function fits(): bool { return volume.blocks() <= MAX_BLOCKS && volume.inodes() <= MAX_INODES; }

/** Checks the mounted volume; the number of problems found (0: sound). */
export function run(): u32 {
  problems = 0; files = 0; directories = 0; usedBlocks = 0; highestGeneration = 0;
  if (volume.blocks() > MAX_BLOCKS || volume.inodes() > MAX_INODES) { problem("volume too large for fsck, blocks=", volume.blocks(), "", 0); return problems; }
  memory.fill(owned, 0, (volume.blocks() + 7) / 8);
  memory.fill(ownedAgain, 0, (volume.blocks() + 7) / 8);
  memory.fill(linked, 0, (volume.inodes() + 7) / 8);
  checkInodes();
  checkTree();
  checkBitmap();
  return problems;
}
