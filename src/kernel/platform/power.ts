// power.ts — ACPI power management without an AML interpreter: S5 (soft off)
// through PM1 control with the sleep type from the DSDT's \_S5 package, reset
// through the FADT's reset register (then the 8042, then a triple fault), and the
// fixed power button (PM1 status/enable, delivered by the SCI) as an orderly
// shutdown. ACPI mode is switched on through the SMI command port if firmware left
// it off.
import { Errno } from "../../abi";
import { cpu, ioapic } from "../../hal";
import * as acpi from "../acpi";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import { DIRECT_MAP_BASE } from "../memory/layout";
import * as physical from "../physical";
import * as vectors from "../interrupts/vectors";
import * as apic from "./apic";
import * as ipi from "./ipi";
import * as topology from "./topology";

const PM1_CONTROL_SCI_ENABLE: u16 = 1 << 0;
const PM1_CONTROL_SLEEP_TYPE_SHIFT: u16 = 10;
const PM1_CONTROL_SLEEP_ENABLE: u16 = 1 << 13;
const PM1_POWER_BUTTON: u16 = 1 << 8;        // PWRBTN_STS in status, PWRBTN_EN in enable
const KBC_COMMAND: u16 = 0x64;
const KBC_PULSE_RESET: u8 = 0xfe;
const AML_NAME_OP: u8 = 0x08;
const AML_PACKAGE_OP: u8 = 0x12;
const AML_BYTE_PREFIX: u8 = 0x0a;
const AML_ZERO: u8 = 0x00;
const AML_ONE: u8 = 0x01;
const S5_NAME: u32 = 0x5f35535f;             // "_S5_"
const SDT_HEADER: u64 = 36;
const SETTLE_NS: u64 = 100_000_000;
const ISA_IRQS: u32 = 16;

let sleepTypeA: i32 = -1;
let sleepTypeB: i32 = -1;
let powerButtonReady = false;

function portOf(register: acpi.fadt.Register): u16 {
  return acpi.fadt.registerSpaceOf(register) == acpi.gas.AddressSpace.SystemIo ? <u16>acpi.fadt.registerAddressOf(register) : 0;
}

/** An AML data object at `at` as a small integer, or -1. */
function amlInteger(at: u64): i32 {
  const op = physical.read8(at);
  if (op == AML_BYTE_PREFIX) return <i32>physical.read8(at + 1);
  if (op == AML_ZERO) return 0;
  if (op == AML_ONE) return 1;
  return -1;
}

/** Finds Name(_S5, Package(){ a, b, ... }) in the DSDT and takes SLP_TYPa/b. */
function findS5(): void {
  const dsdt = acpi.fadt.dsdtAddress();
  if (dsdt == 0 || acpi.find(acpi.tables.SIGNATURE_DSDT) == 0) return;
  const end = dsdt + <u64>acpi.tables.lengthOf(dsdt);
  for (let at = dsdt + SDT_HEADER; at + 8 < end; at++) {
    if (physical.read32(at) != S5_NAME) continue;
    const before = physical.read8(at - 1);
    if (before != AML_NAME_OP && physical.read8(at - 2) != AML_NAME_OP) continue;
    if (physical.read8(at + 4) != AML_PACKAGE_OP) continue;
    const lead = physical.read8(at + 5);
    const element = at + 5 + 1 + <u64>(lead >> 6) + 1;     // PkgLength bytes, then NumElements
    const first = amlInteger(element);
    if (first < 0) return;
    const secondAt = element + (physical.read8(element) == AML_BYTE_PREFIX ? 2 : 1);
    sleepTypeA = first;
    sleepTypeB = amlInteger(secondAt);
    return;
  }
}

function enableAcpiMode(): void {
  const control = portOf(acpi.fadt.Register.Pm1aControl);
  if (control == 0 || (cpu.inw(control) & PM1_CONTROL_SCI_ENABLE) != 0) return;
  const smi = <u16>acpi.fadt.smiCommandPort();
  const value = acpi.fadt.acpiEnableValue();
  if (smi == 0 || value == 0) return;
  cpu.outb(smi, value);
  const start = clock.nanoseconds();
  while ((cpu.inw(control) & PM1_CONTROL_SCI_ENABLE) == 0 && clock.nanoseconds() - start < SETTLE_NS) cpu.pause();
}

