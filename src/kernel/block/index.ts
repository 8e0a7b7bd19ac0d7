// block — the block layer: one request queue for every block driver (queue.ts),
// its I/O schedulers (iosched.ts), partition tables (partitions.ts), and here the
// calls the kernel and the agent ABI use: transfers of any length split into
// requests several in flight, flush, and the partition scan that adds "vda1"…
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as line from "../line";
import * as log from "../log";
import { frames } from "../memory";
import { DIRECT_MAP_BASE } from "../memory/layout";
import * as scheduler from "../sched/scheduler";
import * as iosched from "./iosched";
import * as partitions from "./partitions";
import * as queue from "./queue";
import { linearToVirtual } from "../physical";
export { iosched, partitions, queue };

/** Device capabilities name a disk as BLOCK_OBJECT | its index. */
const BLOCK_OBJECT: u64 = 2 << 32;
export function objectOf(d: i32): u64 { return BLOCK_OBJECT | <u64>d; }
/** The disk a Device capability's object names, or -1. */
export function diskOfObject(object: u64): i32 {
  if ((object & ~<u64>0xffff_ffff) != BLOCK_OBJECT) return -1;
  const d = <i32>(object & 0xffff_ffff);
  return queue.validDisk(d) ? d : -1;
}

const WINDOW: i32 = 16;                  // requests one transfer keeps in flight
const windows = memory.data(scheduler.MAX_THREADS * WINDOW * 4);

/** Moves `count` sectors of disk `d` from `sector` between the disk and physical
 *  `buffer` (contiguous), in requests of the driver's largest size, up to WINDOW
 *  at a time. The first error stops it (what was in flight is waited for). */
export function transfer(d: i32, write: bool, sector: u64, buffer: u64, count: u64): Errno {
  if (!queue.validDisk(d)) return Errno.NotFound;
  if (count == 0 || sector >= queue.capacity(d) || count > queue.capacity(d) - sector) return Errno.InvalidArgument;
  if (write && queue.readOnly(d)) return Errno.PermissionDenied;
  const window = windows + <usize>scheduler.currentThread() * WINDOW * 4;
  const most = <u64>queue.maxRequestSectors(d);
  const bytes = <u64>queue.sectorSize(d);
  let done: u64 = 0;
  let result = Errno.Ok;
  while (done < count && result == Errno.Ok) {
    let posted = 0;
    while (posted < WINDOW && done < count) {
      const n = count - done < most ? count - done : most;
      const r = queue.submit(d, write ? queue.Op.Write : queue.Op.Read, sector + done, <u32>n, buffer + done * bytes);
      if (r < 0) { result = <Errno>(-r); break; }
      store<i32>(window + <usize>posted * 4, r);
      posted++;
      done += n;
    }
    for (let i = 0; i < posted; i++) {
      const outcome = queue.wait(load<i32>(window + <usize>i * 4));
      if (outcome != Errno.Ok && result == Errno.Ok) result = outcome;
    }
  }
  return result;
}

export function read(d: i32, sector: u64, buffer: u64, count: u64): Errno { return transfer(d, false, sector, buffer, count); }
export function write(d: i32, sector: u64, buffer: u64, count: u64): Errno { return transfer(d, true, sector, buffer, count); }

/** Makes every completed write to disk `d` durable. */
export function flush(d: i32): Errno {
  const r = queue.submit(d, queue.Op.Flush, 0, 0, 0);
  return r < 0 ? <Errno>(-r) : queue.wait(r);
}

/** The disk named `name` ("vda", "vda1", "nvme0n1"…), or -1. */
export function find(name: string): i32 {
  for (let d = 0; d < queue.count(); d++) {
    let same = true;
    for (let i = 0; i < 8 && same; i++) {
      const want: u8 = i < name.length ? <u8>name.charCodeAt(i) : 0;
      if (queue.nameByte(d, i) != want) same = false;
    }
    if (same) return d;
  }
  return -1;
}

export function appendName(d: i32): void {
  for (let i = 0; i < 8 && queue.nameByte(d, i) != 0; i++) line.byte(queue.nameByte(d, i));
}

// ---- partitions
const HEADER_BYTES: u32 = 4096;
const ENTRY_BYTES_MAX: u32 = 16384;
const header = memory.data(HEADER_BYTES);
const entries = memory.data(ENTRY_BYTES_MAX);

