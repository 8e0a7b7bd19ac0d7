// Test exports for the ACPI table parsers (src/kernel/acpi/).
import * as acpi from "../../../src/kernel/acpi";
import { dmar, fadt, hpet, madt, mcfg, overrides, tables } from "../../../src/kernel/acpi";

export function acpiInit(rsdp: u64): i32 { return acpi.init(rsdp); }
export function acpiReport(): void { acpi.report(); }
export function acpiFind(signature: u32, index: i32): u64 { return acpi.find(signature, index); }
export function acpiCheckHeader(address: u64, expected: u32): i32 { return tables.checkHeader(address, expected); }
export function acpiTableCount(): i32 { return tables.count(); }
export function acpiTableSignature(i: i32): u32 { return tables.signatureAt(i); }
export function acpiTableAddress(i: i32): u64 { return tables.addressAt(i); }
export function acpiTableLength(i: i32): u32 { return tables.lengthAt(i); }
export function acpiRejected(): i32 { return tables.rejected(); }
export function acpiRoot(): u64 { return tables.root(); }
export function acpiRootKind(): u32 { return tables.rootKind(); }

// ---- MADT
export function acpiMadtParse(): i32 { return madt.parse(); }
export function acpiMadtPresent(): bool { return madt.present(); }
export function acpiLocalApic(): u64 { return madt.localApicAddress(); }
export function acpiPcatCompatible(): bool { return madt.pcatCompatible(); }
export function acpiCpuCount(): i32 { return madt.cpuCount(); }
export function acpiCpusListed(): i32 { return madt.cpusListed(); }
export function acpiCpusEnabled(): i32 { return madt.cpusEnabled(); }
export function acpiCpuApicId(i: i32): u32 { return madt.cpuApicId(i); }
export function acpiCpuUid(i: i32): u32 { return madt.cpuProcessorUid(i); }
export function acpiCpuEnabled(i: i32): bool { return madt.cpuEnabled(i); }
export function acpiCpuOnlineCapable(i: i32): bool { return madt.cpuOnlineCapable(i); }
export function acpiCpuIsX2Apic(i: i32): bool { return madt.cpuIsX2Apic(i); }
export function acpiIoApicCount(): i32 { return madt.ioApicCount(); }
export function acpiIoApicId(i: i32): u8 { return madt.ioApicId(i); }
export function acpiIoApicAddress(i: i32): u64 { return madt.ioApicAddress(i); }
export function acpiIoApicGsiBase(i: i32): u32 { return madt.ioApicGsiBase(i); }
export function acpiOverrideCount(): i32 { return overrides.overrideCount(); }
export function acpiOverrideFor(irq: u8): i32 { return overrides.overrideFor(irq); }
export function acpiOverrideBus(i: i32): u8 { return overrides.overrideBusAt(i); }
export function acpiIsaGsi(irq: u8): u32 { return overrides.isaGsi(irq); }
export function acpiIsaFlags(irq: u8): u16 { return overrides.isaFlags(irq); }
export function acpiIsaPolarity(irq: u8): i32 { return overrides.isaPolarity(irq); }
export function acpiIsaTrigger(irq: u8): i32 { return overrides.isaTrigger(irq); }
export function acpiPolarityOf(flags: u16): i32 { return overrides.polarityOf(flags); }
export function acpiTriggerOf(flags: u16): i32 { return overrides.triggerOf(flags); }
export function acpiNmiSourceCount(): i32 { return overrides.nmiSourceCount(); }
export function acpiNmiSourceGsi(i: i32): u32 { return overrides.nmiSourceGsiAt(i); }
export function acpiLocalNmiCount(): i32 { return overrides.localNmiCount(); }
export function acpiLocalNmiProcessor(i: i32): u32 { return overrides.localNmiProcessorAt(i); }
export function acpiLocalNmiPin(i: i32): u8 { return overrides.localNmiPinAt(i); }

