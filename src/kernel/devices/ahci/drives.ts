// drives.ts — the SATA drives behind an AHCI HBA: each port with an ATA device is
// brought up (engines, signature, IDENTIFY DEVICE) and then serves 512-byte-sector
// read, write and flush through the block layer (below). Requests are commands of up
// to COMMAND_SECTORS, one per slot, every slot in flight; as NCQ (READ/WRITE FPDMA QUEUED) where the HBA and the
// drive both offer it and aios.ahci.ncq=off did not forbid it, else READ/WRITE
// DMA EXT. The block calls act on the first drive found.
import { Errno } from "../../../abi";
import { cpu } from "../../../hal";
import * as cmdline from "../../cmdline";
import * as line from "../../line";
import * as log from "../../log";
import { frames } from "../../memory";
import { DIRECT_MAP_BASE } from "../../memory/layout";
import * as block from "../../block";
import * as vectors from "../../interrupts/vectors";
import * as apic from "../../platform/apic";
import * as msi from "../msi";
import * as dma from "../dma";
import * as registry from "../registry";
import * as ata from "./ata";
import * as port from "./port";
import * as r from "./registers";

export const SECTOR: u64 = ata.SECTOR;
const MAX_DRIVES: i32 = 8;
const MODEL_BYTES: i32 = 40;
/** Sectors per command: 512 KiB. Under QEMU the cost is per command: against
 *  128 KiB commands, 512 KiB ones read 8 MiB about 1.7 times and wrote it about
 *  1.2 times as fast (bench-ahci, TCG); a 1 MiB transfer still has two in flight,
 *  a 4 MiB one eight. */
const COMMAND_SECTORS: u64 = 1024;
const SIGNATURE_WAIT_NS: u64 = 1_000_000_000;   // a drive spinning up holds BSY
const COMMAND_WAIT_NS: u64 = 5_000_000_000;     // no command finishing for this long: Timeout
const TABLES_ORDER: u32 = 1;                     // 32 tables of 256 bytes: two frames
const BELOW_4G: u64 = 1 << 32;

const table = memory.data(MAX_DRIVES * offsetof<port.Drive>());
const models = memory.data(MAX_DRIVES * MODEL_BYTES);
let count: i32 = 0;
let pciIndex: i32 = -1;
let capabilities: u32 = 0;

function drive(i: i32): port.Drive { return changetype<port.Drive>(table + <usize>(i * offsetof<port.Drive>())); }

export function available(): bool { return count > 0 && drive(0).online; }
/** Sectors on the first drive; 0 without one. */
export function capacity(): u64 { return count > 0 ? drive(0).sectors : 0; }
/** True when the first drive's data commands are queued (NCQ). */
export function usesNcq(): bool { return count > 0 && drive(0).queued; }

function portLine(level: log.Level, p: u32): void {
  log.begin(level);
  line.text("ahci: ");
  registry.appendAddress(pciIndex);
  line.text(" port ");
  line.decimal(p);
}

/** Starts a new drive table for the HBA at registry index `index` with CAP `cap`. */
export function useController(index: i32, cap: u32): void {
  count = 0;
  pciIndex = index;
  capabilities = cap;
}

/** Brings up the device on port `p` of the HBA whose registers are at virtual
 *  `abar`, if it is an ATA drive; Ok, or why it is not driven. */
export function probe(abar: u64, p: u32): Errno {
  const registers = r.portRegisters(abar, p);
  const status = cpu.load32(registers + r.PX_SSTS);
  if ((status & r.SSTS_DET_MASK) != r.SSTS_DET_PRESENT) {
    portLine(log.Level.Debug, p);
    line.text(": nothing attached");
    log.end();
    return Errno.NotFound;
  }
  const power = (status >> r.SSTS_IPM_SHIFT) & r.SSTS_IPM_MASK;
  if (power != r.SSTS_IPM_ACTIVE) {
    portLine(log.Level.Info, p);
    line.text(": device present but its link is not active (power state ");
    line.decimal(power);
    line.text("), not driven");
    log.end();
    return Errno.NotReady;
  }
  if (count == MAX_DRIVES) {
    portLine(log.Level.Info, p);
    line.text(": not driven, the driver keeps at most 8 drives");
    log.end();
    return Errno.ResourceExhausted;
  }
  const d = drive(count);
  d.registers = registers;
  d.port = p;
  d.outstanding = 0;
  d.errors = 0;
  d.queued = false;
  d.online = true;
  d.memory = frames.alloc(0, frames.Owner.Kernel);
  d.tables = frames.alloc(TABLES_ORDER, frames.Owner.Kernel);
  const result = bringUp(d);
  if (result != Errno.Ok) {
    port.stopCommands(d);
    port.stopReceive(d);
    if (d.memory != 0) frames.free(d.memory);
    if (d.tables != 0) frames.free(d.tables);
    return result;
  }
  count++;
  portLine(log.Level.Info, p);
  line.text(" ready, ");
  line.bytes(models + <usize>((count - 1) * MODEL_BYTES), d.modelLength);
  line.text(", ");
  line.decimal(d.sectors * SECTOR >> 20);
  line.text(" MiB, ncq=");
  line.text(d.queued ? "yes" : "no");
  line.text(", slots=");
  line.decimal(d.slots);
  log.end();
  return Errno.Ok;
}

