// fadt.ts — the Fixed ACPI Description Table, signature "FACP" (ACPI 6.5 §5.2.9):
// the SCI, the SMI command port, the PM1/PM-timer/GPE register blocks, the reset
// register, the DSDT and FACS, and the IA-PC boot architecture and feature flags.
// Older FADTs are shorter: a field is read only when it lies inside the table's
// length (so a missing field reads as absent). Register blocks are decoded once
// into space + address + width, the 64-bit X_ form preferred when present and
// nonzero (§5.2.9: "X_ fields supersede"), else the 32-bit port field.
import { Errno } from "../../abi";
import * as line from "../line";
import * as log from "../log";
import * as physical from "../physical";
import * as gas from "./gas";
import * as tables from "./tables";

/** The ACPI 1.0 FADT (revision 1) ends after Flags at offset 112. */
const ACPI1_LENGTH: u32 = 116;

const OFFSET_FIRMWARE_CONTROL: u32 = 36;
const OFFSET_DSDT: u32 = 40;
const OFFSET_SCI_INTERRUPT: u32 = 46;
const OFFSET_SMI_COMMAND: u32 = 48;
const OFFSET_ACPI_ENABLE: u32 = 52;
const OFFSET_ACPI_DISABLE: u32 = 53;
const OFFSET_PM1A_EVENT: u32 = 56;      // the 32-bit port fields, 4 bytes apart
const OFFSET_PM1_EVENT_LENGTH: u32 = 88;
const OFFSET_PM1_CONTROL_LENGTH: u32 = 89;
const OFFSET_PM2_CONTROL_LENGTH: u32 = 90;
const OFFSET_PM_TIMER_LENGTH: u32 = 91;
const OFFSET_GPE0_LENGTH: u32 = 92;
const OFFSET_GPE1_LENGTH: u32 = 93;
const OFFSET_BOOT_ARCHITECTURE: u32 = 109;
const OFFSET_FLAGS: u32 = 112;
const OFFSET_RESET_REGISTER: u32 = 116;
const OFFSET_RESET_VALUE: u32 = 128;
const OFFSET_MINOR_VERSION: u32 = 131;
const OFFSET_X_FIRMWARE_CONTROL: u32 = 132;
const OFFSET_X_DSDT: u32 = 140;
const OFFSET_X_PM1A_EVENT: u32 = 148;   // the X_ generic address structures, 12 bytes apart

const PORT_FIELD_SIZE: u32 = 4;
const BITS_PER_BYTE: u8 = 8;

// IAPC_BOOT_ARCH (§5.2.9.3)
export const BOOT_LEGACY_DEVICES: u16 = 1 << 0;
export const BOOT_8042: u16 = 1 << 1;
export const BOOT_VGA_NOT_PRESENT: u16 = 1 << 2;
export const BOOT_MSI_NOT_SUPPORTED: u16 = 1 << 3;
export const BOOT_CMOS_RTC_NOT_PRESENT: u16 = 1 << 5;
// Fixed feature flags (§5.2.9, table 5.10)
export const FLAG_POWER_BUTTON_CONTROL_METHOD: u32 = 1 << 4;
export const FLAG_SLEEP_BUTTON_CONTROL_METHOD: u32 = 1 << 5;
export const FLAG_TIMER_32_BIT: u32 = 1 << 8;
export const FLAG_RESET_REGISTER_SUPPORTED: u32 = 1 << 10;
export const FLAG_HARDWARE_REDUCED: u32 = 1 << 20;

/** The register blocks, in the FADT's own order of both their 32-bit and X_ fields. */
export const enum Register {
  Pm1aEvent = 0, Pm1bEvent = 1, Pm1aControl = 2, Pm1bControl = 3, Pm2Control = 4,
  PmTimer = 5, Gpe0 = 6, Gpe1 = 7, Reset = 8,
}
const REGISTERS: i32 = 9;

let tableAddress: u64 = 0;
let tableLength: u32 = 0;
const registerSpace = memory.data(REGISTERS);
const registerWidth = memory.data(REGISTERS);
const registerAddress = memory.data(REGISTERS * 8);

function inside(offset: u32, size: u32): bool { return tableAddress != 0 && offset + size <= tableLength; }
function field8(offset: u32): u8 { return inside(offset, 1) ? physical.read8(tableAddress + <u64>offset) : 0; }
function field16(offset: u32): u16 { return inside(offset, 2) ? physical.read16(tableAddress + <u64>offset) : 0; }
function field32(offset: u32): u32 { return inside(offset, 4) ? physical.read32(tableAddress + <u64>offset) : 0; }
function field64(offset: u32): u64 { return inside(offset, 8) ? physical.read64(tableAddress + <u64>offset) : 0; }

function setRegister(which: Register, space: gas.AddressSpace, width: u8, address: u64): void {
  store<u8>(registerSpace + <usize>which, <u8>space);
  store<u8>(registerWidth + <usize>which, width);
  store<u64>(registerAddress + <usize>which * 8, address);
}

/** A generic address structure at `offset`, if the table is long enough and it is set. */
function fromStructure(which: Register, offset: u32): bool {
  if (!inside(offset, gas.SIZE)) return false;
  const structure = tableAddress + <u64>offset;
  if (gas.address(structure) == 0) return false;
  setRegister(which, gas.space(structure), gas.bitWidth(structure), gas.address(structure));
  return true;
}