// ---- FADT
export function acpiFadtParse(): i32 { return fadt.parse(); }
export function acpiFadtPresent(): bool { return fadt.present(); }
export function acpiFadtRevision(): u8 { return fadt.revision(); }
export function acpiSci(): u16 { return fadt.sciInterrupt(); }
export function acpiSmiCommand(): u32 { return fadt.smiCommandPort(); }
export function acpiEnableValue(): u8 { return fadt.acpiEnableValue(); }
export function acpiDisableValue(): u8 { return fadt.acpiDisableValue(); }
export function acpiPm1EventLength(): u8 { return fadt.pm1EventLength(); }
export function acpiPm1ControlLength(): u8 { return fadt.pm1ControlLength(); }
export function acpiPmTimerLength(): u8 { return fadt.pmTimerLength(); }
export function acpiRegisterAddress(which: i32): u64 { return fadt.registerAddressOf(<fadt.Register>which); }
export function acpiRegisterSpace(which: i32): i32 { return fadt.registerSpaceOf(<fadt.Register>which); }
export function acpiRegisterWidth(which: i32): u8 { return fadt.registerBitWidth(<fadt.Register>which); }
export function acpiFadtFlags(): u32 { return fadt.flags(); }
export function acpiBootArchitecture(): u16 { return fadt.bootArchitecture(); }
export function acpiHas8042(): bool { return fadt.has8042(); }
export function acpiHasLegacyDevices(): bool { return fadt.hasLegacyDevices(); }
export function acpiPowerButtonControlMethod(): bool { return fadt.powerButtonIsControlMethod(); }
export function acpiHardwareReduced(): bool { return fadt.hardwareReduced(); }
export function acpiTimer32Bit(): bool { return fadt.timerIs32Bit(); }
export function acpiResetSupported(): bool { return fadt.resetSupported(); }
export function acpiResetValue(): u8 { return fadt.resetValue(); }
export function acpiDsdt(): u64 { return fadt.dsdtAddress(); }
export function acpiFacs(): u64 { return fadt.firmwareControlAddress(); }

// ---- HPET, MCFG, DMAR
export function acpiHpetParse(): i32 { return hpet.parse(); }
export function acpiHpetPresent(): bool { return hpet.present(); }
export function acpiHpetBase(): u64 { return hpet.baseAddress(); }
export function acpiHpetBlockId(): u32 { return hpet.blockId(); }
export function acpiHpetNumber(): u8 { return hpet.number(); }
export function acpiHpetMinimumTick(): u16 { return hpet.minimumTick(); }
export function acpiHpetComparators(): u32 { return hpet.comparatorCount(); }
export function acpiHpetVendor(): u16 { return hpet.vendorId(); }
export function acpiHpetLegacyCapable(): bool { return hpet.legacyReplacementCapable(); }
export function acpiMcfgParse(): i32 { return mcfg.parse(); }
export function acpiMcfgCount(): i32 { return mcfg.count(); }
export function acpiMcfgBase(i: i32): u64 { return mcfg.base(i); }
export function acpiMcfgSegment(i: i32): u16 { return mcfg.segment(i); }
export function acpiMcfgStartBus(i: i32): u8 { return mcfg.startBus(i); }
export function acpiMcfgEndBus(i: i32): u8 { return mcfg.endBus(i); }
export function acpiDmarParse(): i32 { return dmar.parse(); }
export function acpiDmarPresent(): bool { return dmar.present(); }
export function acpiDmarWidth(): u32 { return dmar.hostAddressWidth(); }
export function acpiDmarFlags(): u8 { return dmar.flags(); }
export function acpiDmarStructures(): i32 { return dmar.structureCount(); }
export function acpiDmarUnitCount(): i32 { return dmar.unitCount(); }
export function acpiDmarUnitBase(i: i32): u64 { return dmar.unitRegisterBase(i); }
export function acpiDmarUnitSegment(i: i32): u16 { return dmar.unitSegment(i); }
export function acpiDmarUnitIncludesAll(i: i32): bool { return dmar.unitIncludesAll(i); }
export function acpiDmarUnitScopes(i: i32): u32 { return dmar.unitScopeCount(i); }
export function acpiDmarScopeCount(): i32 { return dmar.scopeCount(); }
export function acpiDmarScopeUnit(i: i32): i32 { return dmar.scopeUnit(i); }
export function acpiDmarScopeType(i: i32): u8 { return dmar.scopeType(i); }
export function acpiDmarScopeStartBus(i: i32): u8 { return dmar.scopeStartBus(i); }
export function acpiDmarScopeHops(i: i32): i32 { return dmar.scopeHopCount(i); }
export function acpiDmarScopeHopDevice(i: i32, hop: i32): u8 { return dmar.scopeHopDevice(i, hop); }
export function acpiDmarScopeHopFunction(i: i32, hop: i32): u8 { return dmar.scopeHopFunction(i, hop); }
