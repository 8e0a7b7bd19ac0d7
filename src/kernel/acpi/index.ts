// acpi — the firmware's ACPI tables, read once at boot from the RSDP: the checked
// directory of tables (tables.ts) and decoders for the ones the kernel needs now
// (MADT, FADT, HPET, MCFG, DMAR). Every parser resets its state first, so an absent
// or rejected table reads as absent (count 0, address 0), never as stale data.
// Nothing here runs AML: the DSDT is only located and checked.
import { Errno } from "../../abi";
import * as line from "../line";
import * as log from "../log";
import * as dmar from "./dmar";
import * as fadt from "./fadt";
import * as gas from "./gas";
import * as hpet from "./hpet";
import * as madt from "./madt";
import * as mcfg from "./mcfg";
import * as overrides from "./overrides";
import * as tables from "./tables";

export { dmar, fadt, gas, hpet, madt, mcfg, overrides, tables };

/** Finds and checks every table from the RSDP at `rsdp` (bootinfo.info.rsdp()) and
 *  decodes the known ones. Ok when a valid root table was found, whatever became of
 *  individual tables (each problem is logged); NotFound or Malformed when there are no tables. */
export function init(rsdp: u64): Errno {
  const status = tables.discover(rsdp);
  fadt.parse();
  // The DSDT is reached through the FADT, not listed in the root table.
  if (fadt.dsdtAddress() != 0) tables.adopt(fadt.dsdtAddress(), tables.SIGNATURE_DSDT);
  madt.parse();
  hpet.parse();
  mcfg.parse();
  dmar.parse();
  return status;
}

/** The physical address of the `index`-th table with `signature`, or 0. */
export function find(signature: u32, index: i32 = 0): u64 { return tables.find(signature, index); }

function yesNo(value: bool): string { return value ? "yes" : "no"; }

/** Logs what was found, at info level. */
export function report(): void {
  log.begin(log.Level.Info);
  line.text("acpi: ");
  if (tables.root() == 0) line.text("no root table");
  else { tables.appendSignature(tables.rootKind()); line.text(" at "); line.hex(tables.root()); }
  line.text(", tables:");
  for (let i = 0; i < tables.count(); i++) { line.text(" "); tables.appendSignature(tables.signatureAt(i)); }
  if (tables.rejected() > 0) { line.text(", rejected "); line.decimal(tables.rejected()); }
  log.end();

  log.begin(log.Level.Info);
  line.text("acpi: cpus=");
  line.decimal(madt.cpusEnabled());
  line.text("/");
  line.decimal(madt.cpusListed());
  line.text(" ioapics=");
  line.decimal(madt.ioApicCount());
  line.text(" lapic=");
  line.hex(madt.localApicAddress());
  line.text(" pic=");
  line.text(yesNo(madt.pcatCompatible()));
  line.text(" overrides=");
  line.decimal(overrides.overrideCount());
  line.text(" irq0_gsi=");
  line.decimal(overrides.isaGsi(0));
  log.end();

  log.begin(log.Level.Info);
  line.text("acpi: sci=");
  line.decimal(fadt.sciInterrupt());
  line.text(" pm_timer=");
  line.hex(fadt.registerAddressOf(fadt.Register.PmTimer));
  line.text(" reset=");
  if (fadt.resetSupported()) {
    line.text(gas.spaceName(fadt.registerSpaceOf(fadt.Register.Reset)));
    line.text(":");
    line.hex(fadt.registerAddressOf(fadt.Register.Reset));
    line.text("<-");
    line.hex(fadt.resetValue());
  } else {
    line.text("none");
  }
  line.text(" hw_reduced=");
  line.text(yesNo(fadt.hardwareReduced()));
  line.text(" hpet=");
  line.hex(hpet.baseAddress());
  line.text(" ecam=");
  line.hex(mcfg.base(0));
  line.text(" iommus=");
  line.decimal(dmar.unitCount());
  log.end();
}
