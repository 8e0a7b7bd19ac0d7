// dmar.ts — the DMA Remapping table, signature "DMAR" (Intel VT-d spec 4.x §8.1):
//   36 host address width u8 (width - 1) | 37 flags u8 | 38 reserved[10]
//   48 remapping structures { type u16, length u16, body }
// Only the hardware unit definitions (DRHD, type 0) are kept:
//   4 flags u8 (bit 0 INCLUDE_PCI_ALL) | 5 size u8 | 6 segment u16 | 8 register base u64 | 16 device scopes
// and their device scopes (§8.3.1), up to 64 in all, for a unit that lists its devices:
//   0 type u8 | 1 length u8 | 2 flags u8 | 3 reserved | 4 enumeration id u8 | 5 start bus u8
//   6 path: { device u8, function u8 } per hop, from the start bus through bridges
// A structure shorter than its header or running past the table ends the walk.
import { Errno } from "../../abi";
import * as line from "../line";
import * as log from "../log";
import * as physical from "../physical";
import * as tables from "./tables";

export const MAX_UNITS: i32 = 16;
export const MAX_SCOPES: i32 = 64;
export const MAX_HOPS: i32 = 4;
/** Device scope types (§8.3.1). */
export const SCOPE_PCI_ENDPOINT: u8 = 1;
export const SCOPE_PCI_SUBHIERARCHY: u8 = 2;   // a bridge and every bus below it
export const SCOPE_IOAPIC: u8 = 3;
export const SCOPE_HPET: u8 = 4;

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
const SCOPE_OFFSET_START_BUS: u64 = 5;
const SCOPE_HOP_BYTES: u32 = 2;

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
const scopeUnits = memory.data(MAX_SCOPES);
const scopeTypes = memory.data(MAX_SCOPES);
const scopeBuses = memory.data(MAX_SCOPES);
const scopeHops = memory.data(MAX_SCOPES);
const scopePaths = memory.data(MAX_SCOPES * MAX_HOPS * 2);   // device, function per hop
let scopes: i32 = 0;
let scopesDropped: i32 = 0;

function warnStructure(text: string, type: u16, offset: u32, length: u32): void {
  log.warnItem("acpi: DMAR ", text, "structure", <u32>type, offset, "length", length);
}

/** Keeps one device scope of unit `index`; false when it cannot be kept (the
 *  table is full, or its path is longer than MAX_HOPS or not whole hops). */
function keepScope(index: i32, scope: u64, length: u32): bool {
  const hops = (length - SCOPE_MIN_LENGTH) / SCOPE_HOP_BYTES;
  if (scopes == MAX_SCOPES || hops > <u32>MAX_HOPS || (length - SCOPE_MIN_LENGTH) % SCOPE_HOP_BYTES != 0) { scopesDropped++; return false; }
  store<u8>(scopeUnits + <usize>scopes, <u8>index);
  store<u8>(scopeTypes + <usize>scopes, physical.read8(scope));
  store<u8>(scopeBuses + <usize>scopes, physical.read8(scope + SCOPE_OFFSET_START_BUS));
  store<u8>(scopeHops + <usize>scopes, <u8>hops);
  for (let hop: u32 = 0; hop < hops; hop++) {
    const at = scope + <u64>(SCOPE_MIN_LENGTH + hop * SCOPE_HOP_BYTES);
    store<u8>(scopePaths + <usize>(scopes * MAX_HOPS + <i32>hop) * 2, physical.read8(at));
    store<u8>(scopePaths + <usize>(scopes * MAX_HOPS + <i32>hop) * 2 + 1, physical.read8(at + 1));
  }
  scopes++;
  return true;
}

/** Counts (and keeps) the device scope entries after hardware unit `index`'s
 *  fixed part; a bad one ends the count. */
function countScopes(index: i32, unit: u64, size: u32, offset: u32): u32 {
  let counted: u32 = 0;
  for (let at = HARDWARE_UNIT_MIN_LENGTH; at + SCOPE_MIN_LENGTH <= size;) {
    const length = <u32>physical.read8(unit + <u64>at + 1);
    if (length < SCOPE_MIN_LENGTH || length > size - at) {
      warnStructure("device scope with a bad length, the rest of the unit ignored", TYPE_HARDWARE_UNIT, offset, size);
      break;
    }
    if (!keepScope(index, unit + <u64>at, length)) {
      warnStructure("device scope past the 64 kept, or with a path of more than 4 hops, dropped", TYPE_HARDWARE_UNIT, offset, size);
    }
    counted++;
    at += length;
  }
  return counted;
}

export function reset(): void {
  tableAddress = 0;
  widthValue = 0;
  flagsValue = 0;
  units = 0;
  structures = 0;
  scopes = 0;
  scopesDropped = 0;
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
        store<u32>(unitScopes + <usize>units * 4, countScopes(units, at, size, offset));
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

/** Device scopes kept, over all units (≤ MAX_SCOPES), and how many were dropped. */
export function scopeCount(): i32 { return scopes; }
export function scopesDroppedCount(): i32 { return scopesDropped; }
export function scopeUnit(i: i32): i32 { return i >= 0 && i < scopes ? <i32>load<u8>(scopeUnits + <usize>i) : -1; }
export function scopeType(i: i32): u8 { return i >= 0 && i < scopes ? load<u8>(scopeTypes + <usize>i) : 0; }
export function scopeStartBus(i: i32): u8 { return i >= 0 && i < scopes ? load<u8>(scopeBuses + <usize>i) : 0; }
/** Hops in the scope's path: the last names the device, the ones before it bridges. */
export function scopeHopCount(i: i32): i32 { return i >= 0 && i < scopes ? <i32>load<u8>(scopeHops + <usize>i) : 0; }
export function scopeHopDevice(i: i32, hop: i32): u8 {
  return i >= 0 && i < scopes && hop >= 0 && hop < scopeHopCount(i) ? load<u8>(scopePaths + <usize>(i * MAX_HOPS + hop) * 2) : 0;
}
export function scopeHopFunction(i: i32, hop: i32): u8 {
  return i >= 0 && i < scopes && hop >= 0 && hop < scopeHopCount(i) ? load<u8>(scopePaths + <usize>(i * MAX_HOPS + hop) * 2 + 1) : 0;
}
