// hpet.ts — the HPET description table, signature "HPET" (IA-PC HPET spec 1.0a §3.2.4):
//   36 event timer block id u32 | 40 base address (generic address structure)
//   52 HPET number u8 | 53 main counter minimum clock tick u16 | 55 page protection u8
// Only the first HPET table is read (machines with several are not targets yet).
// The registers must be memory-mapped; any other address space is refused.
import { Errno } from "../../abi";
import * as line from "../line";
import * as log from "../log";
import * as physical from "../physical";
import * as gas from "./gas";
import * as tables from "./tables";

const OFFSET_BLOCK_ID: u64 = 36;
const OFFSET_BASE: u64 = 40;
const OFFSET_NUMBER: u64 = 52;
const OFFSET_MINIMUM_TICK: u64 = 53;
const OFFSET_PAGE_PROTECTION: u64 = 55;
const TABLE_LENGTH: u32 = 56;

// Event timer block id, the same layout as the capabilities register's low half.
const ID_REVISION_MASK: u32 = 0xff;
const ID_COMPARATORS_SHIFT: u32 = 8;
const ID_COMPARATORS_MASK: u32 = 0x1f;      // the number of comparators minus one
const ID_COUNTER_64_BIT: u32 = 1 << 13;
const ID_LEGACY_REPLACEMENT: u32 = 1 << 15;
const ID_VENDOR_SHIFT: u32 = 16;

let tableAddress: u64 = 0;
let blockIdValue: u32 = 0;
let baseAddressValue: u64 = 0;
let numberValue: u8 = 0;
let minimumTickValue: u16 = 0;
let pageProtectionValue: u8 = 0;

export function reset(): void {
  tableAddress = 0;
  blockIdValue = 0;
  baseAddressValue = 0;
  numberValue = 0;
  minimumTickValue = 0;
  pageProtectionValue = 0;
}

/** Reads the first HPET table. Ok, NotFound, Truncated, or NotSupported (not in memory space). */
export function parse(): Errno {
  reset();
  const address = tables.find(tables.SIGNATURE_HPET);
  if (address == 0) return Errno.NotFound;
  if (tables.lengthOf(address) < TABLE_LENGTH) {
    log.warn("acpi: HPET table shorter than 56 bytes; ignored");
    return Errno.Truncated;
  }
  const space = gas.space(address + OFFSET_BASE);
  if (space != gas.AddressSpace.SystemMemory) {
    log.begin(log.Level.Warn);
    line.text("acpi: HPET registers in address space ");
    line.text(gas.spaceName(space));
    line.text(", not memory; ignored");
    log.end();
    return Errno.NotSupported;
  }
  tableAddress = address;
  blockIdValue = physical.read32(address + OFFSET_BLOCK_ID);
  baseAddressValue = gas.address(address + OFFSET_BASE);
  numberValue = physical.read8(address + OFFSET_NUMBER);
  minimumTickValue = physical.read16(address + OFFSET_MINIMUM_TICK);
  pageProtectionValue = physical.read8(address + OFFSET_PAGE_PROTECTION);
  return Errno.Ok;
}

export function present(): bool { return tableAddress != 0; }
export function blockId(): u32 { return blockIdValue; }
/** The physical address of the register block; 0 when there is no usable HPET. */
export function baseAddress(): u64 { return baseAddressValue; }
export function number(): u8 { return numberValue; }
/** The smallest periodic tick (in main counter ticks) that does not lose interrupts. */
export function minimumTick(): u16 { return minimumTickValue; }
export function pageProtection(): u8 { return pageProtectionValue; }
export function hardwareRevision(): u8 { return <u8>(blockIdValue & ID_REVISION_MASK); }
export function comparatorCount(): u32 {
  return present() ? ((blockIdValue >> ID_COMPARATORS_SHIFT) & ID_COMPARATORS_MASK) + 1 : 0;
}
export function counterIs64Bit(): bool { return (blockIdValue & ID_COUNTER_64_BIT) != 0; }
export function legacyReplacementCapable(): bool { return (blockIdValue & ID_LEGACY_REPLACEMENT) != 0; }
export function vendorId(): u16 { return <u16>(blockIdValue >> ID_VENDOR_SHIFT); }