function refuse(d: port.Drive, why: string, result: Errno): Errno {
  portLine(result == Errno.NotSupported ? log.Level.Info : log.Level.Warn, d.port);
  line.text(": ");
  line.text(why);
  log.end();
  return result;
}

function bringUp(d: port.Drive): Errno {
  if (d.memory == 0 || d.tables == 0) return refuse(d, "no memory for its command list", Errno.ResourceExhausted);
  // the HBA reads the command list and tables and writes received FISes and
  // IDENTIFY data into them: mapped for it (identity bus addresses, dma.ts)
  if (dma.map(pciIndex, d.memory, frames.FRAME_SIZE, true) == dma.MAP_FAILED
    || dma.map(pciIndex, d.tables, frames.FRAME_SIZE << TABLES_ORDER, true) == dma.MAP_FAILED) {
    return refuse(d, "its command memory could not be mapped for DMA", Errno.ResourceExhausted);
  }
  if ((capabilities & r.CAP_S64A) == 0 && (d.memory >= BELOW_4G || d.tables >= BELOW_4G)) {
    return refuse(d, "32-bit HBA and its command memory above 4 GiB", Errno.NotSupported);
  }
  cpu.zero(DIRECT_MAP_BASE + d.memory, frames.FRAME_SIZE);
  cpu.zero(DIRECT_MAP_BASE + d.tables, frames.FRAME_SIZE << TABLES_ORDER);
  // §10.1.2: both engines idle before the bases change
  if (!port.stopCommands(d) || !port.stopReceive(d)) return refuse(d, "its engines did not stop", Errno.Timeout);
  port.startReceive(d);
  const signature = port.awaitSignature(d, SIGNATURE_WAIT_NS);
  if (signature == r.SIG_ATAPI) return refuse(d, "ATAPI device (CD/DVD), not driven", Errno.NotSupported);
  if (signature == r.SIG_PORT_MULTIPLIER) return refuse(d, "port multiplier, not supported", Errno.NotSupported);
  if (signature == r.SIG_ENCLOSURE) return refuse(d, "enclosure bridge, not driven", Errno.NotSupported);
  if (signature == r.SIG_NONE) return refuse(d, "device present but no signature (still busy?)", Errno.Timeout);
  if (signature != r.SIG_ATA) return refuse(d, "unknown device signature", Errno.NotSupported);
  if (!port.startCommands(d)) return refuse(d, "the drive stayed busy", Errno.Timeout);
  d.slots = ((capabilities >> r.CAP_NCS_SHIFT) & r.CAP_NCS_MASK) + 1;
  const identified = identify(d);
  if (identified != Errno.Ok) return refuse(d, "IDENTIFY DEVICE failed", identified);
  const id = DIRECT_MAP_BASE + d.memory + port.IDENTIFY_OFFSET;
  if (!ata.identifyLba48(id)) return refuse(d, "no 48-bit addressing", Errno.NotSupported);
  if (ata.identifyLogicalSectorBytes(id) != <u32>SECTOR) return refuse(d, "logical sectors are not 512 bytes", Errno.NotSupported);
  d.sectors = ata.identifySectors(id);
  d.canFlush = ata.identifyFlushExt(id);
  d.modelLength = ata.identifyModel(id, models + <usize>(count * MODEL_BYTES));
  const depth = ata.identifyQueueDepth(id);
  d.queued = (capabilities & r.CAP_SNCQ) != 0 && depth > 0 && cmdline.ahciNcqAllowed();
  if (d.queued && depth < d.slots) d.slots = depth;   // a tag is a slot and must be below the depth
  return Errno.Ok;
}

/** Runs one non-queued command in slot 0 and waits for it. */
function runSingle(d: port.Drive, what: string, direction: ata.Direction, buffer: u64, bytes: u64): Errno {
  const t = port.table(d, 0);
  const entries = bytes == 0 ? 0 : ata.fillPrdt(DIRECT_MAP_BASE + t, buffer, bytes);
  if (entries < 0) return Errno.InvalidArgument;
  ata.writeHeader(port.header(d, 0), ata.FIS_H2D_BYTES, direction, <u32>entries, t);
  port.issue(d, 1, port.Queuing.None);
  while (d.outstanding != 0) {
    const finished = port.waitAny(d, COMMAND_WAIT_NS);
    if (finished < 0) return fail(d, what, 0, 0, <Errno>(-finished));
  }
  return Errno.Ok;
}

