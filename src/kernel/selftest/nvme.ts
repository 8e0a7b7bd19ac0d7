// nvme.ts — guest scenarios for the NVMe driver: 10 MiB written, flushed, read
// back and compared (the host then checks the disk image), and a benchmark of
// the same shape as virtio-blk's.
import * as devices from "../devices";
import { cpu } from "../../hal";
import { Errno } from "../../abi";
import * as mem from "../memory";
import { frames } from "../memory";
import * as line from "../line";
import * as log from "../log";
import * as clock from "../clock";

const MIB: u64 = 1 << 20;
/** Where the data starts: byte 1 MiB, LBA 2048 in 512-byte sectors. */
const START_BYTES: u64 = 2048 * 512;
const UNALIGNED_OFFSET: u64 = 8;           // PRP1 with an offset into its page
const UNALIGNED_BYTES: u64 = 64 << 10;

function equal(a: u64, b: u64, bytes: u64): bool {
  for (let i: u64 = 0; i < bytes; i += 8) {
    if (cpu.load64(mem.layout.DIRECT_MAP_BASE + a + i) != cpu.load64(mem.layout.DIRECT_MAP_BASE + b + i)) return false;
  }
  return true;
}

/** 10 MiB of xorshift64 data written from byte 1 MiB in 1 MiB transfers (each
 *  cut into several commands in flight), read back into another buffer and
 *  compared; one read into a buffer that does not start on a page; a flush; a
 *  read past the end refused. */
export function nvmeReadWrite(): bool {
  if (!devices.nvme.available()) return false;
  const sector = devices.nvme.sectorSize();
  const bytes: u64 = 10 * MIB;
  const order = frames.orderFor(MIB);
  const out = frames.alloc(<u32>order, frames.Owner.Test);
  const back = frames.alloc(<u32>order, frames.Owner.Test);
  if (out == 0 || back == 0) return false;
  let state: u64 = 0x9e3779b97f4a7c15;
  let ok = true;
  let lastLba: u64 = 0;
  for (let at: u64 = 0; at < bytes && ok; at += MIB) {
    for (let i: u64 = 0; i < MIB; i += 8) {
      state ^= state << 13; state ^= state >> 7; state ^= state << 17;
      cpu.store64(mem.layout.DIRECT_MAP_BASE + out + i, state);
    }
    lastLba = (START_BYTES + at) / sector;
    ok = devices.nvme.write(lastLba, out, MIB / sector) == Errno.Ok
      && devices.nvme.read(lastLba, back, MIB / sector) == Errno.Ok
      && equal(out, back, MIB);
  }
  // the last MiB again, its first 64 KiB into a buffer 8 bytes into a page
  const unaligned = ok && devices.nvme.read(lastLba, back + UNALIGNED_OFFSET, UNALIGNED_BYTES / sector) == Errno.Ok
    && equal(out, back + UNALIGNED_OFFSET, UNALIGNED_BYTES);
  const flushed = devices.nvme.flush();
  const pastEnd = devices.nvme.read(devices.nvme.capacity(), back, 1);
  const straddle = devices.nvme.read(devices.nvme.capacity() - 1, back, 2);
  frames.free(out);
  frames.free(back);
  line.reset();
  line.text("AIOS nvme identify serial=");
  devices.nvme.appendSerial();
  line.text(" sector=");
  line.decimal(sector);
  line.text(" command_kib=");
  line.decimal(devices.nvme.maxCommandBytes() >> 10);
  line.text(" unaligned=");
  line.text(unaligned ? "ok" : "failed");
  line.text(" straddle=");
  line.text(straddle == Errno.InvalidArgument ? "refused" : "accepted");
  log.publish();
  line.reset();
  line.text("AIOS nvme verified_mib=");
  line.decimal(ok ? bytes / MIB : 0);
  line.text(" flush=");
  line.text(flushed == Errno.Ok ? "ok" : "failed");
  line.text(" past_end=");
  line.text(pastEnd == Errno.InvalidArgument ? "refused" : "accepted");
  log.publish();
  return ok && unaligned && flushed == Errno.Ok && pastEnd == Errno.InvalidArgument && straddle == Errno.InvalidArgument;
}

/** Benchmark: 8 MiB written to and read from the NVMe namespace, and the same
 *  8 MiB copied in memory with 8-byte loads and stores (the floor), five times
 *  each; the best of the five (the least disturbed by the shared host). */
export function nvmeBenchmark(): bool {
  if (!devices.nvme.available()) return false;
  const order = frames.orderFor(MIB);
  const a = frames.alloc(<u32>order, frames.Owner.Test);
  const b = frames.alloc(<u32>order, frames.Owner.Test);
  if (a == 0 || b == 0) return false;
  const sector = devices.nvme.sectorSize();
  const perMib: u64 = MIB / sector;
  const start = START_BYTES / sector;
  let ok = true;
  let writeBest: u64 = 0, readBest: u64 = 0, copyBest: u64 = 0;
  for (let round = 0; round < 5 && ok; round++) {
    let begin = clock.nanoseconds();
    for (let m: u64 = 0; m < 8 && ok; m++) ok = devices.nvme.write(start + m * perMib, a, perMib) == Errno.Ok;
    const w = clock.nanoseconds() - begin;
    begin = clock.nanoseconds();
    for (let m: u64 = 0; m < 8 && ok; m++) ok = devices.nvme.read(start + m * perMib, b, perMib) == Errno.Ok;
    const r = clock.nanoseconds() - begin;
    begin = clock.nanoseconds();
    for (let m: u64 = 0; m < 8; m++) {
      for (let i: u64 = 0; i < MIB; i += 8) cpu.store64(mem.layout.DIRECT_MAP_BASE + b + i, cpu.load64(mem.layout.DIRECT_MAP_BASE + a + i));
    }
    const c = clock.nanoseconds() - begin;
    if (round == 0 || w < writeBest) writeBest = w;
    if (round == 0 || r < readBest) readBest = r;
    if (round == 0 || c < copyBest) copyBest = c;
  }
  frames.free(a);
  frames.free(b);
  line.reset();
  line.text("AIOS bench nvme mib=8 write_ns=");
  line.decimal(writeBest);
  line.text(" read_ns=");
  line.decimal(readBest);
  line.text(" copy_ns=");
  line.decimal(copyBest);
  log.publish();
  return ok;
}
