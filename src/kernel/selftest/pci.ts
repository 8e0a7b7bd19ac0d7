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

/** virtio-blk: 10 MiB of pseudo-random data written from sector 2048 in 64 KiB
 *  requests (several in flight), flushed, read back into another buffer and
 *  compared; a request past the end is refused. */
export function virtioBlk(): bool {
  if (!devices.virtio.blk.available()) return false;
  const disk = devices.virtio.blk.diskIndex();
  const bytes: u64 = 10 << 20;
  const order = frames.orderFor(1 << 20);                // 1 MiB at a time
  const out = frames.alloc(<u32>order, frames.Owner.Test);
  const back = frames.alloc(<u32>order, frames.Owner.Test);
  if (out == 0 || back == 0) return false;
  let state: u64 = 0x9e3779b97f4a7c15;
  let ok = true;
  for (let at: u64 = 0; at < bytes && ok; at += 1 << 20) {
    for (let i: u64 = 0; i < (1 << 20); i += 8) {
      state ^= state << 13; state ^= state >> 7; state ^= state << 17;
      cpu.store64(mem.layout.DIRECT_MAP_BASE + out + i, state);
    }
    const sector = 2048 + at / devices.virtio.blk.SECTOR;
    ok = block.write(disk, sector, out, (1 << 20) / devices.virtio.blk.SECTOR) == Errno.Ok
      && block.read(disk, sector, back, (1 << 20) / devices.virtio.blk.SECTOR) == Errno.Ok;
    for (let i: u64 = 0; i < (1 << 20) && ok; i += 8) {
      if (cpu.load64(mem.layout.DIRECT_MAP_BASE + out + i) != cpu.load64(mem.layout.DIRECT_MAP_BASE + back + i)) ok = false;
    }
  }
  const flushed = block.flush(disk);
  const pastEnd = block.read(disk, block.queue.capacity(disk), back, 1);
  frames.free(out);
  frames.free(back);
  line.reset();
  line.text("AIOS virtio-blk interrupts=");
  line.decimal(devices.virtio.blk.interrupts());
  line.text(" doorbells=");
  line.decimal(devices.virtio.blk.doorbells());
  log.publish();
  line.reset();
  line.text("AIOS virtio-blk verified_mib=");
  line.decimal(ok ? bytes >> 20 : 0);
  line.text(" flush=");
  line.text(flushed == Errno.Ok ? "ok" : "failed");
  line.text(" past_end=");
  line.text(pastEnd == Errno.InvalidArgument ? "refused" : "accepted");
  log.publish();
  return ok && flushed == Errno.Ok && pastEnd == Errno.InvalidArgument;
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

/** Benchmark: 8 MiB written to and read from the virtio-blk disk, and the same
 *  8 MiB copied in memory with 8-byte loads and stores (the floor), five times
 *  each; the best of the five (the least disturbed by the shared host). */
export function virtioBlkBenchmark(): bool {
  if (!devices.virtio.blk.available()) return false;
  const disk = devices.virtio.blk.diskIndex();
  const order = frames.orderFor(1 << 20);
  const a = frames.alloc(<u32>order, frames.Owner.Test);
  const b = frames.alloc(<u32>order, frames.Owner.Test);
  if (a == 0 || b == 0) return false;
  const sectorsPerMib: u64 = (1 << 20) / devices.virtio.blk.SECTOR;
  let ok = true;
  let writeBest: u64 = 0, readBest: u64 = 0, copyBest: u64 = 0;
  for (let round = 0; round < 5 && ok; round++) {
    let start = clock.nanoseconds();
    for (let m: u64 = 0; m < 8 && ok; m++) ok = block.write(disk, 2048 + m * sectorsPerMib, a, sectorsPerMib) == Errno.Ok;
    const w = clock.nanoseconds() - start;
    start = clock.nanoseconds();
    for (let m: u64 = 0; m < 8 && ok; m++) ok = block.read(disk, 2048 + m * sectorsPerMib, b, sectorsPerMib) == Errno.Ok;
    const r = clock.nanoseconds() - start;
    start = clock.nanoseconds();
    for (let m: u64 = 0; m < 8; m++) {
      for (let i: u64 = 0; i < (1 << 20); i += 8) cpu.store64(mem.layout.DIRECT_MAP_BASE + b + i, cpu.load64(mem.layout.DIRECT_MAP_BASE + a + i));
    }
    const c = clock.nanoseconds() - start;
    if (round == 0 || w < writeBest) writeBest = w;
    if (round == 0 || r < readBest) readBest = r;
    if (round == 0 || c < copyBest) copyBest = c;
  }
  frames.free(a);
  frames.free(b);
  line.reset();
  line.text("AIOS bench blk mib=8 write_ns=");
  line.decimal(writeBest);
  line.text(" read_ns=");
  line.decimal(readBest);
  line.text(" copy_ns=");
  line.decimal(copyBest);
  log.publish();
  return ok;
}
