// Test exports for the IOMMU (src/kernel/devices/iommu/) and the DMA API (devices/dma.ts).
import * as clock from "../../../src/kernel/clock";
import * as dma from "../../../src/kernel/devices/dma";
import * as registry from "../../../src/kernel/devices/registry";
import * as encoding from "../../../src/kernel/devices/iommu/encoding";
import * as pagetable from "../../../src/kernel/devices/iommu/pagetable";
import * as scope from "../../../src/kernel/devices/iommu/scope";
import * as unit from "../../../src/kernel/devices/iommu/unit";

// ---- encodings
export function vtdRootEntry(table: u64): u64 { return encoding.rootEntry(table); }
export function vtdContextLow(table: u64): u64 { return encoding.contextLow(table); }
export function vtdContextHigh(domain: u16, levels: i32): u64 { return encoding.contextHigh(domain, levels); }
export function vtdTableEntry(table: u64): u64 { return encoding.tableEntry(table); }
export function vtdLeafEntry(page: u64, writable: bool, count: u32): u64 { return encoding.leafEntry(page, writable, count); }
export function vtdLeafCount(entry: u64): u32 { return encoding.leafCount(entry); }
export function vtdLevelsFor(capability: u64): i32 { return encoding.levelsFor(capability); }
export function vtdDomainCount(capability: u64): u32 { return encoding.domainCount(capability); }
export function vtdFaultRecordOffset(capability: u64): u64 { return encoding.faultRecordOffset(capability); }
export function vtdFaultRecordCount(capability: u64): u32 { return encoding.faultRecordCount(capability); }
export function vtdIotlbOffset(extended: u64): u64 { return encoding.iotlbOffset(extended); }
export function vtdGlobalCommand(status: u32, bit: u32, on: bool): u32 { return encoding.globalCommand(status, bit, on); }
export function vtdIotlbDomainCommand(domain: u16, drain: u64): u64 { return encoding.iotlbDomainCommand(domain, drain); }
export function vtdFaultSource(high: u64): u16 { return encoding.faultSource(high); }
export function vtdFaultReason(high: u64): u8 { return encoding.faultReason(high); }
export function vtdFaultIsRead(high: u64): bool { return encoding.faultIsRead(high); }
export function vtdIndexAt(address: u64, level: i32): u64 { return encoding.indexAt(address, level); }

// ---- second-level tables
export function vtdNewTable(): u64 { return pagetable.newTable(); }
export function vtdMap(root: u64, levels: i32, address: u64, target: u64, bytes: u64, writable: bool): i64 { return pagetable.map(root, levels, address, target, bytes, writable); }
export function vtdUnmap(root: u64, levels: i32, address: u64, bytes: u64): i64 { return pagetable.unmap(root, levels, address, bytes); }
export function vtdLeaf(root: u64, levels: i32, address: u64): u64 { return pagetable.leaf(root, levels, address); }
export function vtdSetCoherent(value: bool): void { pagetable.setCoherent(value); }

// ---- a unit and the devices behind it
const covered = memory.data(registry.MAX_DEVICES);
export function iommuClock(hz: u64): void { clock.markEntry(); clock.setFrequency(hz); }
export function registryReset(): void { registry.reset(); memory.fill(covered, 0, registry.MAX_DEVICES); }
export function registryAdd(bus: u8, device: u8, fn: u8, vendor: u16, id: u16, behind: bool): i32 {
  const i = registry.add(bus, device, fn, vendor, id, 0, 0, 0);
  if (i >= 0) store<u8>(covered + <usize>i, behind ? 1 : 0);
  return i;
}
export function iommuBringUp(address: u64): i32 { return unit.bringUp(address, covered); }
export function iommuEnabled(): bool { return unit.enabled(); }
export function iommuLevels(): i32 { return unit.tableLevels(); }
export function iommuTranslates(i: i32): bool { return unit.translates(i); }
export function iommuLeafFor(i: i32, address: u64): u64 { return unit.leafFor(i, address); }
export function iommuPollFaults(): u32 { return unit.pollFaults(); }
export function iommuFaultCount(): u32 { return unit.faultCount(); }
export function iommuLastFaultSource(): u16 { return unit.lastFaultSource(); }
export function iommuLastFaultAddress(): u64 { return unit.lastFaultAddress(); }
export function iommuLastFaultReason(): u8 { return unit.lastFaultReason(); }
export function iommuLastFaultWasRead(): bool { return unit.lastFaultWasRead(); }
export function dmaMap(i: i32, physical: u64, bytes: u64, writable: bool): u64 { return dma.map(i, physical, bytes, writable); }
export function dmaUnmap(i: i32, bus: u64, bytes: u64): i32 { return dma.unmap(i, bus, bytes); }
export function dmaPagesMapped(i: i32): u32 { return dma.pagesMapped(i); }
export function iommuCovers(dmarUnit: i32, i: i32): bool { return scope.covers(dmarUnit, i); }
