// overrides.ts — interrupt wiring the MADT describes (ACPI 6.5 §5.2.12.5, .6, .7,
// .13): interrupt source overrides (ISA IRQ → GSI with polarity and trigger), NMI
// sources, and which local APIC LINT pin carries NMI for which processors. Filled by
// madt.ts; fixed-size tables, extra entries are counted and dropped.
// MPS INTI flags (u16): bits 0-1 polarity, bits 2-3 trigger mode.

export const MAX_OVERRIDES: i32 = 32;
export const MAX_NMI_SOURCES: i32 = 8;
export const MAX_LOCAL_NMIS: i32 = 16;
/** The processor UID a local APIC NMI entry uses for "every processor". */
export const ALL_PROCESSORS: u32 = 0xffffffff;
export const BUS_ISA: u8 = 0;

const POLARITY_MASK: u16 = 0x3;
const TRIGGER_SHIFT: u16 = 2;
const TRIGGER_MASK: u16 = 0x3;

export const enum Polarity { Conforming = 0, ActiveHigh = 1, Reserved = 2, ActiveLow = 3 }
export const enum Trigger { Conforming = 0, Edge = 1, Reserved = 2, Level = 3 }

export function polarityOf(flags: u16): Polarity { return <Polarity>(flags & POLARITY_MASK); }
export function triggerOf(flags: u16): Trigger { return <Trigger>((flags >> TRIGGER_SHIFT) & TRIGGER_MASK); }

const overrideBus = memory.data(MAX_OVERRIDES);
const overrideSource = memory.data(MAX_OVERRIDES);
const overrideGsi = memory.data(MAX_OVERRIDES * 4);
const overrideFlags = memory.data(MAX_OVERRIDES * 2);
let overrides: i32 = 0;

const nmiSourceGsi = memory.data(MAX_NMI_SOURCES * 4);
const nmiSourceFlags = memory.data(MAX_NMI_SOURCES * 2);
let nmiSources: i32 = 0;

const localNmiProcessor = memory.data(MAX_LOCAL_NMIS * 4);
const localNmiFlags = memory.data(MAX_LOCAL_NMIS * 2);
const localNmiPin = memory.data(MAX_LOCAL_NMIS);
let localNmis: i32 = 0;

let droppedEntries: i32 = 0;

export function reset(): void {
  overrides = 0;
  nmiSources = 0;
  localNmis = 0;
  droppedEntries = 0;
}

/** Records an interrupt source override; false when the table is full. */
export function addOverride(bus: u8, source: u8, gsi: u32, flags: u16): bool {
  if (overrides == MAX_OVERRIDES) { droppedEntries++; return false; }
  store<u8>(overrideBus + <usize>overrides, bus);
  store<u8>(overrideSource + <usize>overrides, source);
  store<u32>(overrideGsi + <usize>overrides * 4, gsi);
  store<u16>(overrideFlags + <usize>overrides * 2, flags);
  overrides++;
  return true;
}

export function addNmiSource(gsi: u32, flags: u16): bool {
  if (nmiSources == MAX_NMI_SOURCES) { droppedEntries++; return false; }
  store<u32>(nmiSourceGsi + <usize>nmiSources * 4, gsi);
  store<u16>(nmiSourceFlags + <usize>nmiSources * 2, flags);
  nmiSources++;
  return true;
}

export function addLocalNmi(processorUid: u32, flags: u16, pin: u8): bool {
  if (localNmis == MAX_LOCAL_NMIS) { droppedEntries++; return false; }
  store<u32>(localNmiProcessor + <usize>localNmis * 4, processorUid);
  store<u16>(localNmiFlags + <usize>localNmis * 2, flags);
  store<u8>(localNmiPin + <usize>localNmis, pin);
  localNmis++;
  return true;
}

/** Entries that did not fit their table. */
export function dropped(): i32 { return droppedEntries; }

export function overrideCount(): i32 { return overrides; }
function isOverride(i: i32): bool { return i >= 0 && i < overrides; }
export function overrideBusAt(i: i32): u8 { return isOverride(i) ? load<u8>(overrideBus + <usize>i) : 0; }
export function overrideSourceAt(i: i32): u8 { return isOverride(i) ? load<u8>(overrideSource + <usize>i) : 0; }
export function overrideGsiAt(i: i32): u32 { return isOverride(i) ? load<u32>(overrideGsi + <usize>i * 4) : 0; }
export function overrideFlagsAt(i: i32): u16 { return isOverride(i) ? load<u16>(overrideFlags + <usize>i * 2) : 0; }

/** The index of the override for ISA IRQ `irq`, or -1 when it is identity-mapped. */
export function overrideFor(irq: u8): i32 {
  for (let i = 0; i < overrides; i++) {
    if (overrideBusAt(i) == BUS_ISA && overrideSourceAt(i) == irq) return i;
  }
  return -1;
}

/** The GSI an ISA IRQ arrives on: its override's, else the same number. */
export function isaGsi(irq: u8): u32 {
  const i = overrideFor(irq);
  return i < 0 ? <u32>irq : overrideGsiAt(i);
}

/** The ISA IRQ's raw MPS INTI flags; 0 (conforming: ISA's active high, edge) when not overridden. */
export function isaFlags(irq: u8): u16 {
  const i = overrideFor(irq);
  return i < 0 ? 0 : overrideFlagsAt(i);
}

/** The ISA IRQ's polarity, "conforming" resolved to ISA's active high. */
export function isaPolarity(irq: u8): Polarity {
  const i = overrideFor(irq);
  const polarity = i < 0 ? Polarity.Conforming : polarityOf(overrideFlagsAt(i));
  return polarity == Polarity.Conforming ? Polarity.ActiveHigh : polarity;
}

/** The ISA IRQ's trigger mode, "conforming" resolved to ISA's edge. */
export function isaTrigger(irq: u8): Trigger {
  const i = overrideFor(irq);
  const trigger = i < 0 ? Trigger.Conforming : triggerOf(overrideFlagsAt(i));
  return trigger == Trigger.Conforming ? Trigger.Edge : trigger;
}

export function nmiSourceCount(): i32 { return nmiSources; }
export function nmiSourceGsiAt(i: i32): u32 { return i >= 0 && i < nmiSources ? load<u32>(nmiSourceGsi + <usize>i * 4) : 0; }
export function nmiSourceFlagsAt(i: i32): u16 { return i >= 0 && i < nmiSources ? load<u16>(nmiSourceFlags + <usize>i * 2) : 0; }

export function localNmiCount(): i32 { return localNmis; }
/** The ACPI processor UID, or ALL_PROCESSORS. */
function isLocalNmi(i: i32): bool { return i >= 0 && i < localNmis; }
export function localNmiProcessorAt(i: i32): u32 { return isLocalNmi(i) ? load<u32>(localNmiProcessor + <usize>i * 4) : 0; }
export function localNmiFlagsAt(i: i32): u16 { return isLocalNmi(i) ? load<u16>(localNmiFlags + <usize>i * 2) : 0; }
/** The local APIC LINT pin (0 or 1) wired to NMI. */
export function localNmiPinAt(i: i32): u8 { return isLocalNmi(i) ? load<u8>(localNmiPin + <usize>i) : 0; }
