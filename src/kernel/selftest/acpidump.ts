// acpidump.ts — the aios.test=acpi-dump scenario: prints the RSDP, the root table,
// every checked table, the DSDT and the FACS as hex, for tools/record-acpi.ts to
// turn into host-test fixtures, then the parsers' summary. Output format, one
// block per region (bytes 32 to a line, lowercase hex, no separators):
//   ACPI TABLE <signature> <physical address hex> <length decimal>
//   ACPI HEX <hex>
//   ...
// Passes when a root table was found and every listed table passed its checks.
import { Errno } from "../../abi";
import * as acpi from "../acpi";
import * as bootinfo from "../bootinfo";
import * as line from "../line";
import * as log from "../log";
import * as physical from "../physical";

const BYTES_PER_LINE: u32 = 32;
const HEX_DIGITS = "0123456789abcdef";
const RSDP_V1_LENGTH: u32 = 20;
const RSDP_OFFSET_REVISION: u64 = 15;
const RSDP_OFFSET_RSDT: u64 = 16;
const RSDP_OFFSET_LENGTH: u64 = 20;
const RSDP_LENGTH_REVISION: u8 = 2;
const RSDP_SIGNATURE_LOW: u32 = 0x20445352;   // "RSD " (the dump names it "RSDP")
const SIGNATURE_RSDP: u32 = 0x50445352;       // "RSDP", a label only
const SIGNATURE_FACS: u32 = 0x53434146;       // "FACS"
const FACS_OFFSET_LENGTH: u64 = 4;
const FACS_MAX_LENGTH: u32 = 4096;

function dump(signature: u32, address: u64, length: u32): void {
  line.reset();
  line.text("ACPI TABLE ");
  acpi.tables.appendSignature(signature);
  line.text(" ");
  line.hex(address);
  line.text(" ");
  line.decimal(length);
  log.publish();
  for (let at: u32 = 0; at < length; at += BYTES_PER_LINE) {
    line.reset();
    line.text("ACPI HEX ");
    for (let i = at; i < length && i < at + BYTES_PER_LINE; i++) {
      const value = physical.read8(address + <u64>i);
      line.byte(<u8>HEX_DIGITS.charCodeAt(value >> 4));
      line.byte(<u8>HEX_DIGITS.charCodeAt(value & 0xf));
    }
    log.publish();
  }
}

function dumpRsdp(address: u64): void {
  let length = RSDP_V1_LENGTH;
  if (physical.read8(address + RSDP_OFFSET_REVISION) >= RSDP_LENGTH_REVISION) length = physical.read32(address + RSDP_OFFSET_LENGTH);
  dump(SIGNATURE_RSDP, address, length);
}

/** The FACS has no checksum or SDT header, so it is not in the directory; it is
 *  dumped only when its signature and length look right. */
function dumpFacs(address: u64): void {
  if (address == 0 || !physical.readable(address, 8) || physical.read32(address) != SIGNATURE_FACS) return;
  const length = physical.read32(address + FACS_OFFSET_LENGTH);
  if (length < 8 || length > FACS_MAX_LENGTH || !physical.readable(address, <u64>length)) return;
  dump(SIGNATURE_FACS, address, length);
}

export function run(): bool {
  const rsdp = bootinfo.info.rsdp();
  if (rsdp == 0 || physical.read32(rsdp) != RSDP_SIGNATURE_LOW) {
    log.error("selftest: no RSDP to dump");
    return false;
  }
  const status = acpi.init(rsdp);
  dumpRsdp(rsdp);
  if (acpi.tables.root() != 0) dump(acpi.tables.rootKind(), acpi.tables.root(), acpi.tables.lengthOf(acpi.tables.root()));
  // The RSDT too when the XSDT is the root: the host tests check the fallback.
  const rsdt = <u64>physical.read32(rsdp + RSDP_OFFSET_RSDT);
  if (acpi.tables.rootKind() == acpi.tables.SIGNATURE_XSDT && acpi.tables.checkHeader(rsdt, acpi.tables.SIGNATURE_RSDT) == acpi.tables.Rejection.None) {
    dump(acpi.tables.SIGNATURE_RSDT, rsdt, acpi.tables.lengthOf(rsdt));
  }
  for (let i = 0; i < acpi.tables.count(); i++) dump(acpi.tables.signatureAt(i), acpi.tables.addressAt(i), acpi.tables.lengthAt(i));
  dumpFacs(acpi.fadt.firmwareControlAddress());
  acpi.report();
  line.reset();
  line.text("ACPI END");
  log.publish();
  return status == Errno.Ok && acpi.tables.rejected() == 0 && acpi.tables.count() > 0;
}
