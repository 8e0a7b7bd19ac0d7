// physical.ts — access to physical memory through the direct map at
// DIRECT_MAP_BASE: the low 4 GiB from the boot page tables, all of RAM once the
// kernel's own tables are live. Anything outside the mapped window is refused
// rather than read (it would fault).
import { cpu } from "../hal";
import { DIRECT_MAP_BASE } from "./memory/layout";

export { DIRECT_MAP_BASE };
export const BOOT_MAPPED_LIMIT: u64 = 4 << 30;

let mappedLimit: u64 = BOOT_MAPPED_LIMIT;

/** The kernel's tables map physical memory up to `limit`. */
export function setMappedLimit(limit: u64): void { mappedLimit = limit; }
export function mapped(): u64 { return mappedLimit; }

/** True when [address, address + length) lies inside the direct map. */
export function readable(address: u64, length: u64): bool {
  return address < mappedLimit && length <= mappedLimit - address;
}

export function read8(address: u64): u8 { return cpu.load8(DIRECT_MAP_BASE + address); }
export function read16(address: u64): u16 { return cpu.load16(DIRECT_MAP_BASE + address); }
export function read32(address: u64): u32 { return cpu.load32(DIRECT_MAP_BASE + address); }
export function read64(address: u64): u64 { return cpu.load64(DIRECT_MAP_BASE + address); }

export function write8(address: u64, value: u8): void { cpu.store8(DIRECT_MAP_BASE + address, value); }
export function write16(address: u64, value: u16): void { cpu.store16(DIRECT_MAP_BASE + address, value); }
export function write32(address: u64, value: u32): void { cpu.store32(DIRECT_MAP_BASE + address, value); }
export function write64(address: u64, value: u64): void { cpu.store64(DIRECT_MAP_BASE + address, value); }
export function zero(address: u64, length: u64): void { cpu.zero(DIRECT_MAP_BASE + address, length); }

/** The kernel virtual address of a physical one (through the direct map). */
export function toVirtual(address: u64): u64 { return DIRECT_MAP_BASE + address; }

/** The kernel virtual address of an address in the kernel's own linear memory,
 *  for the hal's copy and for IPC, which work on virtual addresses. */
@inline export function linearToVirtual(address: usize): u64 {
  return cpu.layoutAddress(cpu.Layout.LinearMemoryBase) + <u64>address;
}

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
