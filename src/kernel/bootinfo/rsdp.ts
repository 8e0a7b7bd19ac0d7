// rsdp.ts — finding and validating the ACPI Root System Description Pointer
// (ACPI 6.5 §5.2.5): "RSD PTR " signature, checksum over the first 20 bytes,
// and for revision 2+ the extended checksum over its stated length.
import * as physical from "../physical";

const SIGNATURE_LOW: u32 = 0x20445352;    // "RSD "
const SIGNATURE_HIGH: u32 = 0x20525450;   // "PTR "
const V1_LENGTH: u64 = 20;
const V2_MIN_LENGTH: u32 = 36;
const V2_MAX_LENGTH: u32 = 4096;
const OFFSET_REVISION: u64 = 15;
const OFFSET_LENGTH: u64 = 20;

const EBDA_SEGMENT_POINTER: u64 = 0x40e;
const EBDA_SEARCH_LENGTH: u64 = 1024;
const BIOS_AREA_START: u64 = 0xe0000;
const BIOS_AREA_END: u64 = 0x100000;
const ALIGNMENT: u64 = 16;

function checksum(address: u64, length: u64): u8 {
  let sum: u8 = 0;
  for (let i: u64 = 0; i < length; i++) sum += physical.read8(address + i);
  return sum;
}

/** True when a valid RSDP (v1 or v2+) sits at `address`. */
export function valid(address: u64): bool {
  if (address == 0 || !physical.readable(address, V1_LENGTH)) return false;
  if (physical.read32(address) != SIGNATURE_LOW || physical.read32(address + 4) != SIGNATURE_HIGH) return false;
  if (checksum(address, V1_LENGTH) != 0) return false;
  if (physical.read8(address + OFFSET_REVISION) < 2) return true;
  const length = physical.read32(address + OFFSET_LENGTH);
  if (length < V2_MIN_LENGTH || length > V2_MAX_LENGTH) return false;
  if (!physical.readable(address, <u64>length)) return false;
  return checksum(address, <u64>length) == 0;
}

function scan(start: u64, end: u64): u64 {
  for (let address = start; address + V1_LENGTH <= end; address += ALIGNMENT) {
    if (valid(address)) return address;
  }
  return 0;
}

/** The legacy BIOS search: the first KiB of the EBDA, then 0xE0000–0xFFFFF. 0 if absent. */
export function search(): u64 {
  const ebda = <u64>physical.read16(EBDA_SEGMENT_POINTER) << 4;
  if (ebda >= 0x80000 && ebda < 0xa0000) {
    const found = scan(ebda, ebda + EBDA_SEARCH_LENGTH);
    if (found != 0) return found;
  }
  return scan(BIOS_AREA_START, BIOS_AREA_END);
}
