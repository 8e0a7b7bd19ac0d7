// dmar.ts — the DMA Remapping table, signature "DMAR" (Intel VT-d spec 4.x §8.1):
//   36 host address width u8 (width - 1) | 37 flags u8 | 38 reserved[10]
//   48 remapping structures { type u16, length u16, body }
// Only the hardware unit definitions (DRHD, type 0) are kept:
//   4 flags u8 (bit 0 INCLUDE_PCI_ALL) | 5 size u8 | 6 segment u16 | 8 register base u64 | 16 device scopes
// A structure shorter than its header or running past the table ends the walk.
import { Errno } from "../../abi";
import * as line from "../line";
import * as log from "../log";
import * as physical from "../physical";
import * as tables from "./tables";

export const MAX_UNITS: i32 = 16;

const OFFSET_HOST_ADDRESS_WIDTH: u64 = 36;
const OFFSET_FLAGS: u64 = 37;
const STRUCTURES_START: u32 = 48;
const STRUCTURE_HEADER_SIZE: u32 = 4;
const TYPE_HARDWARE_UNIT: u16 = 0;
const HARDWARE_UNIT_MIN_LENGTH: u32 = 16;
const UNIT_OFFSET_FLAGS: u64 = 4;
const UNIT_OFFSET_SEGMENT: u64 = 6;
const UNIT_OFFSET_REGISTER_BASE: u64 = 8;
const SCOPE_MIN_LENGTH: u32 = 6;         // type, length, flags, reserved, enumeration id, start bus

export const FLAG_INTERRUPT_REMAPPING: u8 = 1 << 0;
export const FLAG_X2APIC_OPT_OUT: u8 = 1 << 1;
export const FLAG_DMA_CONTROL_OPT_IN: u8 = 1 << 2;
export const UNIT_INCLUDE_PCI_ALL: u8 = 1 << 0;

let tableAddress: u64 = 0;
let widthValue: u32 = 0;
let flagsValue: u8 = 0;
const unitFlags = memory.data(MAX_UNITS);
const unitSegments = memory.data(MAX_UNITS * 2);
const unitBases = memory.data(MAX_UNITS * 8);
const unitScopes = memory.data(MAX_UNITS * 4);
let units: i32 = 0;
let structures: i32 = 0;

function warnStructure(text: string, type: u16, offset: u32, length: u32): void {
  log.warnItem("acpi: DMAR ", text, "structure", <u32>type, offset, "length", length);
}

/** Counts the device scope entries after a hardware unit's fixed part; a bad one ends the count. */
function countScopes(unit: u64, size: u32, offset: u32): u32 {
  let scopes: u32 = 0;
  for (let at = HARDWARE_UNIT_MIN_LENGTH; at + SCOPE_MIN_LENGTH <= size;) {
    const length = <u32>physical.read8(unit + <u64>at + 1);
    if (length < SCOPE_MIN_LENGTH || length > size - at) {
      warnStructure("device scope with a bad length, the rest of the unit ignored", TYPE_HARDWARE_UNIT, offset, size);
      break;
    }
    scopes++;
    at += length;
  }
  return scopes;
}

export function reset(): void {
  tableAddress = 0;
  widthValue = 0;
  flagsValue = 0;
  units = 0;
  structures = 0;
}

/** Reads the DMAR. Ok, NotFound, Truncated/Malformed (walk stopped), ResourceExhausted. */
export function parse(): Errno {
  reset();
  const address = tables.find(tables.SIGNATURE_DMAR);
  if (address == 0) return Errno.NotFound;
  const length = tables.lengthOf(address);
  if (length < STRUCTURES_START) {
    log.warn("acpi: DMAR shorter than its 48-byte fixed part; ignored");
    return Errno.Truncated;
  }
  tableAddress = address;
  widthValue = <u32>physical.read8(address + OFFSET_HOST_ADDRESS_WIDTH) + 1;
  flagsValue = physical.read8(address + OFFSET_FLAGS);
  let status = Errno.Ok;
  let offset = STRUCTURES_START;
  while (offset + STRUCTURE_HEADER_SIZE <= length) {
    const at = address + <u64>offset;
    const type = physical.read16(at);
    const size = <u32>physical.read16(at + 2);
    if (size < STRUCTURE_HEADER_SIZE) { warnStructure("structure shorter than its header, stopping", type, offset, size); status = Errno.Malformed; break; }
    if (size > length - offset) { warnStructure("structure runs past the end of the table, stopping", type, offset, size); status = Errno.Truncated; break; }
    structures++;
    if (type == TYPE_HARDWARE_UNIT) {
      if (size < HARDWARE_UNIT_MIN_LENGTH) {
        warnStructure("hardware unit too short, skipped", type, offset, size);
      } else if (units == MAX_UNITS) {
        warnStructure("hardware unit past the 16 kept, dropped", type, offset, size);
        status = Errno.ResourceExhausted;
      } else {
        store<u8>(unitFlags + <usize>units, physical.read8(at + UNIT_OFFSET_FLAGS));
        store<u16>(unitSegments + <usize>units * 2, physical.read16(at + UNIT_OFFSET_SEGMENT));
        store<u64>(unitBases + <usize>units * 8, physical.read64(at + UNIT_OFFSET_REGISTER_BASE));
        store<u32>(unitScopes + <usize>units * 4, countScopes(at, size, offset));
        units++;
      }
    }
    offset += size;
  }
  return status;
}

export function present(): bool { return tableAddress != 0; }
/** The DMA physical address width in bits (the table stores width - 1). */
export function hostAddressWidth(): u32 { return widthValue; }
export function flags(): u8 { return flagsValue; }
export function interruptRemapping(): bool { return (flagsValue & FLAG_INTERRUPT_REMAPPING) != 0; }
/** Remapping structures of every type that the walk accepted. */
export function structureCount(): i32 { return structures; }
export function unitCount(): i32 { return units; }
export function unitRegisterBase(i: i32): u64 { return i >= 0 && i < units ? load<u64>(unitBases + <usize>i * 8) : 0; }
export function unitSegment(i: i32): u16 { return i >= 0 && i < units ? load<u16>(unitSegments + <usize>i * 2) : 0; }
export function unitFlagsAt(i: i32): u8 { return i >= 0 && i < units ? load<u8>(unitFlags + <usize>i) : 0; }
/** Device scope entries (I/O APICs, HPETs, endpoints, bridges) the unit lists. */
export function unitScopeCount(i: i32): u32 { return i >= 0 && i < units ? load<u32>(unitScopes + <usize>i * 4) : 0; }
/** This unit covers every PCI device of its segment not claimed by another unit. */
export function unitIncludesAll(i: i32): bool { return (unitFlagsAt(i) & UNIT_INCLUDE_PCI_ALL) != 0; }
