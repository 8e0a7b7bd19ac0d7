// bars.ts — decoding base address registers, pure (PCI Local Bus 3.0 §6.2.5.1):
//   bit 0: 1 = I/O space (address bits 31:2) | 0 = memory: bits 2:1 type (00 32-bit,
//   10 64-bit: the next BAR holds the high half), bit 3 prefetchable, bits 31:4 address.
// A BAR's size comes from writing all ones and reading back which bits stuck.
export const BAR_IO: u32 = 1 << 0;
export const BAR_TYPE_MASK: u32 = 3 << 1;
export const BAR_TYPE_64: u32 = 2 << 1;
export const BAR_PREFETCHABLE: u32 = 1 << 3;
const IO_ADDRESS_MASK: u32 = 0xffff_fffc;
const MEMORY_ADDRESS_MASK: u32 = 0xffff_fff0;

export function isIo(bar: u32): bool { return (bar & BAR_IO) != 0; }
export function is64(bar: u32): bool { return !isIo(bar) && (bar & BAR_TYPE_MASK) == BAR_TYPE_64; }
export function prefetchable(bar: u32): bool { return !isIo(bar) && (bar & BAR_PREFETCHABLE) != 0; }

/** The address a BAR (and, for a 64-bit one, its upper half) holds. */
export function address(bar: u32, upper: u32): u64 {
  if (isIo(bar)) return <u64>(bar & IO_ADDRESS_MASK);
  return (is64(bar) ? <u64>upper << 32 : 0) | <u64>(bar & MEMORY_ADDRESS_MASK);
}

/** The size from the read-back of all ones (`probe`, and `probeUpper` for 64-bit);
 *  0 when the BAR is not implemented. */
export function size(bar: u32, probe: u32, probeUpper: u32): u64 {
  if (isIo(bar)) {
    const mask = probe & IO_ADDRESS_MASK & 0xffff;
    return mask == 0 ? 0 : <u64>((~mask + 1) & 0xffff);
  }
  const mask = (is64(bar) ? <u64>probeUpper << 32 : 0xffff_ffff_0000_0000) | <u64>(probe & MEMORY_ADDRESS_MASK);
  if ((mask & 0xffff_ffff) == 0 && !is64(bar)) return 0;
  const sized = ~mask + 1;
  return mask == 0 ? 0 : sized;
}
