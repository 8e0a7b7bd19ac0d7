// madt.ts — the Multiple APIC Description Table, signature "APIC" (ACPI 6.5 §5.2.12):
//   36 local interrupt controller address u32 | 40 flags u32 (bit 0 PCAT_COMPAT)
//   44 entries { type u8, length u8, body }
// Processors and I/O APICs are kept here, interrupt wiring in overrides.ts. An entry
// whose length is below 2 or runs past the table ends the walk with a warning (what
// came before is kept); unknown types are skipped; full buffers drop the rest.
import { Errno } from "../../abi";
import * as line from "../line";
import * as log from "../log";
import * as physical from "../physical";
import * as overrides from "./overrides";
import * as tables from "./tables";

export const MAX_CPUS: i32 = 256;
export const MAX_IO_APICS: i32 = 16;

const OFFSET_LOCAL_APIC: u64 = 36;
const OFFSET_FLAGS: u64 = 40;
const ENTRIES_START: u32 = 44;
const ENTRY_HEADER_SIZE: u32 = 2;

const FLAG_PCAT_COMPAT: u32 = 1 << 0;
const CPU_ENABLED: u32 = 1 << 0;
const CPU_ONLINE_CAPABLE: u32 = 1 << 1;
/** Set in our own per-CPU flags (not ACPI's) for entries from type 9. */
const CPU_FROM_X2APIC_ENTRY: u32 = 1 << 31;

const enum EntryType {
  LocalApic = 0, IoApic = 1, SourceOverride = 2, NmiSource = 3, LocalApicNmi = 4,
  LocalApicAddressOverride = 5, LocalX2Apic = 9, LocalX2ApicNmi = 10,
}

/** The smallest length each entry type needs for the fields read here; 0 = unknown type. */
function minimumLength(type: u8): u32 {
  switch (<i32>type) {
    case EntryType.LocalApic: return 8;
    case EntryType.IoApic: return 12;
    case EntryType.SourceOverride: return 10;
    case EntryType.NmiSource: return 8;
    case EntryType.LocalApicNmi: return 6;
    case EntryType.LocalApicAddressOverride: return 12;
    case EntryType.LocalX2Apic: return 16;
    case EntryType.LocalX2ApicNmi: return 12;
    default: return 0;
  }
}

/** The UID an xAPIC local NMI entry uses for "all processors". */
const ALL_PROCESSORS_U8: u8 = 0xff;

let tableAddress: u64 = 0;
let localApic: u64 = 0;
let madtFlags: u32 = 0;

const cpuApic = memory.data(MAX_CPUS * 4);
const cpuUid = memory.data(MAX_CPUS * 4);
const cpuFlags = memory.data(MAX_CPUS * 4);
let cpus: i32 = 0;
let cpusSeen: i32 = 0;

const ioApicIds = memory.data(MAX_IO_APICS);
const ioApicAddresses = memory.data(MAX_IO_APICS * 8);
const ioApicGsiBases = memory.data(MAX_IO_APICS * 4);
let ioApics: i32 = 0;
let ioApicsSeen: i32 = 0;

function warnEntry(text: string, type: u8, offset: u32, length: u32): void {
  log.warnItem("acpi: MADT ", text, "entry", <u32>type, offset, "length", length);
}

function warnDropped(what: string, seen: i32, kept: i32): void {
  log.begin(log.Level.Warn);
  line.text("acpi: MADT lists ");
  line.decimal(seen);
  line.text(what);
  line.text("; keeping the first ");
  line.decimal(kept);
  log.end();
}

function addCpu(apicId: u32, uid: u32, flags: u32): void {
  cpusSeen++;
  if (cpus == MAX_CPUS) return;
  store<u32>(cpuApic + <usize>cpus * 4, apicId);
  store<u32>(cpuUid + <usize>cpus * 4, uid);
  store<u32>(cpuFlags + <usize>cpus * 4, flags);
  cpus++;
}

function addIoApic(id: u8, address: u32, gsiBase: u32): void {
  ioApicsSeen++;
  if (ioApics == MAX_IO_APICS) return;
  store<u8>(ioApicIds + <usize>ioApics, id);
  store<u64>(ioApicAddresses + <usize>ioApics * 8, <u64>address);
  store<u32>(ioApicGsiBases + <usize>ioApics * 4, gsiBase);
  ioApics++;
}

function entry(at: u64, type: u8): void {
  switch (<i32>type) {
    case EntryType.LocalApic:
      addCpu(<u32>physical.read8(at + 3), <u32>physical.read8(at + 2), physical.read32(at + 4));
      break;
    case EntryType.IoApic:
      addIoApic(physical.read8(at + 2), physical.read32(at + 4), physical.read32(at + 8));
      break;
    case EntryType.SourceOverride:
      overrides.addOverride(physical.read8(at + 2), physical.read8(at + 3), physical.read32(at + 4), physical.read16(at + 8));
      break;
    case EntryType.NmiSource:
      overrides.addNmiSource(physical.read32(at + 4), physical.read16(at + 2));
      break;
    case EntryType.LocalApicNmi: {
      const uid = physical.read8(at + 2);
      overrides.addLocalNmi(uid == ALL_PROCESSORS_U8 ? overrides.ALL_PROCESSORS : <u32>uid, physical.read16(at + 3), physical.read8(at + 5));
      break;
    }
    case EntryType.LocalApicAddressOverride:
      localApic = physical.read64(at + 4);
      break;
    case EntryType.LocalX2Apic:
      addCpu(physical.read32(at + 4), physical.read32(at + 12), physical.read32(at + 8) | CPU_FROM_X2APIC_ENTRY);
      break;
    case EntryType.LocalX2ApicNmi:
      overrides.addLocalNmi(physical.read32(at + 4), physical.read16(at + 2), physical.read8(at + 8));
      break;
  }
}

