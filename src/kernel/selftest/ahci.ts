// ahci.ts — guest scenarios for the AHCI driver: 10 MiB written, flushed and read
// back (the host then checks its disk image), recovery from a failed read the
// host injects, and the write/read throughput benchmark.
import * as devices from "../devices";
import { cpu } from "../../hal";
import { Errno } from "../../abi";
import * as mem from "../memory";
import { frames } from "../memory";
import * as line from "../line";
import * as log from "../log";
import * as clock from "../clock";
import * as shared from "./block";
import * as block from "../block";

const MIB: u64 = 1 << 20;
const FIRST_SECTOR: u64 = 2048;

/** Fills `bytes` at physical `buffer` with the xorshift stream after `state`;
 *  the state reached. */
function fillXorshift(buffer: u64, bytes: u64, state: u64): u64 {
  for (let i: u64 = 0; i < bytes; i += 8) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    cpu.store64(mem.layout.DIRECT_MAP_BASE + buffer + i, state);
  }
  return state;
}

function same(a: u64, b: u64, bytes: u64): bool {
  for (let i: u64 = 0; i < bytes; i += 8) {
    if (cpu.load64(mem.layout.DIRECT_MAP_BASE + a + i) != cpu.load64(mem.layout.DIRECT_MAP_BASE + b + i)) return false;
  }
  return true;
}

/** The block layer's shared round trip (selftest/block.ts) on sda, then whether
 *  the drive's commands were queued (NCQ). */
export function verify(): bool {
  if (!devices.ahci.available()) return false;
  const ok = shared.verify(devices.ahci.diskIndex(), "ahci");
  line.reset();
  line.text("AIOS ahci ncq=");
  line.text(devices.ahci.usesNcq() ? "yes" : "no");
  line.text(" interrupts=");
  line.decimal(devices.ahci.interrupts());
  log.publish();
  return ok;
}

/** The host makes reads touching sector 4096 fail once (QEMU blkdebug): a 64 KiB
 *  read across it fails with DeviceError, and afterwards the port works again —
 *  a write and read-back at 2048 match, and the same read now succeeds. */
export function errorRecovery(): bool {
  if (!devices.ahci.available()) return false;
  const order = <u32>frames.orderFor(64 << 10);
  const a = frames.alloc(order, frames.Owner.Test);
  const b = frames.alloc(order, frames.Owner.Test);
  if (a == 0 || b == 0) return false;
  const sectors: u64 = (64 << 10) / devices.ahci.SECTOR;
  const disk = devices.ahci.diskIndex();
  const failed = block.read(disk, 4096 - 8, b, sectors);
  fillXorshift(a, 64 << 10, 0x9e3779b97f4a7c15);
  const wrote = block.write(disk, FIRST_SECTOR, a, sectors);
  const read = block.read(disk, FIRST_SECTOR, b, sectors);
  const matches = read == Errno.Ok && same(a, b, 64 << 10);
  const retried = block.read(disk, 4096 - 8, b, sectors);
  frames.free(a);
  frames.free(b);
  line.reset();
  line.text("AIOS ahci-error first=");
  line.text(failed == Errno.DeviceError ? "device_error" : failed == Errno.Ok ? "ok" : "other");
  line.text(" after=");
  line.text(wrote == Errno.Ok && matches ? "ok" : "failed");
  line.text(" retry=");
  line.text(retried == Errno.Ok ? "ok" : "failed");
  line.text(" ncq=");
  line.text(devices.ahci.usesNcq() ? "yes" : "no");
  log.publish();
  return failed == Errno.DeviceError && wrote == Errno.Ok && matches && retried == Errno.Ok;
}

export function benchmark(): bool {
  return devices.ahci.available() && shared.benchmark(devices.ahci.diskIndex(), "ahci");
}