function identify(d: port.Drive): Errno {
  ata.writeSimpleFis(DIRECT_MAP_BASE + port.table(d, 0), ata.ATA_IDENTIFY_DEVICE);
  return runSingle(d, "IDENTIFY DEVICE", ata.Direction.FromDevice, d.memory + port.IDENTIFY_OFFSET, SECTOR);
}

/** Logs a failed request, recovers the port (and takes the drive offline if
 *  that fails); returns `result`. */
function fail(d: port.Drive, what: string, sector: u64, sectors: u64, result: Errno): Errno {
  const taskFile = d.taskFile;
  const errors = d.errors;
  const recovered = port.recover(d);
  portLine(log.Level.Warn, d.port);
  line.text(": ");
  line.text(what);
  if (sectors > 0) {
    line.text(" of sectors ");
    line.decimal(sector);
    line.text("+");
    line.decimal(sectors);
  }
  if (result == Errno.Timeout) {
    line.text(" timed out");
  } else {
    line.text(" failed, status ");
    line.hex(taskFile & 0xff, 2);
    line.text(" error ");
    line.hex((taskFile >> r.TFD_ERROR_SHIFT) & 0xff, 2);
    line.text(" causes ");
    line.hex(errors, 8);
  }
  line.text(recovered ? "; port restarted" : "; the port did not come back, drive offline");
  log.end();
  if (!recovered) d.online = false;      // every later request is refused with NotReady
  return result;
}

/** Builds the data command for `sectors` from `lba` in slot `slot`. */
function build(d: port.Drive, slot: u32, direction: ata.Direction, lba: u64, sectors: u64, buffer: u64): void {
  const toDevice = direction == ata.Direction.ToDevice;
  const t = port.table(d, slot);
  const fis = DIRECT_MAP_BASE + t;
  if (d.queued) ata.writeQueuedFis(fis, toDevice ? ata.ATA_WRITE_FPDMA_QUEUED : ata.ATA_READ_FPDMA_QUEUED, lba, sectors, slot);
  else ata.writeDmaFis(fis, toDevice ? ata.ATA_WRITE_DMA_EXT : ata.ATA_READ_DMA_EXT, lba, sectors);
  const entries = ata.fillPrdt(fis, buffer, sectors * SECTOR);
  ata.writeHeader(port.header(d, slot), ata.FIS_H2D_BYTES, direction, <u32>entries, t);
}

// ---- under the block layer: the first drive as "sda". Each block request is one
// command in a slot of its own (up to every slot in flight); the HBA's MSI (or the
// block layer's polling without it) reaps finished slots and completes their
// requests. An error fails every command then in flight (the port is recovered,
// which drops them; the caller's transfer fails as a whole, as before) and the
// port goes on with the next requests.
const REQUEST_SECTORS: u32 = <u32>COMMAND_SECTORS;
const NO_REQUEST: i32 = -1;
const slotRequests = memory.data(32 * 4);
let disk: i32 = -1;
let vector: u32 = 0;
let interruptCount: u32 = 0;

/** The block layer's disk for the first drive ("sda"), or -1. */
export function diskIndex(): i32 { return disk; }
/** Interrupts the HBA has raised (for tests). */
export function interrupts(): u32 { return interruptCount; }

function start(context: u32, request: i32): Errno {
  if (count == 0 || !drive(0).online) return Errno.NotReady;
  const d = drive(0);
  let free = ~d.outstanding & (d.slots == 32 ? 0xffffffff : (<u32>1 << d.slots) - 1);
  while (free != 0 && load<i32>(slotRequests + <usize>ctz(free) * 4) != NO_REQUEST) free &= ~(<u32>1 << ctz(free));
  if (free == 0) return Errno.ResourceExhausted;
  const slot = <u32>ctz(free);
  const op = block.queue.requestOp(request);
  let queuing = d.queued ? port.Queuing.Native : port.Queuing.None;
  if (op == block.queue.Op.Flush) {
    if (!d.canFlush) return Errno.NotSupported;
    // non-queued: the block layer starts a flush only when nothing else is in flight
    ata.writeSimpleFis(DIRECT_MAP_BASE + port.table(d, slot), ata.ATA_FLUSH_CACHE_EXT);
    ata.writeHeader(port.header(d, slot), ata.FIS_H2D_BYTES, ata.Direction.None, 0, port.table(d, slot));
    queuing = port.Queuing.None;
  } else {
    const buffer = block.queue.requestBuffer(request);
    if ((buffer & 1) != 0) return Errno.InvalidArgument;                 // PRDT addresses are word aligned
    const sectors = <u64>block.queue.requestCount(request);
    if ((capabilities & r.CAP_S64A) == 0 && (buffer >= BELOW_4G || sectors * SECTOR > BELOW_4G - buffer)) return Errno.InvalidArgument;
    build(d, slot, op == block.queue.Op.Read ? ata.Direction.FromDevice : ata.Direction.ToDevice, block.queue.requestSector(request), sectors, buffer);
  }
  store<i32>(slotRequests + <usize>slot * 4, request);
  port.issue(d, <u32>1 << slot, queuing);
  return Errno.Ok;
}

