// physical.ts — reads of physical memory through the direct map, which the boot
// page tables provide for the low 4 GiB at DIRECT_MAP_BASE. Anything a loader
// hands us outside that window is refused rather than read (it would fault).
import { cpu } from "../hal";

export const DIRECT_MAP_BASE: u64 = 0xffff_8000_0000_0000;
export const BOOT_MAPPED_LIMIT: u64 = 4 << 30;

/** True when [address, address + length) lies inside the boot direct map. */
export function readable(address: u64, length: u64): bool {
  return address < BOOT_MAPPED_LIMIT && length <= BOOT_MAPPED_LIMIT - address;
}

export function read8(address: u64): u8 { return cpu.load8(DIRECT_MAP_BASE + address); }
export function read16(address: u64): u16 { return cpu.load16(DIRECT_MAP_BASE + address); }
export function read32(address: u64): u32 { return cpu.load32(DIRECT_MAP_BASE + address); }
export function read64(address: u64): u64 { return cpu.load64(DIRECT_MAP_BASE + address); }

export function write8(address: u64, value: u8): void { cpu.store8(DIRECT_MAP_BASE + address, value); }
export function write32(address: u64, value: u32): void { cpu.store32(DIRECT_MAP_BASE + address, value); }
export function write64(address: u64, value: u64): void { cpu.store64(DIRECT_MAP_BASE + address, value); }
export function zero(address: u64, length: u64): void { cpu.zero(DIRECT_MAP_BASE + address, length); }

/** The kernel virtual address of a physical one (through the direct map). */
export function toVirtual(address: u64): u64 { return DIRECT_MAP_BASE + address; }

/** Copies a NUL-terminated string (at most `capacity` bytes) into linear memory;
 *  returns its length, or -1 when no NUL was found within `capacity`. */
export function copyString(address: u64, destination: usize, capacity: i32): i32 {
  for (let i = 0; i < capacity; i++) {
    if (!readable(address + <u64>i, 1)) return i;
    const c = read8(address + <u64>i);
    if (c == 0) return i;
    store<u8>(destination + <usize>i, c);
  }
  return -1;
}
