// setup.ts — from the boot memory map to a running frame allocator and the
// kernel's own page tables. Every usable range is handed to the allocator except
// what must never be: the first MiB, the kernel image (with its .bss and boot
// stacks), boot modules, the loader's own structures, and the allocator's
// metadata. Memory below 4 GiB first (the boot tables map only that much), then
// the rest once the kernel's direct map covers it.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import { info as bootInfo, memorymap } from "../bootinfo";
import * as line from "../line";
import * as log from "../log";
import * as frames from "./frames";
import * as kernelspace from "./kernelspace";

const LOW_LIMIT: u64 = 1 << 20;
const BOOT_MAPPED: u64 = 4 << 30;
const MAX_RESERVED: i32 = 32;
const reservedStart = memory.data(MAX_RESERVED * 8);
const reservedEnd = memory.data(MAX_RESERVED * 8);
let reservedCount: i32 = 0;
let reservedBytes: u64 = 0;

function reserve(start: u64, end: u64): void {
  if (end <= start || reservedCount == MAX_RESERVED) return;
  store<u64>(reservedStart + <usize>reservedCount * 8, start);
  store<u64>(reservedEnd + <usize>reservedCount * 8, end);
  reservedCount++;
}

/** The first reserved range overlapping [start, end), or -1. */
function overlapping(start: u64, end: u64): i32 {
  for (let i = 0; i < reservedCount; i++) {
    if (load<u64>(reservedStart + <usize>i * 8) < end && load<u64>(reservedEnd + <usize>i * 8) > start) return i;
  }
  return -1;
}

/** Releases [start, end) minus every reserved range, clipped to [low, high). */
function releasePieces(start: u64, end: u64, low: u64, high: u64): void {
  if (start < low) start = low;
  if (end > high) end = high;
  while (start < end) {
    const hit = overlapping(start, end);
    if (hit < 0) { frames.release(start, end); return; }
    const hitStart = load<u64>(reservedStart + <usize>hit * 8);
    const hitEnd = load<u64>(reservedEnd + <usize>hit * 8);
    if (hitStart > start) releasePieces(start, hitStart, low, high);
    start = hitEnd;
  }
}

/** A physical range of `bytes` below 4 GiB inside usable memory and outside every reserved range. */
function findRoom(bytes: u64): u64 {
  for (let i = 0; i < memorymap.count(); i++) {
    if (memorymap.type(i) != memorymap.MemoryType.Usable) continue;
    let at = (memorymap.base(i) + 4095) & ~<u64>4095;
    const end = memorymap.base(i) + memorymap.length(i);
    if (at < LOW_LIMIT) at = LOW_LIMIT;
    while (at + bytes <= end && at + bytes <= BOOT_MAPPED) {
      const hit = overlapping(at, at + bytes);
      if (hit < 0) return at;
      at = (load<u64>(reservedEnd + <usize>hit * 8) + 4095) & ~<u64>4095;
    }
  }
  return 0;
}

function usableTop(): u64 {
  let top: u64 = BOOT_MAPPED;
  for (let i = 0; i < memorymap.count(); i++) {
    if (memorymap.type(i) == memorymap.MemoryType.Usable && memorymap.base(i) + memorymap.length(i) > top) top = memorymap.base(i) + memorymap.length(i);
  }
  return top;
}

function releaseUsable(low: u64, high: u64): void {
  for (let i = 0; i < memorymap.count(); i++) {
    if (memorymap.type(i) == memorymap.MemoryType.Usable) releasePieces(memorymap.base(i), memorymap.base(i) + memorymap.length(i), low, high);
  }
}

export function init(): Errno {
  reservedCount = 0;
  reserve(0, LOW_LIMIT);
  reserve(cpu.layoutAddress(cpu.Layout.ImagePhysStart), cpu.layoutAddress(cpu.Layout.ImagePhysEnd));
  for (let i = 0; i < bootInfo.modules(); i++) reserve(bootInfo.moduleBase(i), bootInfo.moduleBase(i) + bootInfo.moduleLength(i));
  for (let i = 0; i < bootInfo.loaderRanges(); i++) reserve(bootInfo.loaderRangeStart(i) & ~<u64>4095, bootInfo.loaderRangeEnd(i));

  const top = usableTop();
  const metadataBytes = frames.metadataSize(top);
  const metadata = findRoom(metadataBytes);
  if (metadata == 0) {
    log.error("memory: no room below 4 GiB for the frame allocator's metadata");
    return Errno.ResourceExhausted;
  }
  reserve(metadata, metadata + metadataBytes);
  frames.init(top, metadata);
  releaseUsable(0, BOOT_MAPPED);
  const result = kernelspace.init(top);
  if (result != Errno.Ok) return result;
  releaseUsable(BOOT_MAPPED, top);

  reservedBytes = memorymap.usableBytes() - frames.totalFrames() * frames.FRAME_SIZE;
  log.begin(log.Level.Info);
  line.text("memory: ");
  line.decimal(frames.totalFrames() * frames.FRAME_SIZE >> 20);
  line.text(" MiB managed, ");
  line.decimal(frames.freeFrameCount() * frames.FRAME_SIZE >> 20);
  line.text(" MiB free, ");
  line.decimal(reservedBytes >> 10);
  line.text(" KiB of usable RAM reserved; direct map ");
  line.text(kernelspace.hugePagesSupported() ? "1 GiB" : "2 MiB");
  line.text(" pages up to ");
  line.hex(top);
  log.end();
  return Errno.Ok;
}

/** Usable RAM withheld from the allocator (image, loader data, metadata, first MiB). */
export function reserved(): u64 { return reservedBytes; }