/** Completes the requests whose slots finished; after an error, recovers the
 *  port and fails every request that was in flight. */
function poll(context: u32): void {
  if (count == 0) return;
  const flags = cpu.saveInterrupts();
  const d = drive(0);
  const finished = port.complete(d);
  if (d.errors != 0) {
    const inFlight = d.outstanding | finished;
    // name the first request in flight in the log (the failing one, when it was alone)
    let named: i32 = NO_REQUEST;
    for (let slot: u32 = 0; slot < 32 && named == NO_REQUEST; slot++) {
      if ((inFlight & (<u32>1 << slot)) != 0) named = load<i32>(slotRequests + <usize>slot * 4);
    }
    const op = named == NO_REQUEST ? block.queue.Op.Flush : block.queue.requestOp(named);
    fail(d, op == block.queue.Op.Read ? "read" : op == block.queue.Op.Write ? "write" : "a command",
      named == NO_REQUEST ? 0 : block.queue.requestSector(named), named == NO_REQUEST ? 0 : <u64>block.queue.requestCount(named),
      Errno.DeviceError);                                    // logs, recovers: the HBA drops what was issued
    for (let slot: u32 = 0; slot < 32; slot++) {
      if ((inFlight & (<u32>1 << slot)) == 0) continue;
      const request = load<i32>(slotRequests + <usize>slot * 4);
      store<i32>(slotRequests + <usize>slot * 4, NO_REQUEST);
      if (request != NO_REQUEST) block.queue.complete(request, Errno.DeviceError);
    }
  } else {
    for (let slot: u32 = 0; slot < 32; slot++) {
      if ((finished & (<u32>1 << slot)) == 0) continue;
      const request = load<i32>(slotRequests + <usize>slot * 4);
      store<i32>(slotRequests + <usize>slot * 4, NO_REQUEST);
      if (request != NO_REQUEST) block.queue.complete(request, Errno.Ok);
    }
  }
  cpu.restoreInterrupts(flags);
}

/** The HBA's MSI handler: the port's causes are cleared by port.complete() (in
 *  poll), then the HBA's own status bit for it. */
function interrupt(v: u32, context: u32): void {
  interruptCount++;
  const abar = drive(0).registers - r.portRegisters(0, drive(0).port);
  poll(0);
  cpu.store32(abar + r.HBA_IS, <u32>1 << drive(0).port);
}

/** MSI for the HBA, the first drive's port interrupts on; false (polled) when
 *  the controller has no MSI or no vector is free. */
function attachInterrupt(): bool {
  const d = drive(0);
  const v = vectors.allocate();
  if (v == 0) return false;
  if (vectors.register(v, interrupt, 0) != Errno.Ok) { vectors.release(v); return false; }
  if (msi.enableMsi(pciIndex, v, apic.bootCpuApicId()) != Errno.Ok) {
    vectors.unregister(v, interrupt, 0);
    vectors.release(v);
    return false;
  }
  vector = v;
  const abar = d.registers - r.portRegisters(0, d.port);
  cpu.store32(d.registers + r.PX_IS, 0xffffffff);
  cpu.store32(d.registers + r.PX_IE, r.IS_STATUS_UPDATED | r.IS_ERRORS);
  cpu.store32(abar + r.HBA_IS, 0xffffffff);
  cpu.store32(abar + r.HBA_GHC, cpu.load32(abar + r.HBA_GHC) | r.GHC_IE);
  return true;
}

/** Registers the first drive with the block layer (once, after the probe). */
export function registerDisk(): void {
  if (count == 0 || disk >= 0) return;
  const d = drive(0);
  for (let slot = 0; slot < 32; slot++) store<i32>(slotRequests + <usize>slot * 4, NO_REQUEST);
  const interrupting = attachInterrupt();
  disk = block.queue.addDisk("sda", -1, <u32>SECTOR, d.sectors, start, poll, 0, d.slots, REQUEST_SECTORS,
    (d.canFlush ? block.queue.FLAG_FLUSH : 0) | (interrupting ? block.queue.FLAG_INTERRUPTS : 0), block.iosched.Policy.Deadline);
  if (disk >= 0) {
    block.queue.setDmaDevice(disk, pciIndex);
    block.announce(disk);
  }
}
