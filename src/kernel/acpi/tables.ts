// tables.ts — the directory of ACPI system description tables (ACPI 6.5 §5.2.6–5.2.8).
// discover() walks the XSDT (or RSDT) once and checks every table it lists —
// signature, length, mapping, checksum over the whole length — entering only the
// tables that pass. Parsers of single tables find theirs here and may trust its
// header. A table that fails is logged and skipped; a bad root means no tables.
// Every SDT starts with this 36-byte header:
//   0 signature[4] | 4 length u32 | 8 revision u8 | 9 checksum u8 | 10 OEM id[6]
//   16 OEM table id[8] | 24 OEM revision u32 | 28 creator id u32 | 32 creator revision u32
import { Errno } from "../../abi";
import * as bootinfo from "../bootinfo";
import * as line from "../line";
import * as log from "../log";
import * as physical from "../physical";

// Signatures as the little-endian u32 of their four ASCII bytes.
export const SIGNATURE_RSDT: u32 = 0x54445352;   // "RSDT"
export const SIGNATURE_XSDT: u32 = 0x54445358;   // "XSDT"
export const SIGNATURE_FADT: u32 = 0x50434146;   // "FACP"
export const SIGNATURE_MADT: u32 = 0x43495041;   // "APIC"
export const SIGNATURE_HPET: u32 = 0x54455048;   // "HPET"
export const SIGNATURE_MCFG: u32 = 0x4746434d;   // "MCFG"
export const SIGNATURE_DMAR: u32 = 0x52414d44;   // "DMAR"
export const SIGNATURE_DSDT: u32 = 0x54445344;   // "DSDT"

export const HEADER_SIZE: u32 = 36;
const OFFSET_LENGTH: u64 = 4;
const OFFSET_REVISION: u64 = 8;
/** Larger than any real table (DSDTs reach a few hundred KiB); stops absurd sums. */
export const MAX_TABLE_LENGTH: u32 = 1 << 20;
const MAX_TABLES: i32 = 64;

// RSDP fields (ACPI 6.5 §5.2.5.3); bootinfo/rsdp.ts has already checked it.
const RSDP_OFFSET_REVISION: u64 = 15;
const RSDP_OFFSET_RSDT: u64 = 16;
const RSDP_OFFSET_XSDT: u64 = 24;
const RSDP_XSDT_REVISION: u8 = 2;
const RSDT_ENTRY_SIZE: u32 = 4;
const XSDT_ENTRY_SIZE: u32 = 8;

const CHAR_FIRST_PRINTABLE: u8 = 0x21;
const CHAR_LAST_PRINTABLE: u8 = 0x7e;

/** Why a table header was refused. */
export const enum Rejection {
  None = 0, NullAddress, Unmapped, BadSignature, WrongSignature, TooShort, TooLong, BadChecksum,
}

export function rejectionText(reason: Rejection): string {
  switch (reason) {
    case Rejection.NullAddress: return "null address";
    case Rejection.Unmapped: return "outside mapped physical memory";
    case Rejection.BadSignature: return "signature is not printable ASCII";
    case Rejection.WrongSignature: return "not the expected signature";
    case Rejection.TooShort: return "length shorter than the 36-byte header";
    case Rejection.TooLong: return "length above the 1 MiB sanity limit";
    case Rejection.BadChecksum: return "checksum does not sum to zero";
    default: return "accepted";
  }
}

const directorySignature = memory.data(MAX_TABLES * 4);
const directoryAddress = memory.data(MAX_TABLES * 8);
let tableCount: i32 = 0;
let tablesRejected: i32 = 0;
let rootAddress: u64 = 0;
let rootSignature: u32 = 0;

/** Appends a signature's four characters (non-printable ones as '?'). */
export function appendSignature(signature: u32): void {
  for (let i: u32 = 0; i < 4; i++) {
    const c = <u8>(signature >> (i * 8));
    line.byte(c >= CHAR_FIRST_PRINTABLE && c <= CHAR_LAST_PRINTABLE ? c : <u8>0x3f);
  }
}

function printableSignature(signature: u32): bool {
  for (let i: u32 = 0; i < 4; i++) {
    const c = <u8>(signature >> (i * 8));
    if (c < CHAR_FIRST_PRINTABLE || c > CHAR_LAST_PRINTABLE) return false;
  }
  return true;
}

/** The header's length field; only meaningful for a table that passed checkHeader. */
export function lengthOf(address: u64): u32 { return physical.read32(address + OFFSET_LENGTH); }
export function revisionOf(address: u64): u8 { return physical.read8(address + OFFSET_REVISION); }
export function signatureOf(address: u64): u32 { return physical.read32(address); }

/** Checks the header and checksum of the table at `address`; `expected` 0 accepts any signature. */
export function checkHeader(address: u64, expected: u32): Rejection {
  if (address == 0) return Rejection.NullAddress;
  if (!physical.readable(address, <u64>HEADER_SIZE)) return Rejection.Unmapped;
  const signature = signatureOf(address);
  if (!printableSignature(signature)) return Rejection.BadSignature;
  if (expected != 0 && signature != expected) return Rejection.WrongSignature;
  const length = lengthOf(address);
  if (length < HEADER_SIZE) return Rejection.TooShort;
  if (length > MAX_TABLE_LENGTH) return Rejection.TooLong;
  if (!physical.readable(address, <u64>length)) return Rejection.Unmapped;
  let sum: u8 = 0;
  for (let i: u64 = 0; i < <u64>length; i++) sum += physical.read8(address + i);
  return sum == 0 ? Rejection.None : Rejection.BadChecksum;
}

