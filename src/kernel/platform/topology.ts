// topology.ts — what the platform code needs to know about the machine, from the
// ACPI tables (src/kernel/acpi), with the PC defaults where a table is missing or
// was rejected, so a machine without usable ACPI still boots on one CPU.
import { ioapic } from "../../hal";
import * as acpi from "../acpi";

export const DEFAULT_LOCAL_APIC: u64 = 0xfee0_0000;
export const DEFAULT_IO_APIC: u64 = 0xfec0_0000;
export const DEFAULT_HPET: u64 = 0xfed0_0000;
/** The ISA timer arrives on GSI 2 on every PC with an I/O APIC. */
const PC_TIMER_GSI: u32 = 2;

export function localApicPhysical(): u64 {
  const address = acpi.madt.localApicAddress();
  return address != 0 ? address : DEFAULT_LOCAL_APIC;
}

export function ioApicCount(): i32 {
  const count = acpi.madt.ioApicCount();
  return count > 0 ? count : 1;
}
export function ioApicPhysical(index: i32): u64 {
  return acpi.madt.ioApicCount() > 0 ? acpi.madt.ioApicAddress(index) : DEFAULT_IO_APIC;
}
export function ioApicGsiBase(index: i32): u32 {
  return acpi.madt.ioApicCount() > 0 ? acpi.madt.ioApicGsiBase(index) : 0;
}

/** The GSI an ISA IRQ arrives on. */
export function isaGsi(irq: u32): u32 {
  if (!acpi.madt.present()) return irq == 0 ? PC_TIMER_GSI : irq;
  return acpi.overrides.isaGsi(<u8>irq);
}
export function isaPolarity(irq: u32): ioapic.Polarity {
  return acpi.overrides.isaPolarity(<u8>irq) == acpi.overrides.Polarity.ActiveLow ? ioapic.Polarity.ActiveLow : ioapic.Polarity.ActiveHigh;
}
export function isaTrigger(irq: u32): ioapic.Trigger {
  return acpi.overrides.isaTrigger(<u8>irq) == acpi.overrides.Trigger.Level ? ioapic.Trigger.Level : ioapic.Trigger.Edge;
}

export function hpetPhysical(): u64 {
  const address = acpi.hpet.baseAddress();
  return address != 0 ? address : DEFAULT_HPET;
}

/** CPUs the MADT lists (1, the boot CPU, without a MADT). */
export function cpuCount(): i32 { return acpi.madt.present() ? acpi.madt.cpuCount() : 1; }
export function cpuApicId(index: i32): u32 { return acpi.madt.cpuApicId(index); }
export function cpuEnabled(index: i32): bool { return acpi.madt.cpuEnabled(index) || acpi.madt.cpuOnlineCapable(index); }
