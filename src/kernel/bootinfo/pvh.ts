// pvh.ts — parses the PVH boot protocol's hvm_start_info (Xen arch-x86/hvm/start_info.h):
//   0 magic u32 | 4 version u32 | 8 flags u32 | 12 nr_modules u32 | 16 modlist_paddr u64
//   24 cmdline_paddr u64 | 32 rsdp_paddr u64 | 40 memmap_paddr u64 (v1) | 48 memmap_entries u32 (v1)
// modules: { paddr u64, size u64, cmdline_paddr u64, reserved u64 }
// memmap:  { addr u64, size u64, type u32 (E820), reserved u32 }
import { Errno } from "../../abi";
import * as physical from "../physical";
import * as line from "../line";
import * as log from "../log";
import * as info from "./info";
import * as memorymap from "./memorymap";

export const START_MAGIC: u32 = 0x336ec578;

const OFFSET_VERSION: u64 = 4;
const OFFSET_MODULE_COUNT: u64 = 12;
const OFFSET_MODULE_LIST: u64 = 16;
const OFFSET_CMDLINE: u64 = 24;
const OFFSET_RSDP: u64 = 32;
const OFFSET_MEMMAP: u64 = 40;
const OFFSET_MEMMAP_ENTRIES: u64 = 48;
const START_INFO_V0_SIZE: u64 = 40;
const START_INFO_V1_SIZE: u64 = 56;
const MODULE_ENTRY_SIZE: u64 = 32;
const MEMMAP_ENTRY_SIZE: u64 = 24;
const MAX_MEMMAP_ENTRIES: u32 = 1024;

function warnCount(text: string, value: u32): void {
  log.begin(log.Level.Warn);
  line.text("pvh: ");
  line.text(text);
  line.text(" ");
  line.decimal(value);
  log.end();
}

/** Parses the start_info at physical `address`. */
export function parse(address: u64): Errno {
  info.setProtocol(info.BootProtocol.Pvh);
  if (!physical.readable(address, START_INFO_V0_SIZE)) {
    log.error("pvh: start_info lies outside the boot mapping");
    return Errno.Malformed;
  }
  if (physical.read32(address) != START_MAGIC) {
    log.error("pvh: start_info has the wrong magic");
    return Errno.Malformed;
  }
  let status = Errno.Ok;
  const version = physical.read32(address + OFFSET_VERSION);
  info.addLoaderRange(address, START_INFO_V1_SIZE);

  const cmdline = physical.read64(address + OFFSET_CMDLINE);
  if (cmdline != 0) {
    if (!physical.readable(cmdline, 1)) { log.warn("pvh: command line outside the boot mapping, ignored"); status = Errno.Malformed; }
    else if (!info.setCmdlineFromPhysical(cmdline, info.CMDLINE_CAPACITY + 1)) log.warn("pvh: command line longer than 1024 bytes, cut");
  }

  info.setRsdp(physical.read64(address + OFFSET_RSDP));

  let modules = physical.read32(address + OFFSET_MODULE_COUNT);
  const moduleList = physical.read64(address + OFFSET_MODULE_LIST);
  if (modules > <u32>info.MAX_MODULES) {
    warnCount("more than 16 modules, keeping 16 of", modules);
    modules = <u32>info.MAX_MODULES;
  }
  if (modules > 0 && !physical.readable(moduleList, <u64>modules * MODULE_ENTRY_SIZE)) {
    log.warn("pvh: module list outside the boot mapping, ignored");
    modules = 0;
    status = Errno.Malformed;
  }
  for (let i: u32 = 0; i < modules; i++) {
    const entry = moduleList + <u64>i * MODULE_ENTRY_SIZE;
    info.addModule(physical.read64(entry), physical.read64(entry + 8), physical.read64(entry + 16), 64);
  }

  if (version >= 1 && physical.readable(address, START_INFO_V1_SIZE)) {
    let entries = physical.read32(address + OFFSET_MEMMAP_ENTRIES);
    const map = physical.read64(address + OFFSET_MEMMAP);
    if (entries > MAX_MEMMAP_ENTRIES) {
      warnCount("absurd memory map entry count, reading 1024 of", entries);
      entries = MAX_MEMMAP_ENTRIES;
      status = Errno.Malformed;
    }
    if (entries > 0 && !physical.readable(map, <u64>entries * MEMMAP_ENTRY_SIZE)) {
      log.warn("pvh: memory map outside the boot mapping, ignored");
      entries = 0;
      status = Errno.Malformed;
    }
    for (let i: u32 = 0; i < entries; i++) {
      const entry = map + <u64>i * MEMMAP_ENTRY_SIZE;
      memorymap.add(physical.read64(entry), physical.read64(entry + 8), memorymap.typeFromE820(physical.read32(entry + 16)));
    }
  } else {
    log.warn("pvh: start_info version 0 carries no memory map");
  }
  return status;
}