export function reset(): void {
  tableAddress = 0;
  localApic = 0;
  madtFlags = 0;
  cpus = 0;
  cpusSeen = 0;
  ioApics = 0;
  ioApicsSeen = 0;
  overrides.reset();
}

/** Reads the MADT from the table directory. Ok, NotFound (no MADT), Truncated or
 *  Malformed (walk stopped early), ResourceExhausted (entries dropped). */
export function parse(): Errno {
  reset();
  const address = tables.find(tables.SIGNATURE_MADT);
  if (address == 0) return Errno.NotFound;
  const length = tables.lengthOf(address);
  if (length < ENTRIES_START) {
    log.warn("acpi: MADT shorter than its 44-byte fixed part; ignored");
    return Errno.Truncated;
  }
  tableAddress = address;
  localApic = <u64>physical.read32(address + OFFSET_LOCAL_APIC);
  madtFlags = physical.read32(address + OFFSET_FLAGS);
  let status = Errno.Ok;
  let offset = ENTRIES_START;
  while (offset + ENTRY_HEADER_SIZE <= length) {
    const at = address + <u64>offset;
    const type = physical.read8(at);
    const size = <u32>physical.read8(at + 1);
    if (size < ENTRY_HEADER_SIZE) { warnEntry("entry shorter than its header, stopping", type, offset, size); status = Errno.Malformed; break; }
    if (size > length - offset) { warnEntry("entry runs past the end of the table, stopping", type, offset, size); status = Errno.Truncated; break; }
    const minimum = minimumLength(type);
    if (minimum == 0) log.debug("acpi: MADT entry of unknown type skipped");
    else if (size < minimum) warnEntry("entry too short for its type, skipped", type, offset, size);
    else entry(at, type);
    offset += size;
  }
  if (cpusSeen > cpus) { warnDropped(" processors", cpusSeen, cpus); status = Errno.ResourceExhausted; }
  if (ioApicsSeen > ioApics) { warnDropped(" I/O APICs", ioApicsSeen, ioApics); status = Errno.ResourceExhausted; }
  if (overrides.dropped() > 0) {
    log.warn("acpi: MADT has more interrupt overrides or NMI entries than fit; the rest dropped");
    status = Errno.ResourceExhausted;
  }
  return status;
}

export function present(): bool { return tableAddress != 0; }
/** The local APIC's physical address (the 64-bit override when the MADT has one). */
export function localApicAddress(): u64 { return localApic; }
export function flags(): u32 { return madtFlags; }
/** The machine also has the two legacy 8259 PICs (which must be masked). */
export function pcatCompatible(): bool { return (madtFlags & FLAG_PCAT_COMPAT) != 0; }

export function cpuCount(): i32 { return cpus; }
/** Processors the MADT lists, including any beyond MAX_CPUS. */
export function cpusListed(): i32 { return cpusSeen; }
export function cpuApicId(i: i32): u32 { return i >= 0 && i < cpus ? load<u32>(cpuApic + <usize>i * 4) : 0; }
export function cpuProcessorUid(i: i32): u32 { return i >= 0 && i < cpus ? load<u32>(cpuUid + <usize>i * 4) : 0; }
function cpuFlagsAt(i: i32): u32 { return i >= 0 && i < cpus ? load<u32>(cpuFlags + <usize>i * 4) : 0; }
export function cpuEnabled(i: i32): bool { return (cpuFlagsAt(i) & CPU_ENABLED) != 0; }
/** Disabled now but may be brought online later (ACPI 6.3+). */
export function cpuOnlineCapable(i: i32): bool { return (cpuFlagsAt(i) & CPU_ONLINE_CAPABLE) != 0; }
export function cpuIsX2Apic(i: i32): bool { return (cpuFlagsAt(i) & CPU_FROM_X2APIC_ENTRY) != 0; }
export function cpusEnabled(): i32 {
  let n = 0;
  for (let i = 0; i < cpus; i++) if (cpuEnabled(i)) n++;
  return n;
}

export function ioApicCount(): i32 { return ioApics; }
export function ioApicId(i: i32): u8 { return i >= 0 && i < ioApics ? load<u8>(ioApicIds + <usize>i) : 0; }
export function ioApicAddress(i: i32): u64 { return i >= 0 && i < ioApics ? load<u64>(ioApicAddresses + <usize>i * 8) : 0; }
export function ioApicGsiBase(i: i32): u32 { return i >= 0 && i < ioApics ? load<u32>(ioApicGsiBases + <usize>i * 4) : 0; }
