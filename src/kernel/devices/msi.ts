// msi.ts — message-signalled interrupts (PCI local bus spec 3.0 §6.8): a device
// raises an interrupt by writing a message (data = the vector) to the local APIC's
// address window, so no I/O APIC pin, no sharing and no level-triggered EOI dance.
//   MSI-X capability (id 0x11): +2 control (table size - 1 in 10:0, function mask
//     bit 14, enable bit 15) | +4 table offset | BIR (2:0) | +8 PBA offset | BIR.
//     Table entry, 16 bytes: address low | address high | data | vector control (bit 0 masked).
//   MSI capability (id 0x05): +2 control (enable bit 0, 64-bit bit 7) | +4 address low
//     | (64-bit: +8 address high) | data (+8, or +12 when 64-bit).
//   Message address: 0xFEE0_0000 | destination APIC id << 12; data: the vector,
//   fixed delivery, edge-triggered (Intel SDM vol. 3 §11.11).
import { Errno } from "../../abi";
import { cpu, pci } from "../../hal";
import * as physical from "../physical";
import { DIRECT_MAP_BASE } from "../memory/layout";
import * as registry from "./registry";

export const CAP_MSI: u8 = 0x05;
export const CAP_MSIX: u8 = 0x11;
const MSIX_CONTROL: u32 = 2;
const MSIX_TABLE: u32 = 4;
const MSIX_TABLE_SIZE_MASK: u32 = 0x7ff;
const MSIX_FUNCTION_MASK: u32 = 1 << 14;
const MSIX_ENABLE: u32 = 1 << 15;
const BIR_MASK: u32 = 7;
const ENTRY_BYTES: u64 = 16;
const ENTRY_ADDRESS_LOW: u64 = 0;
const ENTRY_ADDRESS_HIGH: u64 = 4;
const ENTRY_DATA: u64 = 8;
const ENTRY_CONTROL: u64 = 12;
const ENTRY_MASKED: u32 = 1;
const MSI_CONTROL: u32 = 2;
const MSI_ADDRESS: u32 = 4;
const MSI_ENABLE: u32 = 1 << 0;
const MSI_MULTIPLE_ENABLE_MASK: u32 = 7 << 4;
const MSI_64BIT: u32 = 1 << 7;
const MESSAGE_ADDRESS_BASE: u32 = 0xfee0_0000;
const DESTINATION_SHIFT: u32 = 12;
const REG_COMMAND: u32 = 0x04;
const COMMAND_INTX_DISABLE: u32 = 1 << 10;

function read(i: i32, offset: u32): u32 { return pci.read32(registry.bus(i), registry.slot(i), registry.fn(i), offset); }
function write(i: i32, offset: u32, value: u32): void { pci.write32(registry.bus(i), registry.slot(i), registry.fn(i), offset, value); }

/** Config-space offset of device `i`'s capability `id`, or 0. */
function capability(i: i32, id: u8): u32 {
  for (let n = 0; n < registry.capabilityCount(i); n++) {
    if (registry.capabilityId(i, n) == id) return <u32>registry.capabilityOffset(i, n);
  }
  return 0;
}

/** The message address that reaches local APIC `apicId`. */
export function messageAddress(apicId: u32): u32 { return MESSAGE_ADDRESS_BASE | ((apicId & 0xff) << DESTINATION_SHIFT); }

/** Number of MSI-X table entries device `i` has (0: no MSI-X). */
export function msixEntries(i: i32): u32 {
  const at = capability(i, CAP_MSIX);
  return at == 0 ? 0 : ((read(i, at) >> 16) & MSIX_TABLE_SIZE_MASK) + 1;
}

/** Virtual address of device `i`'s MSI-X table, or 0 when its BAR is missing,
 *  an I/O BAR, too small for the table, or beyond the direct map. */
function msixTable(i: i32, at: u32): u64 {
  const placement = read(i, at + MSIX_TABLE);
  const bar = <i32>(placement & BIR_MASK);
  const offset = <u64>(placement & ~BIR_MASK);
  if (bar > 5 || registry.barSize(i, bar) == 0 || registry.barIsIo(i, bar)) return 0;
  const entries = <u64>msixEntries(i);
  if (offset + entries * ENTRY_BYTES > registry.barSize(i, bar)) return 0;
  const address = registry.barAddress(i, bar) + offset;
  if (address + entries * ENTRY_BYTES > physical.mapped()) return 0;
  return DIRECT_MAP_BASE + address;
}

/** Points MSI-X entry `entry` of device `i` at `vector` on local APIC `apicId`
 *  and unmasks it, then turns MSI-X on (and legacy INTx off). NotSupported
 *  without MSI-X or with its table out of reach; InvalidArgument past the table. */
export function enableMsix(i: i32, entry: u32, vector: u32, apicId: u32): Errno {
  const at = capability(i, CAP_MSIX);
  if (at == 0) return Errno.NotSupported;
  if (entry >= msixEntries(i) || vector < 32 || vector > 255) return Errno.InvalidArgument;
  const table = msixTable(i, at);
  if (table == 0) return Errno.NotSupported;
  const slot = table + <u64>entry * ENTRY_BYTES;
  cpu.store32(slot + ENTRY_CONTROL, ENTRY_MASKED);       // never half-written while live
  cpu.store32(slot + ENTRY_ADDRESS_LOW, messageAddress(apicId));
  cpu.store32(slot + ENTRY_ADDRESS_HIGH, 0);
  cpu.store32(slot + ENTRY_DATA, vector);
  cpu.store32(slot + ENTRY_CONTROL, 0);
  const control = read(i, at);
  write(i, at, (control | (MSIX_ENABLE << 16)) & ~(MSIX_FUNCTION_MASK << 16));
  write(i, REG_COMMAND, (read(i, REG_COMMAND) | COMMAND_INTX_DISABLE) & 0xffff);
  return Errno.Ok;
}

/** Masks MSI-X entry `entry` (the device holds its message pending instead). */
export function maskMsix(i: i32, entry: u32): void {
  const at = capability(i, CAP_MSIX);
  if (at == 0 || entry >= msixEntries(i)) return;
  const table = msixTable(i, at);
  if (table != 0) cpu.store32(table + <u64>entry * ENTRY_BYTES + ENTRY_CONTROL, ENTRY_MASKED);
}

/** Single-message MSI: device `i` signals `vector` on local APIC `apicId`.
 *  NotSupported when it has no MSI capability. */
export function enableMsi(i: i32, vector: u32, apicId: u32): Errno {
  const at = capability(i, CAP_MSI);
  if (at == 0) return Errno.NotSupported;
  if (vector < 32 || vector > 255) return Errno.InvalidArgument;
  const control = read(i, at) >> 16;
  write(i, at, (control & ~(MSI_ENABLE | MSI_MULTIPLE_ENABLE_MASK)) << 16);
  write(i, at + MSI_ADDRESS, messageAddress(apicId));
  if ((control & MSI_64BIT) != 0) {
    write(i, at + MSI_ADDRESS + 4, 0);
    write(i, at + MSI_ADDRESS + 8, vector);     // data is 16 bits; the upper half is reserved
  } else {
    write(i, at + MSI_ADDRESS + 4, vector);
  }
  write(i, at, ((control & ~MSI_MULTIPLE_ENABLE_MASK) | MSI_ENABLE) << 16);
  write(i, REG_COMMAND, (read(i, REG_COMMAND) | COMMAND_INTX_DISABLE) & 0xffff);
  return Errno.Ok;
}