/** Reads `sectors` sectors from `sector` of disk `d` into kernel memory `to`. */
function readInto(d: i32, sector: u64, sectors: u64, to: usize): Errno {
  const bytes = sectors * <u64>queue.sectorSize(d);
  const order = frames.orderFor(bytes);
  const bounce = order < 0 ? 0 : frames.alloc(<u32>order, frames.Owner.Kernel);
  if (bounce == 0) return Errno.ResourceExhausted;
  const result = read(d, sector, bounce, sectors);
  if (result == Errno.Ok) cpu.copy(linearToVirtual(to), DIRECT_MAP_BASE + bounce, bytes);
  frames.free(bounce);
  return result;
}

function refuseTable(d: i32, why: string): i32 {
  log.begin(log.Level.Warn);
  line.text("block: ");
  appendName(d);
  line.text(": ");
  line.text(why);
  line.text("; its partitions are not used");
  log.end();
  return 0;
}

/** Finds disk `d`'s GPT header at `lba` and its entries; Ok when both check out. */
function loadGpt(d: i32, lba: u64): partitions.Verdict {
  const sectorBytes = queue.sectorSize(d);
  if (readInto(d, lba, 1, header) != Errno.Ok) return partitions.Verdict.BadHeader;
  const verdict = partitions.checkGptHeader(header, sectorBytes, lba, queue.capacity(d));
  if (verdict != partitions.Verdict.Ok) return verdict;
  const bytes = partitions.gptEntriesBytes(header);
  if (bytes > ENTRY_BYTES_MAX) return partitions.Verdict.BadEntries;
  const sectors = (<u64>bytes + <u64>sectorBytes - 1) / <u64>sectorBytes;
  if (readInto(d, partitions.gptEntriesLba(header), sectors, entries) != Errno.Ok) return partitions.Verdict.BadEntries;
  return partitions.parseGptEntries(header, entries);
}

/** Reads whole disk `d`'s partition table (GPT, its backup if the primary is
 *  corrupt, or MBR) and adds each partition as a disk; the number added. A table
 *  that does not check out is logged and ignored: the whole disk stays usable. */
export function scanPartitions(d: i32): i32 {
  if (!queue.validDisk(d) || queue.parent(d) != queue.NONE || queue.sectorSize(d) > HEADER_BYTES) return 0;
  if (readInto(d, 0, 1, header) != Errno.Ok) return refuseTable(d, "sector 0 cannot be read");
  let verdict = partitions.parseMbr(header, queue.capacity(d));
  if (verdict == partitions.Verdict.NoTable) return 0;
  if (verdict == partitions.Verdict.Ok && partitions.table() == partitions.Table.Gpt) {
    verdict = loadGpt(d, 1);
    if (verdict != partitions.Verdict.Ok) {
      const primary = verdict;
      verdict = loadGpt(d, queue.capacity(d) - 1);
      if (verdict == partitions.Verdict.Ok) {
        log.begin(log.Level.Warn);
        line.text("block: ");
        appendName(d);
        line.text(primary == partitions.Verdict.BadHeader ? ": primary GPT header corrupt" : ": primary GPT entries corrupt");
        line.text("; using the backup");
        log.end();
      }
    }
  }
  if (verdict == partitions.Verdict.BadHeader) return refuseTable(d, "GPT header (and its backup) corrupt");
  if (verdict == partitions.Verdict.BadEntries) return refuseTable(d, "GPT partition entries fail their CRC");
  if (verdict == partitions.Verdict.BadPartition) return refuseTable(d, "a partition lies outside the disk or overlaps another");
  let added = 0;
  for (let i = 0; i < partitions.count(); i++) {
    if (queue.addPartition(d, i + 1, partitions.first(i), partitions.sectors(i)) >= 0) added++;
  }
  log.begin(log.Level.Info);
  line.text("block: ");
  appendName(d);
  line.text(partitions.table() == partitions.Table.Gpt ? ": GPT, " : ": MBR, ");
  line.decimal(added);
  line.text(" partition(s)");
  log.end();
  return added;
}

/** Logs a newly registered whole disk and scans its partitions. */
export function announce(d: i32): void {
  log.begin(log.Level.Info);
  line.text("block: ");
  appendName(d);
  line.text(" ");
  line.decimal(queue.capacity(d) * <u64>queue.sectorSize(d) >> 20);
  line.text(" MiB in ");
  line.decimal(queue.sectorSize(d));
  line.text("-byte sectors, depth ");
  line.decimal(queue.depth(d));
  line.text(queue.interruptDriven(d) ? ", interrupts" : ", polled");
  line.text(queue.policy(d) == iosched.Policy.Deadline ? ", deadline" : ", fifo");
  if (queue.readOnly(d)) line.text(", read-only");
  log.end();
  scanPartitions(d);
}
