// disk.ts — the file system over the kernel's block layer: device.ts's three
// functions bound to one block-layer disk, data moved through a physically
// contiguous bounce buffer (the cache and callers' buffers live in the kernel's
// linear memory, which the disk cannot reach by DMA). And at boot, the search
// for the first disk or partition carrying the AIOS file system's magic.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as block from "../block";
import * as line from "../line";
import * as log from "../log";
import { frames } from "../memory";
import { DIRECT_MAP_BASE } from "../memory/layout";
import { linearToVirtual } from "../physical";
import * as device from "./device";
import { BLOCK_BYTES } from "./device";
import * as superblock from "./superblock";
import * as mounting from "./mount";

const BOUNCE_BLOCKS: u32 = 16;            // 64 KiB
let disk: i32 = -1;
let sectorsPerBlock: u64 = 8;
let bounce: u64 = 0;                      // physical

function transfer(write: bool, first: u64, count: u32, buffer: usize): Errno {
  let done: u32 = 0;
  while (done < count) {
    const n = count - done < BOUNCE_BLOCKS ? count - done : BOUNCE_BLOCKS;
    const bytes = <u64>n * BLOCK_BYTES;
    const linear = linearToVirtual(buffer + <usize>done * BLOCK_BYTES);
    const sector = (first + <u64>done) * sectorsPerBlock;
    let r: Errno;
    if (write) {
      cpu.copy(DIRECT_MAP_BASE + bounce, linear, bytes);
      r = block.write(disk, sector, bounce, <u64>n * sectorsPerBlock);
    } else {
      r = block.read(disk, sector, bounce, <u64>n * sectorsPerBlock);
      if (r == Errno.Ok) cpu.copy(linear, DIRECT_MAP_BASE + bounce, bytes);
    }
    if (r != Errno.Ok) return r;
    done += n;
  }
  return Errno.Ok;
}

function readBlocks(first: u64, count: u32, buffer: usize): Errno { return transfer(false, first, count, buffer); }
function writeBlocks(first: u64, count: u32, buffer: usize): Errno { return transfer(true, first, count, buffer); }
/** A disk without a flush command (virtio-blk without VIRTIO_BLK_F_FLUSH, whose
 *  writes are then through; a SATA drive without FLUSH CACHE EXT) has nothing to
 *  flush: its barrier is the completion of the writes before it, which transfer()
 *  awaits. Mount says so. */
function flushDisk(): Errno { return block.queue.canFlush(disk) ? block.flush(disk) : Errno.Ok; }

/** Binds the file system's device to block-layer disk `d`. */
export function bind(d: i32): Errno {
  const sectorBytes = <u64>block.queue.sectorSize(d);
  if (sectorBytes == 0 || sectorBytes > BLOCK_BYTES || BLOCK_BYTES % <u32>sectorBytes != 0) return Errno.NotSupported;
  if (bounce == 0) bounce = frames.alloc(<u32>frames.orderFor(<u64>BOUNCE_BLOCKS * BLOCK_BYTES), frames.Owner.Kernel);
  if (bounce == 0) return Errno.ResourceExhausted;
  disk = d;
  sectorsPerBlock = <u64>BLOCK_BYTES / sectorBytes;
  device.bind(block.queue.capacity(d) / sectorsPerBlock, readBlocks, writeBlocks, flushDisk);
  return Errno.Ok;
}

/** The block-layer disk the file system is on, or -1. */
export function current(): i32 { return disk; }

const probe = memory.data(BLOCK_BYTES, BLOCK_BYTES);

/** At boot: mounts the first disk or partition whose block 0 carries the AIOS
 *  file system's magic; a disk without it is left alone (never formatted). */
export function mountFirst(): Errno {
  if (block.queue.count() == 0) return Errno.NotFound;
  for (let d = 0; d < block.queue.count(); d++) {
    if (bind(d) != Errno.Ok || device.blocks() < <u64>superblock.MIN_BLOCKS) continue;
    if (device.read(0, 1, probe) != Errno.Ok || !superblock.hasMagic(probe)) continue;
    log.begin(log.Level.Info);
    line.text("fs: AIOS file system on ");
    block.appendName(d);
    if (!block.queue.canFlush(d)) line.text(" (no flush command: fsync trusts the disk to write through)");
    log.end();
    return mounting.mount(block.queue.readOnly(d));
  }
  disk = -1;
  device.unbind();
  log.info("fs: no disk carries an AIOS file system");
  return Errno.NotFound;
}
