// transport.ts — the virtio 1.x PCI transport (virtio spec 1.2 §4.1): the vendor
// capabilities that place the common configuration, notification, ISR and device
// configuration structures in the device's BARs; reset and status handshake;
// feature negotiation; queue setup. Shared by every virtio driver.
//   virtio_pci_cap: +0 vndr(0x09) +1 next +2 len +3 cfg_type +4 bar +5 id +8 offset +12 length
//   (notify cap: +16 notify_off_multiplier)
import { Errno } from "../../../abi";
import { cpu, pci } from "../../../hal";
import * as clock from "../../clock";
import * as cmdline from "../../cmdline";
import * as line from "../../line";
import * as log from "../../log";
import { DIRECT_MAP_BASE } from "../../memory/layout";
import * as vectors from "../../interrupts/vectors";
import * as apic from "../../platform/apic";
import * as msi from "../msi";
import * as registry from "../registry";

export const CAP_VENDOR: u8 = 0x09;
const CFG_COMMON: u8 = 1;
const CFG_NOTIFY: u8 = 2;
const CFG_DEVICE: u8 = 4;

// common configuration registers
const COMMON_DEVICE_FEATURE_SELECT: u64 = 0;
const COMMON_DEVICE_FEATURE: u64 = 4;
const COMMON_DRIVER_FEATURE_SELECT: u64 = 8;
const COMMON_DRIVER_FEATURE: u64 = 12;
const COMMON_CONFIG_MSIX: u64 = 16;
const COMMON_DEVICE_STATUS: u64 = 20;
const COMMON_QUEUE_SELECT: u64 = 22;
const COMMON_QUEUE_SIZE: u64 = 24;
const COMMON_QUEUE_ENABLE: u64 = 28;
const COMMON_QUEUE_MSIX: u64 = 26;
const COMMON_QUEUE_NOTIFY_OFF: u64 = 30;
const COMMON_QUEUE_DESC: u64 = 32;
const COMMON_QUEUE_DRIVER: u64 = 40;
const COMMON_QUEUE_DEVICE: u64 = 48;

export const STATUS_ACKNOWLEDGE: u8 = 1;
export const STATUS_DRIVER: u8 = 2;
export const STATUS_DRIVER_OK: u8 = 4;
export const STATUS_FEATURES_OK: u8 = 8;
export const STATUS_FAILED: u8 = 128;
/** No MSI-X table entry: the queue (or configuration change) does not interrupt. */
export const NO_MSIX: u16 = 0xffff;
/** VIRTIO_F_EVENT_IDX (§2.7.10), feature bit 29: used_event / avail_event in the rings. */
export const FEATURE_EVENT_INDEX: u32 = 1 << 29;
/** VIRTIO_F_VERSION_1: feature bit 32, the second feature word's bit 0. */
const FEATURE_HIGH_VERSION_1: u32 = 1 << 0;
/** VIRTIO_F_ACCESS_PLATFORM: feature bit 33 (§6): the device's DMA goes through the
 *  platform's translation (an IOMMU). Accepted when offered: every buffer a virtio
 *  driver gives the device is mapped through devices/dma.ts first. */
const FEATURE_HIGH_ACCESS_PLATFORM: u32 = 1 << 1;
const RESET_WAIT_NS: u64 = 100_000_000;
const COMMAND_MEMORY_BUS_MASTER: u32 = (1 << 1) | (1 << 2);
const VENDOR_VIRTIO: u16 = 0x1af4;

/** The registry index of the first unclaimed virtio device with the modern
 *  (virtio 1.x only) or the transitional PCI device id; -1 when there is none. */
export function locate(modernId: u16, transitionalId: u16): i32 {
  const index = registry.find(VENDOR_VIRTIO, modernId, 0xff, 0xff);
  return index >= 0 ? index : registry.find(VENDOR_VIRTIO, transitionalId, 0xff, 0xff);
}

/** Logs why driver `name` will not drive registry device `index`; returns `result`. */
export function refuse(name: string, index: i32, why: string, result: Errno): Errno {
  return registry.refuse(name, index, why, result);
}

/** Where one device's structures are (virtual addresses), after find(). */
@unmanaged export class Device {
  common: u64;
  notify: u64;
  notifyMultiplier: u32;
  deviceConfig: u64;
  pciIndex: i32;
  features: u32;          // feature bits 0..31 both sides agreed on in begin()
}

function capabilityField(i: i32, offset: u8, field: u32): u32 {
  return pci.read32(registry.bus(i), registry.slot(i), registry.fn(i), <u32>offset + field);
}

/** Locates the structures of registry device `i`; Errno.NotSupported when a
 *  required one is missing or lies outside its BAR. */
export function find(i: i32, device: Device): Errno {
  device.pciIndex = i;
  device.common = 0;
  device.notify = 0;
  device.deviceConfig = 0;
  for (let n = 0; n < registry.capabilityCount(i); n++) {
    if (registry.capabilityId(i, n) != CAP_VENDOR) continue;
    const at = registry.capabilityOffset(i, n);
    const head = capabilityField(i, at, 0);
    const type = <u8>(head >> 24);
    const bar = <i32>(capabilityField(i, at, 4) & 0xff);
    const offset = <u64>capabilityField(i, at, 8);
    const length = <u64>capabilityField(i, at, 12);
    if (bar > 5 || registry.barSize(i, bar) == 0 || offset + length > registry.barSize(i, bar) || registry.barIsIo(i, bar)) continue;
    const address = DIRECT_MAP_BASE + registry.barAddress(i, bar) + offset;
    if (type == CFG_COMMON) device.common = address;
    else if (type == CFG_NOTIFY) { device.notify = address; device.notifyMultiplier = capabilityField(i, at, 16); }
    else if (type == CFG_DEVICE) device.deviceConfig = address;
  }
  if (device.common == 0 || device.notify == 0) return Errno.NotSupported;
  const command = pci.read32(registry.bus(i), registry.slot(i), registry.fn(i), 4);
  pci.write32(registry.bus(i), registry.slot(i), registry.fn(i), 4, (command | COMMAND_MEMORY_BUS_MASTER) & 0xffff);
  return Errno.Ok;
}

