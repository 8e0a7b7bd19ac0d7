// apic.ts — interrupt controllers: the 8259s remapped and masked, the boot CPU's
// local APIC enabled (x2APIC when present), every I/O APIC input masked until a
// driver routes it, and ISA IRQs routed through the MADT's source overrides.
import { Errno } from "../../abi";
import { ioapic, lapic, pic } from "../../hal";
import * as line from "../line";
import * as log from "../log";
import { DIRECT_MAP_BASE } from "../memory/layout";
import * as vectors from "../interrupts/vectors";
import * as topology from "./topology";

let bootApicId: u32 = 0;

/** Sets up the controllers on the boot CPU; interrupts stay disabled. */
export function init(): void {
  pic.disable(vectors.PIC_BASE);
  lapic.enable(DIRECT_MAP_BASE + topology.localApicPhysical(), true, vectors.SPURIOUS_VECTOR, vectors.ERROR_VECTOR);
  bootApicId = lapic.id();
  for (let i = 0; i < topology.ioApicCount(); i++) ioapic.maskAll(DIRECT_MAP_BASE + topology.ioApicPhysical(i));
  log.begin(log.Level.Info);
  line.text("apic: local APIC id ");
  line.decimal(bootApicId);
  line.text(lapic.inX2apicMode() ? " in x2APIC mode" : " in xAPIC mode");
  line.text(", ");
  line.decimal(topology.ioApicCount());
  line.text(" I/O APIC(s)");
  log.end();
}

export function bootCpuApicId(): u32 { return bootApicId; }

/** Routes a global system interrupt to `vector` on the boot CPU. */
export function routeGsi(gsi: u32, vector: u8, polarity: ioapic.Polarity, trigger: ioapic.Trigger): Errno {
  for (let i = 0; i < topology.ioApicCount(); i++) {
    const base = DIRECT_MAP_BASE + topology.ioApicPhysical(i);
    const first = topology.ioApicGsiBase(i);
    if (gsi < first || gsi >= first + ioapic.pins(base)) continue;
    ioapic.setEntry(base, gsi - first, ioapic.entry(vector, bootApicId, polarity, trigger, false));
    return Errno.Ok;
  }
  return Errno.NotFound;
}

/** Routes ISA IRQ `irq` (after the MADT's overrides) to `vector`. */
export function routeIsaIrq(irq: u32, vector: u8): Errno {
  return routeGsi(topology.isaGsi(irq), vector, topology.isaPolarity(irq), topology.isaTrigger(irq));
}

export function endOfInterrupt(): void { lapic.endOfInterrupt(); }