/** A block from its X_ structure, else its 32-bit I/O port field and length byte. */
function block(which: Register, lengthOffset: u32): void {
  if (fromStructure(which, OFFSET_X_PM1A_EVENT + <u32>which * gas.SIZE)) return;
  const port = field32(OFFSET_PM1A_EVENT + <u32>which * PORT_FIELD_SIZE);
  setRegister(which, gas.AddressSpace.SystemIo, port == 0 ? 0 : field8(lengthOffset) * BITS_PER_BYTE, <u64>port);
}

export function reset(): void {
  tableAddress = 0;
  tableLength = 0;
  memory.fill(registerSpace, 0, REGISTERS);
  memory.fill(registerWidth, 0, REGISTERS);
  memory.fill(registerAddress, 0, REGISTERS * 8);
}

/** Reads the FADT from the table directory. Ok, NotFound, or Truncated when it is
 *  shorter than ACPI 1.0's (its fields inside the length are still used). */
export function parse(): Errno {
  reset();
  const address = tables.find(tables.SIGNATURE_FADT);
  if (address == 0) return Errno.NotFound;
  tableAddress = address;
  tableLength = tables.lengthOf(address);
  block(Register.Pm1aEvent, OFFSET_PM1_EVENT_LENGTH);
  block(Register.Pm1bEvent, OFFSET_PM1_EVENT_LENGTH);
  block(Register.Pm1aControl, OFFSET_PM1_CONTROL_LENGTH);
  block(Register.Pm1bControl, OFFSET_PM1_CONTROL_LENGTH);
  block(Register.Pm2Control, OFFSET_PM2_CONTROL_LENGTH);
  block(Register.PmTimer, OFFSET_PM_TIMER_LENGTH);
  block(Register.Gpe0, OFFSET_GPE0_LENGTH);
  block(Register.Gpe1, OFFSET_GPE1_LENGTH);
  fromStructure(Register.Reset, OFFSET_RESET_REGISTER);
  if (tableLength < ACPI1_LENGTH) {
    log.begin(log.Level.Warn);
    line.text("acpi: FADT is ");
    line.decimal(tableLength);
    line.text(" bytes, shorter than the ACPI 1.0 layout (116); fields past its end read as absent");
    log.end();
    return Errno.Truncated;
  }
  return Errno.Ok;
}

export function present(): bool { return tableAddress != 0; }
export function revision(): u8 { return present() ? tables.revisionOf(tableAddress) : 0; }
export function minorVersion(): u8 { return field8(OFFSET_MINOR_VERSION); }

/** The GSI (in 8259 mode, the IRQ) the SCI arrives on; ACPI requires level, active low. */
export function sciInterrupt(): u16 { return field16(OFFSET_SCI_INTERRUPT); }
/** The port where writing acpiEnableValue() hands ACPI to the OS; 0 when already ACPI-only. */
export function smiCommandPort(): u32 { return field32(OFFSET_SMI_COMMAND); }
export function acpiEnableValue(): u8 { return field8(OFFSET_ACPI_ENABLE); }
export function acpiDisableValue(): u8 { return field8(OFFSET_ACPI_DISABLE); }
export function pm1EventLength(): u8 { return field8(OFFSET_PM1_EVENT_LENGTH); }
export function pm1ControlLength(): u8 { return field8(OFFSET_PM1_CONTROL_LENGTH); }
export function pmTimerLength(): u8 { return field8(OFFSET_PM_TIMER_LENGTH); }

/** A register block's address (a port number in the I/O space); 0 when absent. */
export function registerAddressOf(which: Register): u64 { return load<u64>(registerAddress + <usize>which * 8); }
export function registerSpaceOf(which: Register): gas.AddressSpace { return <gas.AddressSpace>load<u8>(registerSpace + <usize>which); }
export function registerBitWidth(which: Register): u8 { return load<u8>(registerWidth + <usize>which); }

export function flags(): u32 { return field32(OFFSET_FLAGS); }
export function bootArchitecture(): u16 { return field16(OFFSET_BOOT_ARCHITECTURE); }
export function hasLegacyDevices(): bool { return (bootArchitecture() & BOOT_LEGACY_DEVICES) != 0; }
export function has8042(): bool { return (bootArchitecture() & BOOT_8042) != 0; }
export function hasCmosRtc(): bool { return (bootArchitecture() & BOOT_CMOS_RTC_NOT_PRESENT) == 0; }
/** The power button is an ACPI device driven by AML, not the fixed-feature button. */
export function powerButtonIsControlMethod(): bool { return (flags() & FLAG_POWER_BUTTON_CONTROL_METHOD) != 0; }
export function hardwareReduced(): bool { return (flags() & FLAG_HARDWARE_REDUCED) != 0; }
export function timerIs32Bit(): bool { return (flags() & FLAG_TIMER_32_BIT) != 0; }

/** The reset register may be used: flagged, inside the table, and with an address. */
export function resetSupported(): bool {
  return (flags() & FLAG_RESET_REGISTER_SUPPORTED) != 0 && inside(OFFSET_RESET_VALUE, 1) && registerAddressOf(Register.Reset) != 0;
}
export function resetValue(): u8 { return field8(OFFSET_RESET_VALUE); }

/** The DSDT's physical address, X_DSDT preferred. */
export function dsdtAddress(): u64 {
  const wide = field64(OFFSET_X_DSDT);
  return wide != 0 ? wide : <u64>field32(OFFSET_DSDT);
}
/** The FACS's physical address, X_FIRMWARE_CTRL preferred. */
export function firmwareControlAddress(): u64 {
  const wide = field64(OFFSET_X_FIRMWARE_CONTROL);
  return wide != 0 ? wide : <u64>field32(OFFSET_FIRMWARE_CONTROL);
}
