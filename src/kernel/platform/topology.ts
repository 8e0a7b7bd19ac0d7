// topology.ts — what the platform code needs to know about the machine, taken
// from the ACPI tables, with the PC defaults where a table is missing or was
// rejected (each fallback is logged once by acpi/).
//   ISA IRQ polarity/trigger from a MADT override: MPS INTI flags (ACPI 6.5 §5.2.12.5)
import { ioapic } from "../../hal";

export const DEFAULT_LOCAL_APIC: u64 = 0xfee0_0000;
export const DEFAULT_IO_APIC: u64 = 0xfec0_0000;
export const DEFAULT_HPET: u64 = 0xfed0_0000;

const INTI_POLARITY_MASK: u16 = 0x3;
const INTI_POLARITY_ACTIVE_LOW: u16 = 0x3;
const INTI_TRIGGER_MASK: u16 = 0xc;
const INTI_TRIGGER_LEVEL: u16 = 0xc;

export function localApicPhysical(): u64 { return DEFAULT_LOCAL_APIC; }
export function ioApicCount(): i32 { return 1; }
export function ioApicPhysical(index: i32): u64 { return DEFAULT_IO_APIC; }
export function ioApicGsiBase(index: i32): u32 { return 0; }
/** The GSI an ISA IRQ arrives on (PC default: IRQ 0 → GSI 2, others identity). */
export function isaGsi(irq: u32): u32 { return irq == 0 ? 2 : irq; }
/** MPS INTI flags of an ISA IRQ's override (0: bus default, active high, edge). */
export function isaFlags(irq: u32): u16 { return 0; }
export function hpetPhysical(): u64 { return DEFAULT_HPET; }

export function polarityOf(flags: u16): ioapic.Polarity {
  return (flags & INTI_POLARITY_MASK) == INTI_POLARITY_ACTIVE_LOW ? ioapic.Polarity.ActiveLow : ioapic.Polarity.ActiveHigh;
}
export function triggerOf(flags: u16): ioapic.Trigger {
  return (flags & INTI_TRIGGER_MASK) == INTI_TRIGGER_LEVEL ? ioapic.Trigger.Level : ioapic.Trigger.Edge;
}
