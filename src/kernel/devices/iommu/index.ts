// iommu — DMA remapping with Intel VT-d. The DMAR's unit for PCI segment 0 (the
// INCLUDE_PCI_ALL one if there is one, else the first) is brought up after PCI
// enumeration, before any driver: every function behind it gets its own empty
// domain, so a device reaches only what its driver mapped through ../dma.ts.
// Other units are left off (one unit is driven), and functions behind no
// driven unit keep untranslated DMA. Without a usable unit nothing is translated.
import { Errno } from "../../../abi";
import * as acpi from "../../acpi";
import * as line from "../../line";
import * as log from "../../log";
import * as registry from "../registry";
import * as encoding from "./encoding";
import * as pagetable from "./pagetable";
import * as scope from "./scope";
import * as unit from "./unit";
export { encoding, pagetable, scope, unit };

const SEGMENT_ZERO: u16 = 0;
const covered = memory.data(registry.MAX_DEVICES);

function chooseUnit(): i32 {
  let chosen = -1;
  for (let i = 0; i < acpi.dmar.unitCount(); i++) {
    if (acpi.dmar.unitSegment(i) != SEGMENT_ZERO) continue;
    if (acpi.dmar.unitIncludesAll(i)) return i;
    if (chosen < 0) chosen = i;
  }
  return chosen;
}

/** Brings up the DMAR's unit for segment 0; NotFound without a DMAR or such a
 *  unit, or the Errno its bring-up refused with (logged). */
export function init(): Errno {
  if (!acpi.dmar.present() || acpi.dmar.unitCount() == 0) return Errno.NotFound;
  const chosen = chooseUnit();
  for (let i = 0; i < acpi.dmar.unitCount(); i++) {
    if (i == chosen) continue;
    log.begin(log.Level.Warn);
    line.text("iommu: unit at ");
    line.hex(acpi.dmar.unitRegisterBase(i));
    line.text(" (segment ");
    line.decimal(acpi.dmar.unitSegment(i));
    line.text(") left off: one unit, on segment 0, is driven; its devices' DMA stays untranslated");
    log.end();
  }
  if (chosen < 0) return Errno.NotFound;
  memory.fill(covered, 0, registry.MAX_DEVICES);
  for (let i = 0; i < registry.count(); i++) store<u8>(covered + <usize>i, scope.covers(chosen, i) ? 1 : 0);
  const result = unit.bringUp(acpi.dmar.unitRegisterBase(chosen), covered);
  if (result != Errno.Ok) return result;
  log.begin(log.Level.Info);
  line.text("iommu: VT-d ");
  line.decimal(unit.version() >> 4);
  line.text(".");
  line.decimal(unit.version() & 0xf);
  line.text(" at ");
  line.hex(unit.base());
  line.text(": translation on, ");
  line.decimal(unit.tableLevels());
  line.text("-level tables (");
  line.decimal(encoding.addressWidthOf(unit.tableLevels()));
  line.text("-bit, SAGAW ");
  line.hex(encoding.sagaw(unit.capabilities()));
  line.text("), ");
  line.decimal(unit.devicesBehind());
  line.text(" of ");
  line.decimal(registry.count());
  line.text(" PCI functions behind it, each in its own empty domain");
  log.end();
  return Errno.Ok;
}

export function enabled(): bool { return unit.enabled(); }
export function faultCount(): u32 { unit.pollFaults(); return unit.faultCount(); }
export function lastFaultSource(): u16 { return unit.lastFaultSource(); }
export function lastFaultAddress(): u64 { return unit.lastFaultAddress(); }
export function lastFaultReason(): u8 { return unit.lastFaultReason(); }
