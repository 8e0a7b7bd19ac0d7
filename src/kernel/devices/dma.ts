// dma.ts — the one way a driver lets its device reach memory. Every buffer a
// device reads or writes (rings, descriptors, request headers, data) is mapped
// here first and unmapped when the device is done with it:
//
//   const bus = dma.map(pciIndex, physical, bytes, writable);   // before the device is told
//   if (bus == dma.MAP_FAILED) …refuse or fail the request…
//   …give the device `bus` (not `physical`), let it work, wait for it…
//   dma.unmap(pciIndex, bus, bytes);                           // after it is done
//
// With a VT-d unit on (iommu/), each PCI function has its own domain, empty at
// boot: the device reaches only the pages its driver mapped, and a DMA anywhere
// else is blocked and recorded as a fault (iommu.faultCount()). Without one (or
// for a device behind no unit that is driven), map() returns `physical`
// unchanged and unmap() does nothing, so drivers are written once for both. Bus addresses equal physical ones (identity), but
// drivers give the device the value map() returned.
//
// Rules for drivers:
// - `pciIndex` is the device's registry index (transport.Device.pciIndex for virtio).
// - Mappings are whole 4 KiB pages: the rest of a page around a small buffer is
//   exposed too, so keep device buffers in frames of their own (frames.alloc).
// - `writable` is true when the DEVICE writes the memory (a read from disk, a
//   receive buffer, a status byte, a used ring); false when it only reads it.
// - Maps nest: mapping a page twice needs two unmaps (a page a device shares
//   between two buffers stays until both are unmapped; it stays writable if
//   either mapping was).
// - Unmap only after the device is finished (its completion seen, or the queue
//   reset); a device still working on an unmapped buffer faults instead of
//   corrupting memory. unmap() invalidates the unit's IOTLB for the domain.
// - Call from thread context, not from an interrupt handler (a lock is taken).
// - Device-generated interrupts (MSI/MSI-X writes to 0xFEEx_xxxx) are not DMA:
//   with interrupt remapping off they pass the unit untranslated; map nothing for them.
import { Errno } from "../../abi";
import * as iommu from "./iommu";
import * as registry from "./registry";

/** What map() returns when the device cannot be given the memory (out of memory
 *  for tables, an address past the domain's width, a device without a domain). */
export const MAP_FAILED: u64 = 0xffff_ffff_ffff_ffff;

/** True when DMA goes through an IOMMU (an unmapped access is blocked). */
export function translating(): bool { return iommu.enabled(); }

/** Lets PCI device `pciIndex` reach `bytes` of physical memory at `physical`
 *  (writable: the device may write it); the bus address to give the device,
 *  or MAP_FAILED. */
export function map(pciIndex: i32, physical: u64, bytes: u64, writable: bool): u64 {
  if (!iommu.enabled()) return physical;
  if (pciIndex < 0 || pciIndex >= registry.count()) return MAP_FAILED;
  if (!iommu.unit.translates(pciIndex)) return physical;     // behind no driven unit: untranslated
  return iommu.unit.map(pciIndex, physical, physical, bytes, writable) == Errno.Ok ? physical : MAP_FAILED;
}

/** Takes back what map() gave: the device can no longer reach those pages once
 *  this returns Ok. Timeout (logged) when the unit did not confirm the IOTLB
 *  invalidation; Ok without an IOMMU. */
export function unmap(pciIndex: i32, busAddress: u64, bytes: u64): Errno {
  if (!iommu.enabled() || !iommu.unit.translates(pciIndex)) return Errno.Ok;
  return iommu.unit.unmap(pciIndex, busAddress, bytes);
}

/** Pages device `pciIndex` can reach now (0 without an IOMMU: it reaches everything). */
export function pagesMapped(pciIndex: i32): u32 { return iommu.unit.pagesMapped(pciIndex); }
