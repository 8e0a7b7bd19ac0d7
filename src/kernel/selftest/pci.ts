// pci.ts — guest scenario for PCI enumeration: every function with its identity,
// class, BARs and capability ids, as "AIOS pci" lines the harness checks against
// the machine QEMU was given.
import * as devices from "../devices";
import { registry } from "../devices";
import { cpu, pci } from "../../hal";
import { Errno } from "../../abi";
import * as mem from "../memory";
import { frames } from "../memory";
import * as line from "../line";
import * as log from "../log";
import * as clock from "../clock";
import * as block from "../block";
import * as shared from "./block";

export function listDevices(): bool {
  for (let i = 0; i < registry.count(); i++) {
    line.reset();
    line.text("AIOS pci ");
    registry.appendAddress(i);
    line.text(" ");
    line.hex(registry.vendor(i), 4);
    line.text(":");
    line.hex(registry.deviceId(i), 4);
    line.text(" class=");
    line.hex(registry.classCode(i), 2);
    line.text("/");
    line.hex(registry.subclass(i), 2);
    line.text(" bars=");
    for (let b = 0; b < 6; b++) {
      if (registry.barSize(i, b) == 0) continue;
      line.decimal(b);
      line.text(registry.barIsIo(i, b) ? "io" : "mem");
      line.text(":");
      line.hex(registry.barSize(i, b));
      line.text(",");
    }
    line.text(" caps=");
    for (let n = 0; n < registry.capabilityCount(i); n++) {
      line.hex(registry.capabilityId(i, n), 2);
      line.text(",");
    }
    log.publish();
  }
  line.reset();
  line.text("AIOS pci total=");
  line.decimal(registry.count());
  line.text(" access=");
  line.text(pci.usingEcam() ? "ecam" : "ports");
  log.publish();
  return registry.count() > 0 && registry.find(0xffff, 0xffff, 0x06, 0x00) >= 0;   // a host bridge
}

const entropy = memory.data(256);

/** virtio-rng: 256 bytes of entropy through a split virtqueue, not all alike. */
export function virtioRng(): bool {
  if (!devices.virtio.rng.available()) return false;
  memory.fill(entropy, 0, 256);
  const got = devices.virtio.rng.read(entropy, 256);
  let distinct = 0;
  const seen = memory.data(256);
  memory.fill(seen, 0, 256);
  for (let i = 0; i < 256; i++) {
    const b = load<u8>(entropy + <usize>i);
    if (load<u8>(seen + <usize>b) == 0) { store<u8>(seen + <usize>b, 1); distinct++; }
  }
  line.reset();
  line.text("AIOS virtio-rng bytes=");
  line.signed(got);
  line.text(" distinct=");
  line.decimal(distinct);
  log.publish();
  return got == 256 && distinct > 64;
}

/** virtio-blk: the block layer's shared round trip (selftest/block.ts) on vda,
 *  and how many interrupts and doorbells it took. */
export function virtioBlk(): bool {
  if (!devices.virtio.blk.available()) return false;
  const ok = shared.verify(devices.virtio.blk.diskIndex(), "virtio-blk");
  line.reset();
  line.text("AIOS virtio-blk interrupts=");
  line.decimal(devices.virtio.blk.interrupts());
  line.text(" doorbells=");
  line.decimal(devices.virtio.blk.doorbells());
  log.publish();
  return ok;
}

/** virtio-blk on a read-only drive: the device says so (VIRTIO_BLK_F_RO), a write
 *  is refused with PermissionDenied before it reaches the device, and a read
 *  still returns what the host put in sector 2048 (the bytes 0..255, twice). */
export function virtioBlkReadOnly(): bool {
  if (!devices.virtio.blk.available()) return false;
  const disk = devices.virtio.blk.diskIndex();
  const buffer = frames.alloc(0, frames.Owner.Test);
  if (buffer == 0) return false;
  const wrote = block.write(disk, 2048, buffer, 1);
  const read = block.read(disk, 2048, buffer, 1);
  let matches = read == Errno.Ok;
  for (let i: u64 = 0; i < devices.virtio.blk.SECTOR && matches; i++) {
    if (cpu.load8(mem.layout.DIRECT_MAP_BASE + buffer + i) != <u8>(i & 0xff)) matches = false;
  }
  frames.free(buffer);
  line.reset();
  line.text("AIOS virtio-blk-readonly read_only=");
  line.text(block.queue.readOnly(disk) ? "yes" : "no");
  line.text(" write=");
  line.text(wrote == Errno.PermissionDenied ? "refused" : "accepted");
  line.text(" read=");
  line.text(matches ? "ok" : "wrong");
  log.publish();
  return block.queue.readOnly(disk) && wrote == Errno.PermissionDenied && matches;
}

export function virtioBlkBenchmark(): bool {
  return devices.virtio.blk.available() && shared.benchmark(devices.virtio.blk.diskIndex(), "blk");
}