function warnRejected(address: u64, reason: Rejection): void {
  log.begin(log.Level.Warn);
  line.text("acpi: table ");
  if (reason == Rejection.NullAddress || (reason == Rejection.Unmapped && !physical.readable(address, 4))) line.text("????");
  else appendSignature(signatureOf(address));
  line.text(" at ");
  line.hex(address);
  line.text(" rejected: ");
  line.text(rejectionText(reason));
  log.end();
}

/** Enters the table at `address` after checking it; used for the listed tables
 *  and for tables reached another way (the DSDT, through the FADT). */
export function adopt(address: u64, expected: u32): Errno {
  const reason = checkHeader(address, expected);
  if (reason != Rejection.None) {
    warnRejected(address, reason);
    tablesRejected++;
    return Errno.Malformed;
  }
  if (tableCount == MAX_TABLES) {
    log.begin(log.Level.Warn);
    line.text("acpi: more than 64 tables; ignoring ");
    appendSignature(signatureOf(address));
    line.text(" at ");
    line.hex(address);
    log.end();
    return Errno.ResourceExhausted;
  }
  store<u32>(directorySignature + <usize>tableCount * 4, signatureOf(address));
  store<u64>(directoryAddress + <usize>tableCount * 8, address);
  tableCount++;
  return Errno.Ok;
}

function walkRoot(root: u64, entrySize: u32): void {
  const length = lengthOf(root);
  if ((length - HEADER_SIZE) % entrySize != 0) log.warn("acpi: root table length leaves a partial entry; ignoring its tail");
  for (let at = HEADER_SIZE; at + entrySize <= length; at += entrySize) {
    const entry = root + <u64>at;
    adopt(entrySize == XSDT_ENTRY_SIZE ? physical.read64(entry) : <u64>physical.read32(entry), 0);
  }
}

function tryRoot(address: u64, signature: u32): bool {
  const reason = checkHeader(address, signature);
  if (reason == Rejection.None) return true;
  log.begin(log.Level.Warn);
  line.text("acpi: root table ");
  appendSignature(signature);
  line.text(" at ");
  line.hex(address);
  line.text(" rejected: ");
  line.text(rejectionText(reason));
  log.end();
  return false;
}

export function reset(): void {
  tableCount = 0;
  tablesRejected = 0;
  rootAddress = 0;
  rootSignature = 0;
}

/** Fills the directory from the RSDP at `rsdp`. The XSDT is preferred (revision 2+,
 *  nonzero address); when it is bad the RSDT is tried; when both are, no tables. */
export function discover(rsdp: u64): Errno {
  reset();
  if (rsdp == 0 || !bootinfo.rsdp.valid(rsdp)) {
    log.warn("acpi: no valid RSDP; no ACPI tables");
    return Errno.NotFound;
  }
  const rsdt = <u64>physical.read32(rsdp + RSDP_OFFSET_RSDT);
  const xsdt = physical.read8(rsdp + RSDP_OFFSET_REVISION) >= RSDP_XSDT_REVISION ? physical.read64(rsdp + RSDP_OFFSET_XSDT) : 0;
  if (xsdt != 0 && tryRoot(xsdt, SIGNATURE_XSDT)) {
    rootAddress = xsdt;
    rootSignature = SIGNATURE_XSDT;
  } else if (rsdt != 0 && tryRoot(rsdt, SIGNATURE_RSDT)) {
    if (xsdt != 0) log.warn("acpi: falling back to the RSDT");
    rootAddress = rsdt;
    rootSignature = SIGNATURE_RSDT;
  } else {
    log.warn("acpi: no valid RSDT or XSDT; no ACPI tables");
    return Errno.Malformed;
  }
  walkRoot(rootAddress, rootSignature == SIGNATURE_XSDT ? XSDT_ENTRY_SIZE : RSDT_ENTRY_SIZE);
  return Errno.Ok;
}

/** The physical address of the `index`-th table with `signature` (duplicates are
 *  allowed, e.g. SSDT), or 0 when there is none. */
export function find(signature: u32, index: i32 = 0): u64 {
  let seen = 0;
  for (let i = 0; i < tableCount; i++) {
    if (load<u32>(directorySignature + <usize>i * 4) != signature) continue;
    if (seen == index) return load<u64>(directoryAddress + <usize>i * 8);
    seen++;
  }
  return 0;
}

export function count(): i32 { return tableCount; }
export function rejected(): i32 { return tablesRejected; }
export function signatureAt(index: i32): u32 {
  return index >= 0 && index < tableCount ? load<u32>(directorySignature + <usize>index * 4) : 0;
}
export function addressAt(index: i32): u64 {
  return index >= 0 && index < tableCount ? load<u64>(directoryAddress + <usize>index * 8) : 0;
}
export function lengthAt(index: i32): u32 { return index >= 0 && index < tableCount ? lengthOf(addressAt(index)) : 0; }
/** The XSDT or RSDT the directory came from (0 and 0 when none was valid). */
export function root(): u64 { return rootAddress; }
export function rootKind(): u32 { return rootSignature; }
