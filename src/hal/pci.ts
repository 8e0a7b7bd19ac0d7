// pci.ts — PCI configuration space access, both ways: the enhanced mechanism
// (ECAM: one 4 KiB page per function at base + bus<<20 | device<<15 | function<<12,
// at a virtual address the kernel maps) and the legacy 0xCF8/0xCFC port pair
// (the first 256 bytes only). One function per access, no caching.
import { inl, load32, outl, store32 } from "./primitives";

const LEGACY_ADDRESS: u16 = 0xcf8;
const LEGACY_DATA: u16 = 0xcfc;
const LEGACY_ENABLE: u32 = 1 << 31;
const LEGACY_LIMIT: u32 = 256;
export const ECAM_LIMIT: u32 = 4096;

let ecamBase: u64 = 0;          // virtual; 0 = legacy ports
let ecamFirstBus: u32 = 0;
let ecamLastBus: u32 = 255;

/** Uses ECAM at virtual `base` for buses first..last (0: the legacy ports). */
export function useEcam(base: u64, firstBus: u32, lastBus: u32): void {
  ecamBase = base;
  ecamFirstBus = firstBus;
  ecamLastBus = lastBus;
}

export function usingEcam(): bool { return ecamBase != 0; }
export function lastBus(): u32 { return ecamBase != 0 ? ecamLastBus : 255; }

function ecamAddress(bus: u32, device: u32, fn: u32, offset: u32): u64 {
  return ecamBase + (<u64>(bus - ecamFirstBus) << 20) + (<u64>device << 15) + (<u64>fn << 12) + <u64>(offset & ~3);
}

function legacyAddress(bus: u32, device: u32, fn: u32, offset: u32): u32 {
  return LEGACY_ENABLE | (bus << 16) | (device << 11) | (fn << 8) | (offset & 0xfc);
}

/** A 32-bit config register (offset 4-aligned); all ones when out of reach. */
export function read32(bus: u32, device: u32, fn: u32, offset: u32): u32 {
  if (ecamBase != 0) {
    if (bus < ecamFirstBus || bus > ecamLastBus || offset >= ECAM_LIMIT) return 0xffffffff;
    return load32(ecamAddress(bus, device, fn, offset));
  }
  if (offset >= LEGACY_LIMIT) return 0xffffffff;
  outl(LEGACY_ADDRESS, legacyAddress(bus, device, fn, offset));
  return inl(LEGACY_DATA);
}

export function write32(bus: u32, device: u32, fn: u32, offset: u32, value: u32): void {
  if (ecamBase != 0) {
    if (bus < ecamFirstBus || bus > ecamLastBus || offset >= ECAM_LIMIT) return;
    store32(ecamAddress(bus, device, fn, offset), value);
    return;
  }
  if (offset >= LEGACY_LIMIT) return;
  outl(LEGACY_ADDRESS, legacyAddress(bus, device, fn, offset));
  outl(LEGACY_DATA, value);
}
