// pci.ts — PCI enumeration: every function on every bus (ECAM from the MCFG where
// there is one, else the legacy ports), with its identity, class, BARs (sized by
// the all-ones probe, the command register's decode bits off meanwhile) and
// capability list (walked with a bound, so a looping list cannot hang us). The
// result is the device table (registry.ts) drivers match against.
import { pci } from "../../hal";
import * as line from "../line";
import * as log from "../log";
import * as bars from "./bars";
import * as registry from "./registry";

const REG_ID: u32 = 0x00;              // device << 16 | vendor
const REG_COMMAND_STATUS: u32 = 0x04;
const REG_CLASS: u32 = 0x08;           // class << 24 | subclass << 16 | interface << 8 | revision
const REG_HEADER: u32 = 0x0c;          // header type in bits 23:16
const REG_BAR0: u32 = 0x10;
const REG_CAPABILITIES: u32 = 0x34;
const REG_INTERRUPT: u32 = 0x3c;       // pin << 8 | line
const STATUS_CAPABILITIES: u32 = 1 << (16 + 4);
const COMMAND_IO: u32 = 1 << 0;
const COMMAND_MEMORY: u32 = 1 << 1;
const HEADER_TYPE_MASK: u32 = 0x7f;
const HEADER_MULTIFUNCTION: u32 = 0x80;
const HEADER_GENERAL: u32 = 0;
const BARS_GENERAL: u32 = 6;
const BARS_BRIDGE: u32 = 2;
const NO_VENDOR: u32 = 0xffff;
const MAX_CAPABILITIES: i32 = 48;       // 192 bytes of list can hold no more

function probeBars(bus: u32, device: u32, fn: u32, index: i32, count: u32): void {
  const command = pci.read32(bus, device, fn, REG_COMMAND_STATUS);
  // no decoding while a BAR holds all ones, or the device could answer anywhere
  pci.write32(bus, device, fn, REG_COMMAND_STATUS, command & ~(COMMAND_IO | COMMAND_MEMORY) & 0xffff);
  for (let b: u32 = 0; b < count; b++) {
    const offset = REG_BAR0 + b * 4;
    const value = pci.read32(bus, device, fn, offset);
    pci.write32(bus, device, fn, offset, 0xffffffff);
    const probe = pci.read32(bus, device, fn, offset);
    pci.write32(bus, device, fn, offset, value);
    let upper: u32 = 0;
    let probeUpper: u32 = 0;
    const wide = bars.is64(value) && b + 1 < count;
    if (wide) {
      upper = pci.read32(bus, device, fn, offset + 4);
      pci.write32(bus, device, fn, offset + 4, 0xffffffff);
      probeUpper = pci.read32(bus, device, fn, offset + 4);
      pci.write32(bus, device, fn, offset + 4, upper);
    }
    const size = bars.size(value, probe, probeUpper);
    if (size != 0) registry.setBar(index, <i32>b, bars.address(value, upper), size, bars.isIo(value), bars.prefetchable(value));
    if (wide) b++;
  }
  pci.write32(bus, device, fn, REG_COMMAND_STATUS, command & 0xffff);
}

function walkCapabilities(bus: u32, device: u32, fn: u32, index: i32): void {
  if ((pci.read32(bus, device, fn, REG_COMMAND_STATUS) & STATUS_CAPABILITIES) == 0) return;
  let pointer = pci.read32(bus, device, fn, REG_CAPABILITIES) & 0xfc;
  for (let steps = 0; pointer >= 0x40 && steps < MAX_CAPABILITIES; steps++) {
    const header = pci.read32(bus, device, fn, pointer);
    registry.addCapability(index, <u8>(header & 0xff), <u8>pointer);
    pointer = (header >> 8) & 0xfc;
  }
  if (pointer >= 0x40) {
    log.begin(log.Level.Warn);
    line.text("pci: ");
    registry.appendAddress(index);
    line.text(": capability list does not end; cut at 48 entries");
    log.end();
  }
}

function scanFunction(bus: u32, device: u32, fn: u32): bool {
  const id = pci.read32(bus, device, fn, REG_ID);
  if ((id & 0xffff) == NO_VENDOR || id == 0) return false;
  const header = (pci.read32(bus, device, fn, REG_HEADER) >> 16) & 0xff;
  const index = registry.add(<u8>bus, <u8>device, <u8>fn, <u16>(id & 0xffff), <u16>(id >> 16),
    pci.read32(bus, device, fn, REG_CLASS), <u8>(header & HEADER_TYPE_MASK), <u16>(pci.read32(bus, device, fn, REG_INTERRUPT) & 0xffff));
  if (index < 0) return true;
  probeBars(bus, device, fn, index, (header & HEADER_TYPE_MASK) == HEADER_GENERAL ? BARS_GENERAL : BARS_BRIDGE);
  walkCapabilities(bus, device, fn, index);
  return (header & HEADER_MULTIFUNCTION) != 0;
}

/** Finds every function; the number found. */
export function enumerate(): i32 {
  registry.reset();
  const last = pci.lastBus();
  for (let bus: u32 = 0; bus <= last; bus++) {
    for (let device: u32 = 0; device < 32; device++) {
      if (!scanFunction(bus, device, 0)) continue;
      for (let fn: u32 = 1; fn < 8; fn++) scanFunction(bus, device, fn);
    }
  }
  return registry.count();
}