function onSci(vector: u32, unused: u32): void {
  const event = portOf(acpi.fadt.Register.Pm1aEvent);
  if (event == 0) return;
  const status = cpu.inw(event);
  if ((status & PM1_POWER_BUTTON) == 0) return;
  cpu.outw(event, PM1_POWER_BUTTON);                       // write 1 to clear
  log.info("power: power button pressed; shutting down");
  shutdown();
}

/** Reads \_S5, switches ACPI mode on and arms the fixed power button. */
export function init(): void {
  findS5();
  enableAcpiMode();
  const event = portOf(acpi.fadt.Register.Pm1aEvent);
  const sci = <u32>acpi.fadt.sciInterrupt();
  if (event != 0 && acpi.fadt.present() && !acpi.fadt.hardwareReduced()) {
    const vector = vectors.allocate();
    const enable = event + <u16>(acpi.fadt.pm1EventLength() / 2);
    cpu.outw(event, PM1_POWER_BUTTON);
    cpu.outw(enable, cpu.inw(enable) | PM1_POWER_BUTTON);
    vectors.register(vector, onSci, 0);
    // SCI: the ACPI default is active-low level; a MADT override says otherwise
    const overridden = sci < ISA_IRQS && acpi.overrides.overrideFor(<u8>sci) >= 0;
    const result = overridden ? apic.routeIsaIrq(sci, <u8>vector)
      : apic.routeGsi(sci, <u8>vector, ioapic.Polarity.ActiveLow, ioapic.Trigger.Level);
    powerButtonReady = result == Errno.Ok;
  }
  log.begin(log.Level.Info);
  line.text("power: S5 sleep type ");
  line.signed(sleepTypeA);
  line.text(", reset ");
  line.text(acpi.fadt.resetSupported() ? "by the FADT register" : "by the 8042");
  line.text(", power button ");
  line.text(powerButtonReady ? "on SCI " : "unavailable");
  if (powerButtonReady) line.decimal(sci);
  log.end();
}

/** ACPI S5. Returns only if the machine did not power off. */
export function shutdown(): void {
  log.info("power: shutting down (ACPI S5)");
  ipi.haltOthers();
  const a = portOf(acpi.fadt.Register.Pm1aControl);
  if (a != 0 && sleepTypeA >= 0) {
    cpu.disableInterrupts();
    cpu.outw(a, (<u16>sleepTypeA << PM1_CONTROL_SLEEP_TYPE_SHIFT) | PM1_CONTROL_SLEEP_ENABLE);
    const b = portOf(acpi.fadt.Register.Pm1bControl);
    if (b != 0 && sleepTypeB >= 0) cpu.outw(b, (<u16>sleepTypeB << PM1_CONTROL_SLEEP_TYPE_SHIFT) | PM1_CONTROL_SLEEP_ENABLE);
    const start = clock.nanoseconds();
    while (clock.nanoseconds() - start < SETTLE_NS) cpu.pause();
  }
  log.error("power: S5 did not power the machine off; halting");
}

/** Resets the machine: FADT reset register, then the 8042, then a triple fault. */
export function reset(): void {
  log.info("power: resetting");
  ipi.haltOthers();
  cpu.disableInterrupts();
  if (acpi.fadt.resetSupported()) {
    const address = acpi.fadt.registerAddressOf(acpi.fadt.Register.Reset);
    const space = acpi.fadt.registerSpaceOf(acpi.fadt.Register.Reset);
    if (space == acpi.gas.AddressSpace.SystemIo) cpu.outb(<u16>address, acpi.fadt.resetValue());
    else if (space == acpi.gas.AddressSpace.SystemMemory) cpu.store8(DIRECT_MAP_BASE + address, acpi.fadt.resetValue());
    const start = clock.nanoseconds();
    while (clock.nanoseconds() - start < SETTLE_NS) cpu.pause();
  }
  cpu.outb(KBC_COMMAND, KBC_PULSE_RESET);
  const start = clock.nanoseconds();
  while (clock.nanoseconds() - start < SETTLE_NS) cpu.pause();
  cpu.tripleFault();
}

export function powerButtonArmed(): bool { return powerButtonReady; }