export function status(device: Device): u8 { return cpu.load8(device.common + COMMON_DEVICE_STATUS); }
function setStatus(device: Device, value: u8): void { cpu.store8(device.common + COMMON_DEVICE_STATUS, value); }

/** Reset, acknowledge, negotiate VERSION_1, the event index (and ACCESS_PLATFORM
 *  when offered) and nothing else the driver did not ask for; Errno.NotReady when
 *  the device will not reset or accept the features. */
export function begin(device: Device, wantedLow: u32): Errno {
  setStatus(device, 0);
  const start = clock.nanoseconds();
  while (status(device) != 0 || cmdline.faultInjected(cmdline.Fault.VirtioReset)) {
    if (clock.nanoseconds() - start > RESET_WAIT_NS) return Errno.NotReady;
  }
  setStatus(device, STATUS_ACKNOWLEDGE);
  setStatus(device, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
  cpu.store32(device.common + COMMON_DEVICE_FEATURE_SELECT, 1);
  const high = cpu.load32(device.common + COMMON_DEVICE_FEATURE);
  if ((high & FEATURE_HIGH_VERSION_1) == 0) { setStatus(device, STATUS_FAILED); return Errno.NotSupported; }
  cpu.store32(device.common + COMMON_DEVICE_FEATURE_SELECT, 0);
  // every queue is a virtqueue.ts queue, which speaks the event index
  const low = cpu.load32(device.common + COMMON_DEVICE_FEATURE) & (wantedLow | FEATURE_EVENT_INDEX);
  device.features = low;
  cpu.store32(device.common + COMMON_DRIVER_FEATURE_SELECT, 0);
  cpu.store32(device.common + COMMON_DRIVER_FEATURE, low);
  cpu.store32(device.common + COMMON_DRIVER_FEATURE_SELECT, 1);
  cpu.store32(device.common + COMMON_DRIVER_FEATURE, FEATURE_HIGH_VERSION_1 | (high & FEATURE_HIGH_ACCESS_PLATFORM));
  setStatus(device, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
  if ((status(device) & STATUS_FEATURES_OK) == 0) { setStatus(device, STATUS_FAILED); return Errno.NotReady; }
  return Errno.Ok;
}

/** The size the device offers for queue `queue` (0: no such queue). */
export function queueSize(device: Device, queue: u16): u16 {
  cpu.store16(device.common + COMMON_QUEUE_SELECT, queue);
  if (cmdline.faultInjected(cmdline.Fault.VirtioQueueSizeZero)) return 0;
  return <u16>cpu.load16(device.common + COMMON_QUEUE_SIZE);
}

/** Gives the device a queue's three areas (physical addresses) and the MSI-X
 *  entry it signals, and enables it; returns the queue's notification address. */
export function enableQueue(device: Device, queue: u16, size: u16, descriptors: u64, driverArea: u64, deviceArea: u64, msixEntry: u16): u64 {
  cpu.store16(device.common + COMMON_QUEUE_SELECT, queue);
  cpu.store16(device.common + COMMON_QUEUE_SIZE, size);
  cpu.store16(device.common + COMMON_QUEUE_MSIX, msixEntry);
  cpu.store64(device.common + COMMON_QUEUE_DESC, descriptors);
  cpu.store64(device.common + COMMON_QUEUE_DRIVER, driverArea);
  cpu.store64(device.common + COMMON_QUEUE_DEVICE, deviceArea);
  const notifyOffset = <u64>cpu.load16(device.common + COMMON_QUEUE_NOTIFY_OFF);
  cpu.store16(device.common + COMMON_QUEUE_ENABLE, 1);
  return device.notify + notifyOffset * <u64>device.notifyMultiplier;
}

/** The MSI-X entry queue `queue` signals, as the device holds it (NO_MSIX when it
 *  refused the one it was given: out of table entries). */
export function queueMsix(device: Device, queue: u16): u16 {
  cpu.store16(device.common + COMMON_QUEUE_SELECT, queue);
  return cpu.load16(device.common + COMMON_QUEUE_MSIX);
}

/** MSI-X entry 0 is for configuration changes (queues take 1..). */
const CONFIG_MSIX_ENTRY: u16 = 0;

/** Has configuration changes (a link going down, a disk resized) run `handler`
 *  (with `context`) through MSI-X entry 0 on a fresh vector; the vector, or 0
 *  when the device has no MSI-X, no vector is free or the device refused. */
export function onConfigChange(device: Device, handler: vectors.Handler, context: u32): u32 {
  if (msi.msixEntries(device.pciIndex) == 0) return 0;
  const vector = vectors.allocate();
  if (vector == 0) return 0;
  if (vectors.register(vector, handler, context) == Errno.Ok
    && msi.enableMsix(device.pciIndex, CONFIG_MSIX_ENTRY, vector, apic.bootCpuApicId()) == Errno.Ok) {
    cpu.store16(device.common + COMMON_CONFIG_MSIX, CONFIG_MSIX_ENTRY);
    if (cpu.load16(device.common + COMMON_CONFIG_MSIX) == CONFIG_MSIX_ENTRY) return vector;
    msi.maskMsix(device.pciIndex, CONFIG_MSIX_ENTRY);
  }
  vectors.unregister(vector, handler, context);
  vectors.release(vector);
  return 0;
}

export function ready(device: Device): void {
  setStatus(device, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
}
