// info.ts — the normalised boot information, whichever loader booted us: command
// line, ACPI RSDP, framebuffer, boot modules (the memory map is memorymap.ts).
// Filled once by the PVH or multiboot2 parser, read-only afterwards.
import * as physical from "../physical";

export const enum BootProtocol { Unknown = 0, Pvh = 1, Multiboot2 = 2 }

export const CMDLINE_CAPACITY: i32 = 1024;
export const MAX_MODULES: i32 = 16;
const MODULE_NAME_CAPACITY: i32 = 64;

let protocolUsed = BootProtocol.Unknown;
const cmdline = memory.data(CMDLINE_CAPACITY);
let cmdlineLength: i32 = 0;
let rsdpAddress: u64 = 0;

let framebufferAddress: u64 = 0;
let framebufferPitch: u32 = 0;
let framebufferWidth: u32 = 0;
let framebufferHeight: u32 = 0;
let framebufferBpp: u8 = 0;

const moduleStart = memory.data(MAX_MODULES * 8);
const moduleSize = memory.data(MAX_MODULES * 8);
const moduleName = memory.data(MAX_MODULES * MODULE_NAME_CAPACITY);
const moduleNameLength = memory.data(MAX_MODULES * 4);
let moduleCount: i32 = 0;

// Memory the loader's own structures occupy, kept out of the frame allocator.
export const MAX_LOADER_RANGES: i32 = 8;
const loaderStart = memory.data(MAX_LOADER_RANGES * 8);
const loaderEnd = memory.data(MAX_LOADER_RANGES * 8);
let loaderCount: i32 = 0;

export function reset(): void {
  protocolUsed = BootProtocol.Unknown;
  cmdlineLength = 0;
  rsdpAddress = 0;
  framebufferAddress = 0;
  framebufferPitch = 0;
  framebufferWidth = 0;
  framebufferHeight = 0;
  framebufferBpp = 0;
  moduleCount = 0;
  loaderCount = 0;
}

/** Records memory holding loader data we still read (or point into). */
export function addLoaderRange(start: u64, length: u64): void {
  if (loaderCount == MAX_LOADER_RANGES || length == 0) return;
  store<u64>(loaderStart + <usize>loaderCount * 8, start);
  store<u64>(loaderEnd + <usize>loaderCount * 8, start + length);
  loaderCount++;
}
export function loaderRanges(): i32 { return loaderCount; }
export function loaderRangeStart(index: i32): u64 { return load<u64>(loaderStart + <usize>index * 8); }
export function loaderRangeEnd(index: i32): u64 { return load<u64>(loaderEnd + <usize>index * 8); }

export function setProtocol(protocol: BootProtocol): void { protocolUsed = protocol; }
export function protocol(): BootProtocol { return protocolUsed; }
export function protocolName(): string {
  if (protocolUsed == BootProtocol.Pvh) return "pvh";
  if (protocolUsed == BootProtocol.Multiboot2) return "multiboot2";
  return "unknown";
}

/** Copies the command line from physical memory; false when it had to be cut. */
export function setCmdlineFromPhysical(address: u64, maxLength: i32): bool {
  const limit = maxLength < CMDLINE_CAPACITY ? maxLength : CMDLINE_CAPACITY;
  const length = physical.copyString(address, cmdline, limit);
  cmdlineLength = length < 0 ? limit : length;
  return length >= 0 || maxLength <= CMDLINE_CAPACITY;
}
export function cmdlineData(): usize { return cmdline; }
export function cmdlineSize(): i32 { return cmdlineLength; }

export function setRsdp(address: u64): void { rsdpAddress = address; }
export function rsdp(): u64 { return rsdpAddress; }

export function setFramebuffer(address: u64, pitch: u32, width: u32, height: u32, bpp: u8): void {
  framebufferAddress = address;
  framebufferPitch = pitch;
  framebufferWidth = width;
  framebufferHeight = height;
  framebufferBpp = bpp;
}
export function hasFramebuffer(): bool { return framebufferAddress != 0; }
export function framebuffer(): u64 { return framebufferAddress; }
export function framebufferWidthPixels(): u32 { return framebufferWidth; }
export function framebufferHeightPixels(): u32 { return framebufferHeight; }
export function framebufferPitchBytes(): u32 { return framebufferPitch; }
export function framebufferBitsPerPixel(): u8 { return framebufferBpp; }

/** Records a boot module; false when the table is full. */
export function addModule(start: u64, size: u64, nameAddress: u64, nameMaxLength: i32): bool {
  if (moduleCount == MAX_MODULES) return false;
  store<u64>(moduleStart + <usize>moduleCount * 8, start);
  store<u64>(moduleSize + <usize>moduleCount * 8, size);
  const limit = nameMaxLength < MODULE_NAME_CAPACITY ? nameMaxLength : MODULE_NAME_CAPACITY;
  let nameLength = 0;
  if (nameAddress != 0 && limit > 0) {
    nameLength = physical.copyString(nameAddress, moduleName + <usize>moduleCount * MODULE_NAME_CAPACITY, limit);
    if (nameLength < 0) nameLength = limit;
  }
  store<i32>(moduleNameLength + <usize>moduleCount * 4, nameLength);
  moduleCount++;
  return true;
}
export function modules(): i32 { return moduleCount; }
export function moduleBase(index: i32): u64 { return load<u64>(moduleStart + <usize>index * 8); }
export function moduleLength(index: i32): u64 { return load<u64>(moduleSize + <usize>index * 8); }
export function moduleNameData(index: i32): usize { return moduleName + <usize>index * MODULE_NAME_CAPACITY; }
export function moduleNameSize(index: i32): i32 { return load<i32>(moduleNameLength + <usize>index * 4); }
