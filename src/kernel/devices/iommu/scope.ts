// scope.ts — which PCI functions a DMAR remapping unit translates (VT-d spec
// §8.3): with INCLUDE_PCI_ALL, every function of its segment that no other unit
// lists; otherwise the ones its device scopes name — a PCI endpoint, or a bridge
// with every bus below it. A scope's path starts on its start bus and goes
// through bridges (their secondary bus number) to the device its last hop names.
// Only segment 0 is enumerated, so only its units can cover anything.
import { pci } from "../../../hal";
import * as acpi from "../../acpi";
import * as registry from "../registry";

const REG_BUS_NUMBERS: u32 = 0x18;        // type 1 header: primary 7:0 | secondary 15:8 | subordinate 23:16
const REG_ID: u32 = 0x00;
const NO_VENDOR: u32 = 0xffff;
const NONE: i32 = -1;

/** Follows scope `s`'s path; bus << 8 | device << 3 | function of the device
 *  its last hop names, or -1 when a bridge on the way is absent. */
function resolve(s: i32): i32 {
  const hops = acpi.dmar.scopeHopCount(s);
  if (hops == 0) return NONE;
  let bus = <u32>acpi.dmar.scopeStartBus(s);
  for (let hop = 0; hop < hops; hop++) {
    const device = <u32>acpi.dmar.scopeHopDevice(s, hop);
    const fn = <u32>acpi.dmar.scopeHopFunction(s, hop);
    if (device > 31 || fn > 7) return NONE;
    if (hop == hops - 1) return <i32>((bus << 8) | (device << 3) | fn);
    if ((pci.read32(bus, device, fn, REG_ID) & 0xffff) == NO_VENDOR) return NONE;
    bus = (pci.read32(bus, device, fn, REG_BUS_NUMBERS) >> 8) & 0xff;
  }
  return NONE;
}

function requesterOf(i: i32): i32 { return <i32>((registry.bus(i) << 8) | (registry.slot(i) << 3) | registry.fn(i)); }

/** True when scope `s` names registry function `i`: the endpoint itself, or a
 *  bridge that is `i` or has `i` on a bus below it. */
function scopeCovers(s: i32, i: i32): bool {
  const type = acpi.dmar.scopeType(s);
  if (type != acpi.dmar.SCOPE_PCI_ENDPOINT && type != acpi.dmar.SCOPE_PCI_SUBHIERARCHY) return false;
  const target = resolve(s);
  if (target < 0) return false;
  if (target == requesterOf(i)) return true;
  if (type != acpi.dmar.SCOPE_PCI_SUBHIERARCHY) return false;
  const buses = pci.read32(<u32>target >> 8, (<u32>target >> 3) & 0x1f, <u32>target & 7, REG_BUS_NUMBERS);
  const secondary = (buses >> 8) & 0xff;
  const subordinate = (buses >> 16) & 0xff;
  return registry.bus(i) >= secondary && registry.bus(i) <= subordinate && secondary != 0;
}

/** True when some scope of a unit other than `unit` (on segment 0) names function `i`. */
function listedElsewhere(unit: i32, i: i32): bool {
  for (let s = 0; s < acpi.dmar.scopeCount(); s++) {
    const owner = acpi.dmar.scopeUnit(s);
    if (owner == unit || acpi.dmar.unitSegment(owner) != 0) continue;
    if (scopeCovers(s, i)) return true;
  }
  return false;
}

/** True when DMAR unit `unit` translates registry function `i`. */
export function covers(unit: i32, i: i32): bool {
  if (acpi.dmar.unitSegment(unit) != 0) return false;
  if (acpi.dmar.unitIncludesAll(unit)) return !listedElsewhere(unit, i);
  for (let s = 0; s < acpi.dmar.scopeCount(); s++) {
    if (acpi.dmar.scopeUnit(s) == unit && scopeCovers(s, i)) return true;
  }
  return false;
}
