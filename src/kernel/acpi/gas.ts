// gas.ts — the Generic Address Structure (ACPI 6.5 §5.2.3.2), how ACPI names a
// register that may live in memory, I/O ports or PCI configuration space:
//   0 address space id u8 | 1 register bit width u8 | 2 register bit offset u8
//   3 access size u8 (0 undefined, 1 byte, 2 word, 3 dword, 4 qword) | 4 address u64
// Decoded by the table parsers into their own fields; nothing here is stored.
import * as physical from "../physical";

export const SIZE: u32 = 12;

export const enum AddressSpace {
  SystemMemory = 0,
  SystemIo = 1,
  PciConfiguration = 2,
  EmbeddedController = 3,
  SmBus = 4,
  FunctionalFixedHardware = 0x7f,
}

const OFFSET_SPACE: u64 = 0;
const OFFSET_BIT_WIDTH: u64 = 1;
const OFFSET_BIT_OFFSET: u64 = 2;
const OFFSET_ACCESS_SIZE: u64 = 3;
const OFFSET_ADDRESS: u64 = 4;

export function space(structure: u64): AddressSpace { return <AddressSpace>physical.read8(structure + OFFSET_SPACE); }
export function bitWidth(structure: u64): u8 { return physical.read8(structure + OFFSET_BIT_WIDTH); }
export function bitOffset(structure: u64): u8 { return physical.read8(structure + OFFSET_BIT_OFFSET); }
export function accessSize(structure: u64): u8 { return physical.read8(structure + OFFSET_ACCESS_SIZE); }
/** The register's address in its space (a port number for SystemIo). */
export function address(structure: u64): u64 { return physical.read64(structure + OFFSET_ADDRESS); }

export function spaceName(value: AddressSpace): string {
  switch (value) {
    case AddressSpace.SystemMemory: return "memory";
    case AddressSpace.SystemIo: return "io";
    case AddressSpace.PciConfiguration: return "pci";
    case AddressSpace.EmbeddedController: return "ec";
    case AddressSpace.SmBus: return "smbus";
    case AddressSpace.FunctionalFixedHardware: return "ffh";
    default: return "other";
  }
}
