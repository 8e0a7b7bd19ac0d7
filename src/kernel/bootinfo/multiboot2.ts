// multiboot2.ts — parses the multiboot2 information block (Multiboot2 spec §3.6):
//   u32 total_size, u32 reserved, then 8-aligned tags { u32 type, u32 size, data }
// ending with a type-0 tag. A tag that is too small or runs past total_size ends
// the walk with a warning; what was read before it is kept.
import { Errno } from "../../abi";
import * as physical from "../physical";
import * as line from "../line";
import * as log from "../log";
import * as info from "./info";
import * as memorymap from "./memorymap";

export const BOOT_MAGIC: u32 = 0x36d76289;

const TAG_END: u32 = 0;
const TAG_CMDLINE: u32 = 1;
const TAG_MODULE: u32 = 3;
const TAG_BASIC_MEMINFO: u32 = 4;
const TAG_MMAP: u32 = 6;
const TAG_FRAMEBUFFER: u32 = 8;
const TAG_ACPI_OLD: u32 = 14;
const TAG_ACPI_NEW: u32 = 15;

const HEADER_SIZE: u32 = 8;
const TAG_HEADER_SIZE: u32 = 8;
const MAX_TOTAL_SIZE: u32 = 1 << 20;
const MMAP_ENTRY_MIN_SIZE: u32 = 24;
const MMAP_HEADER_SIZE: u32 = 16;
const MODULE_HEADER_SIZE: u32 = 16;
const FRAMEBUFFER_MIN_SIZE: u32 = 30;
const FRAMEBUFFER_TYPE_EGA_TEXT: u8 = 2;
const MEMINFO_SIZE: u32 = 16;
const RSDP_V1_LENGTH: u32 = 20;
const KIB: u64 = 1024;
const UPPER_MEMORY_BASE: u64 = 0x100000;

function warnTag(text: string, type: u32, offset: u32, size: u32): void {
  log.warnItem("multiboot2: ", text, "tag", <u32>type, offset, "size", size);
}

function memoryMapTag(tag: u64, type: u32, offset: u32, size: u32): bool {
  if (size < MMAP_HEADER_SIZE) { warnTag("memory map tag too small", type, offset, size); return false; }
  const entrySize = physical.read32(tag + 8);
  if (entrySize < MMAP_ENTRY_MIN_SIZE || (entrySize & 7) != 0) {
    warnTag("memory map entry size is not a multiple of 8 of at least 24", type, offset, size);
    return false;
  }
  let found = false;
  for (let at = MMAP_HEADER_SIZE; at + entrySize <= size; at += entrySize) {
    const entry = tag + <u64>at;
    memorymap.add(physical.read64(entry), physical.read64(entry + 8), memorymap.typeFromE820(physical.read32(entry + 16)));
    found = true;
  }
  return found;
}

/** Parses the block at physical `address`. Errno.Ok when it was whole. */
export function parse(address: u64): Errno {
  info.setProtocol(info.BootProtocol.Multiboot2);
  if (!physical.readable(address, HEADER_SIZE)) {
    log.error("multiboot2: the information block lies outside the boot mapping");
    return Errno.Malformed;
  }
  const totalSize = physical.read32(address);
  if (totalSize < HEADER_SIZE + TAG_HEADER_SIZE || totalSize > MAX_TOTAL_SIZE || !physical.readable(address, <u64>totalSize)) {
    log.begin(log.Level.Error);
    line.text("multiboot2: absurd total_size ");
    line.decimal(totalSize);
    log.end();
    return Errno.Malformed;
  }
  info.addLoaderRange(address, <u64>totalSize);   // the RSDP copy lives inside it
  let status = Errno.Ok;
  let haveMap = false;
  let lowerKib: u64 = 0;
  let upperKib: u64 = 0;
  let haveMeminfo = false;
  let ended = false;
  let offset = HEADER_SIZE;
  while (offset + TAG_HEADER_SIZE <= totalSize) {
    const tag = address + <u64>offset;
    const type = physical.read32(tag);
    const size = physical.read32(tag + 4);
    if (type == TAG_END) { ended = true; break; }
    if (size < TAG_HEADER_SIZE) { warnTag("tag smaller than its header, stopping", type, offset, size); status = Errno.Malformed; break; }
    if (size > totalSize - offset) { warnTag("tag runs past the end of the block, stopping", type, offset, size); status = Errno.Truncated; break; }
    if (type == TAG_CMDLINE) {
      if (!info.setCmdlineFromPhysical(tag + TAG_HEADER_SIZE, <i32>(size - TAG_HEADER_SIZE))) {
        log.warn("multiboot2: command line longer than 1024 bytes, cut");
      }
    } else if (type == TAG_MODULE) {
      if (size < MODULE_HEADER_SIZE) { warnTag("module tag too small", type, offset, size); }
      else {
        const start = <u64>physical.read32(tag + 8);
        const end = <u64>physical.read32(tag + 12);
        if (end < start) warnTag("module ends before it starts, ignored", type, offset, size);
        else if (!info.addModule(start, end - start, tag + <u64>MODULE_HEADER_SIZE, <i32>(size - MODULE_HEADER_SIZE))) {
          log.warn("multiboot2: more than 16 modules, the rest ignored");
        }
      }
    } else if (type == TAG_BASIC_MEMINFO) {
      if (size >= MEMINFO_SIZE) {
        lowerKib = <u64>physical.read32(tag + 8);
        upperKib = <u64>physical.read32(tag + 12);
        haveMeminfo = true;
      }
    } else if (type == TAG_MMAP) {
      if (memoryMapTag(tag, type, offset, size)) haveMap = true;
    } else if (type == TAG_FRAMEBUFFER) {
      if (size < FRAMEBUFFER_MIN_SIZE) warnTag("framebuffer tag too small", type, offset, size);
      else if (physical.read8(tag + 29) == FRAMEBUFFER_TYPE_EGA_TEXT) log.debug("multiboot2: text-mode console, no pixel framebuffer");
      else info.setFramebuffer(physical.read64(tag + 8), physical.read32(tag + 16), physical.read32(tag + 20),
        physical.read32(tag + 24), physical.read8(tag + 28));
    } else if (type == TAG_ACPI_OLD || type == TAG_ACPI_NEW) {
      if (size < TAG_HEADER_SIZE + RSDP_V1_LENGTH) warnTag("ACPI tag too small for an RSDP", type, offset, size);
      else if (type == TAG_ACPI_NEW || info.rsdp() == 0) info.setRsdp(tag + TAG_HEADER_SIZE);
    }
    offset = (offset + size + 7) & ~7;
  }
  if (!ended && status == Errno.Ok) {
    log.warn("multiboot2: no end tag before total_size");
    status = Errno.Truncated;
  }
  if (!haveMap && haveMeminfo) {
    log.warn("multiboot2: no memory map tag; using basic meminfo");
    memorymap.add(0, lowerKib * KIB, memorymap.MemoryType.Usable);
    memorymap.add(UPPER_MEMORY_BASE, upperKib * KIB, memorymap.MemoryType.Usable);
    haveMap = true;
  }
  if (!haveMap) {
    log.error("multiboot2: no memory information at all");
    if (status == Errno.Ok) status = Errno.Malformed;
  }
  return status;
}
