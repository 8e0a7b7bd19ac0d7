// descriptors.ts — pure encoders for x86-64 GDT, TSS and IDT entries (Intel SDM
// vol. 3A §3.4.5, §7.2.3, §6.14.1). Decoding hardware formats happens here once
// and is host-tested against known values.
//
//  segment descriptor (8 bytes)
//   63      56 55  52 51   48 47      40 39      16 15       0
//  | base 31:24 | flags | lim 19:16 | access | base 23:0 | limit 15:0 |
//
//  64-bit gate / system descriptor (16 bytes) = two u64: low as above-ish, high = offset/base 63:32

export const ACCESS_ACCESSED: u8 = 0x01;
export const ACCESS_READ_WRITE: u8 = 0x02;
export const ACCESS_EXECUTABLE: u8 = 0x08;
export const ACCESS_CODE_OR_DATA: u8 = 0x10;   // S bit: 0 for system descriptors
export const ACCESS_PRESENT: u8 = 0x80;
export const ACCESS_DPL_SHIFT: u8 = 5;

export const FLAG_LONG_MODE: u8 = 0x2;
export const FLAG_SIZE_32: u8 = 0x4;
export const FLAG_GRANULARITY_4K: u8 = 0x8;

export const SYSTEM_TYPE_TSS_AVAILABLE: u8 = 0x9;
export const GATE_TYPE_INTERRUPT: u8 = 0xe;
export const GATE_TYPE_TRAP: u8 = 0xf;

const LIMIT_MAX: u32 = 0xfffff;

/** A code or data segment descriptor. */
export function segment(base: u32, limit: u32, access: u8, flags: u8): u64 {
  return (<u64>(limit & 0xffff))
    | (<u64>(base & 0xffffff) << 16)
    | (<u64>access << 40)
    | (<u64>((limit >> 16) & 0xf) << 48)
    | (<u64>(flags & 0xf) << 52)
    | (<u64>(base >> 24) << 56);
}

/** The 64-bit kernel code segment: present, DPL 0, executable, readable, long mode. */
export function kernelCode64(): u64 {
  return segment(0, LIMIT_MAX,
    ACCESS_PRESENT | ACCESS_CODE_OR_DATA | ACCESS_EXECUTABLE | ACCESS_READ_WRITE,
    FLAG_GRANULARITY_4K | FLAG_LONG_MODE);
}

/** The kernel data segment: present, DPL 0, writable. */
export function kernelData(): u64 {
  return segment(0, LIMIT_MAX,
    ACCESS_PRESENT | ACCESS_CODE_OR_DATA | ACCESS_READ_WRITE,
    FLAG_GRANULARITY_4K | FLAG_SIZE_32);
}

/** Low half of a 64-bit TSS descriptor. */
export function tssLow(base: u64, limit: u32): u64 {
  return segment(<u32>base, limit, ACCESS_PRESENT | SYSTEM_TYPE_TSS_AVAILABLE, 0);
}

/** High half of a 64-bit TSS descriptor: base bits 63:32. */
export function tssHigh(base: u64): u64 {
  return base >> 32;
}

/** Low half of an IDT gate. `ist` is 0 (no stack switch) or 1..7. */
export function gateLow(handler: u64, selector: u16, ist: u8, type: u8, dpl: u8): u64 {
  const attributes = <u64>(ACCESS_PRESENT | ((dpl & 3) << ACCESS_DPL_SHIFT) | (type & 0xf));
  return (handler & 0xffff)
    | (<u64>selector << 16)
    | (<u64>(ist & 7) << 32)
    | (attributes << 40)
    | (((handler >> 16) & 0xffff) << 48);
}

/** High half of an IDT gate: handler bits 63:32. */
export function gateHigh(handler: u64): u64 {
  return handler >> 32;
}
