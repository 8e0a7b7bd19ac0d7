// unit.ts — one Intel VT-d DMA remapping unit (VT-d spec rev 3+): brought up in
// legacy mode with a root table, a context entry for every PCI function behind
// it, each function in its own domain (id = registry index + 1) with its own,
// initially empty, second-level tables; then register-based global
// invalidation and translation on. Functions not behind it keep untranslated
// DMA. Faults are polled from the recording registers. Interrupt remapping and
// queued invalidation stay off.
// One ticket lock serialises table changes and the invalidation registers.
import { Errno } from "../../../abi";
import { cpu } from "../../../hal";
import * as clock from "../../clock";
import * as line from "../../line";
import * as log from "../../log";
import { frames } from "../../memory";
import * as physical from "../../physical";
import * as locks from "../../sync/locks";
import * as registry from "../registry";
import * as encoding from "./encoding";
import * as pagetable from "./pagetable";

const WAIT_NS: u64 = 100_000_000;        // registers answer in microseconds; 100 ms means broken
const ALL_ONES_32: u32 = 0xffff_ffff;
const ALL_ONES_64: u64 = 0xffff_ffff_ffff_ffff;
const BUSES: u64 = 256;
const MAX_FAULT_LOGS: u32 = 16;          // Warn lines; later faults are only counted

let registers: u64 = 0;                  // virtual address of the register page; 0 = no unit
let registerBase: u64 = 0;               // its physical address
let versionValue: u32 = 0;
let capability: u64 = 0;
let extended: u64 = 0;
let levels: i32 = 0;
let rootTable: u64 = 0;
let translating = false;
let drain: u64 = 0;                      // DR | DW where the unit drains on IOTLB invalidation
const pageTables = memory.data(registry.MAX_DEVICES * 8);   // per registry index; 0 = no domain
/** Per registry index: what the unit does with the function's DMA. */
const enum Placement { Outside = 0, Domain = 1, Blocked = 2 }
const placements = memory.data(registry.MAX_DEVICES);
const mappedPages = memory.data(registry.MAX_DEVICES * 4);
const lock = memory.data(locks.TICKET_LOCK_BYTES);

let faults: u32 = 0;
let lastSource: u16 = 0;
let lastAddress: u64 = 0;
let lastReason: u8 = 0;
let lastRead = false;

export function enabled(): bool { return translating; }
export function version(): u32 { return versionValue; }
export function capabilities(): u64 { return capability; }
export function extendedCapabilities(): u64 { return extended; }
export function tableLevels(): i32 { return levels; }
export function base(): u64 { return registerBase; }

function read32(offset: u64): u32 { return cpu.load32(registers + offset); }
function read64(offset: u64): u64 { return cpu.load64(registers + offset); }
function write32(offset: u64, value: u32): void { cpu.store32(registers + offset, value); }
function write64(offset: u64, value: u64): void { cpu.store64(registers + offset, value); }

function refuse(why: string, result: Errno): Errno {
  log.begin(log.Level.Warn);
  line.text("iommu: unit at ");
  line.hex(registerBase);
  line.text(" refused: ");
  line.text(why);
  line.text("; DMA remapping left off");
  log.end();
  registers = 0;                          // nothing more is asked of it
  return result;
}

/** Waits until the status bits `mask` read as `want`; false after WAIT_NS. */
function waitStatus(mask: u32, want: u32): bool {
  const start = clock.nanoseconds();
  while ((read32(encoding.REG_GLOBAL_STATUS) & mask) != want) {
    if (clock.nanoseconds() - start > WAIT_NS) return false;
    cpu.pause();
  }
  return true;
}

/** Issues one global command (set or clear `bit`) and waits for its status. */
function command(bit: u32, on: bool): bool {
  write32(encoding.REG_GLOBAL_COMMAND, encoding.globalCommand(read32(encoding.REG_GLOBAL_STATUS), bit, on));
  return waitStatus(bit, on ? bit : 0);
}

/** Waits until `bit` of the 64-bit register at `offset` reads 0 (a command done). */
function waitClear64(offset: u64, bit: u64): bool {
  const start = clock.nanoseconds();
  while ((read64(offset) & bit) != 0) {
    if (clock.nanoseconds() - start > WAIT_NS) return false;
    cpu.pause();
  }
  return true;
}

/** Where the unit requires it (CAP.RWBF), drains its write buffers so updated
 *  tables are seen (§6.8): WBF is one-shot, WBFS reads 1 until the flush is done. */
function flushWriteBuffer(): bool {
  if ((capability & encoding.CAP_WRITE_BUFFER_FLUSH) == 0) return true;
  write32(encoding.REG_GLOBAL_COMMAND, encoding.globalCommand(read32(encoding.REG_GLOBAL_STATUS), encoding.GLOBAL_WRITE_BUFFER_FLUSH, true));
  return waitStatus(encoding.GLOBAL_WRITE_BUFFER_FLUSH, 0);
}

function invalidateContextsGlobally(): bool {
  write64(encoding.REG_CONTEXT_COMMAND, encoding.CONTEXT_INVALIDATE | encoding.CONTEXT_GLOBAL);
  if (!waitClear64(encoding.REG_CONTEXT_COMMAND, encoding.CONTEXT_INVALIDATE)) return false;
  return encoding.contextActualGranularity(read64(encoding.REG_CONTEXT_COMMAND)) != 0;
}

function invalidateIotlb(value: u64): bool {
  const at = encoding.iotlbOffset(extended);
  write64(at, value);
  if (!waitClear64(at, encoding.IOTLB_INVALIDATE)) return false;
  return encoding.iotlbActualGranularity(read64(at)) != 0;
}

/** Frees what a failed bring-up built: every device's tables, the context tables, the root. */
function releaseTables(): void {
  memory.fill(placements, <u8>Placement.Outside, registry.MAX_DEVICES);
  for (let i = 0; i < registry.MAX_DEVICES; i++) {
    const root = load<u64>(pageTables + <usize>i * 8);
    if (root != 0) pagetable.release(root, levels);
    store<u64>(pageTables + <usize>i * 8, 0);
  }
  if (rootTable == 0) return;
  for (let bus: u64 = 0; bus < BUSES; bus++) {
    const entry = physical.read64(rootTable + bus * encoding.ROOT_ENTRY_BYTES);
    if ((entry & encoding.ENTRY_PRESENT) != 0) frames.free(encoding.entryAddress(entry));
  }
  frames.free(rootTable);
  rootTable = 0;
}

/** The context table for `bus`, made (and hooked into the root table) if need be; 0 when out of memory. */
function contextTable(bus: u64): u64 {
  const slot = rootTable + bus * encoding.ROOT_ENTRY_BYTES;
  const entry = physical.read64(slot);
  if ((entry & encoding.ENTRY_PRESENT) != 0) return encoding.entryAddress(entry);
  const table = pagetable.newTable();
  if (table == 0) return 0;
  physical.write64(slot + 8, 0);
  physical.write64(slot, encoding.rootEntry(table));
  pagetable.publish(slot, encoding.ROOT_ENTRY_BYTES);
  return table;
}

/** Gives every registry function behind the unit (a nonzero byte in `covered`)
 *  a context entry in its own, empty domain. Functions past the unit's domain
 *  ids get none (their DMA is blocked). */
function buildTables(covered: usize): Errno {
  rootTable = pagetable.newTable();
  if (rootTable == 0) return Errno.ResourceExhausted;
  const domains = encoding.domainCount(capability);
  for (let i = 0; i < registry.count(); i++) {
    if (load<u8>(covered + <usize>i) == 0) continue;
    store<u8>(placements + <usize>i, <u8>Placement.Blocked);
    const domain = <u32>i + 1;                  // 0 is reserved under caching mode: never used
    if (domain >= domains) {
      log.begin(log.Level.Warn);
      line.text("iommu: ");
      registry.appendAddress(i);
      line.text(" gets no domain (the unit has ");
      line.decimal(domains);
      line.text(" ids); its DMA stays blocked");
      log.end();
      continue;
    }
    const table = contextTable(<u64>registry.bus(i));
    const root = pagetable.newTable();
    if (table == 0 || root == 0) { if (root != 0) frames.free(root); return Errno.ResourceExhausted; }
    store<u64>(pageTables + <usize>i * 8, root);
    store<u32>(mappedPages + <usize>i * 4, 0);
    store<u8>(placements + <usize>i, <u8>Placement.Domain);
    const slot = table + <u64>((registry.slot(i) << 3) | registry.fn(i)) * encoding.CONTEXT_ENTRY_BYTES;
    // the high half first: the entry becomes present only with the low half
    physical.write64(slot + 8, encoding.contextHigh(<u16>domain, levels));
    physical.write64(slot, encoding.contextLow(root));
    pagetable.publish(slot, encoding.CONTEXT_ENTRY_BYTES);
  }
  return Errno.Ok;
}

/** Brings the unit whose registers are at physical `address` up, for the
 *  registry functions `covered` marks (one byte per index, nonzero: behind this
 *  unit), and turns translation on; every failure is logged (Warn) and leaves
 *  translation off. */
export function bringUp(address: u64, covered: usize): Errno {
  registerBase = address;
  translating = false;
  registers = 0;
  releaseTables();
  if (address == 0 || (address & (encoding.PAGE_BYTES - 1)) != 0) return refuse("its register base is not page-aligned", Errno.NotSupported);
  if (!physical.readable(address, encoding.REGISTER_BYTES)) return refuse("its registers lie outside the direct map", Errno.NotSupported);
  registers = physical.toVirtual(address);
  versionValue = read32(encoding.REG_VERSION);
  capability = read64(encoding.REG_CAPABILITY);
  extended = read64(encoding.REG_EXTENDED_CAPABILITY);
  if (versionValue == 0 || versionValue == ALL_ONES_32 || capability == 0 || capability == ALL_ONES_64 || extended == ALL_ONES_64) {
    return refuse("its registers read as absent (all zeros or all ones)", Errno.NotFound);
  }
  levels = encoding.levelsFor(capability);
  if (levels == 0) return refuse("it offers neither 3-level (39-bit) nor 4-level (48-bit) tables", Errno.NotSupported);
  if (encoding.faultRecordOffset(capability) + <u64>encoding.faultRecordCount(capability) * encoding.FAULT_RECORD_BYTES > encoding.REGISTER_BYTES
    || encoding.iotlbOffset(extended) + 8 > encoding.REGISTER_BYTES) {
    return refuse("its IOTLB or fault recording registers lie past its register page", Errno.NotSupported);
  }
  pagetable.setCoherent((extended & encoding.ECAP_COHERENT) != 0);
  drain = ((capability & encoding.CAP_READ_DRAINING) != 0 ? encoding.IOTLB_DRAIN_READS : 0)
    | ((capability & encoding.CAP_WRITE_DRAINING) != 0 ? encoding.IOTLB_DRAIN_WRITES : 0);

  // What firmware may have left on: translation (we rebuild it), queued invalidation
  // (register-based invalidation is not allowed while it is on).
  const status = read32(encoding.REG_GLOBAL_STATUS);
  if (status == ALL_ONES_32) return refuse("its status register reads all ones", Errno.DeviceError);
  if ((status & encoding.GLOBAL_TRANSLATION) != 0 && !command(encoding.GLOBAL_TRANSLATION, false)) {
    return refuse("translation left on by firmware would not turn off", Errno.Timeout);
  }
  if ((status & encoding.GLOBAL_QUEUED_INVALIDATION) != 0 && !command(encoding.GLOBAL_QUEUED_INVALIDATION, false)) {
    return refuse("queued invalidation left on by firmware would not turn off", Errno.Timeout);
  }

  const built = buildTables(covered);
  if (built != Errno.Ok) { releaseTables(); return refuse("out of memory for its tables", built); }
  if (!flushWriteBuffer()) { releaseTables(); return refuse("its write-buffer flush did not finish", Errno.Timeout); }
  write64(encoding.REG_ROOT_TABLE_ADDRESS, rootTable);   // TTM 11:10 = 0: legacy mode
  if (!command(encoding.GLOBAL_SET_ROOT_POINTER, true)) {
    releaseTables();
    return refuse("it did not take the root table pointer (GSTS.RTPS)", Errno.Timeout);
  }
  if (!invalidateContextsGlobally()) { releaseTables(); return refuse("global context-cache invalidation did not complete", Errno.Timeout); }
  if (!invalidateIotlb(encoding.IOTLB_INVALIDATE | encoding.IOTLB_GLOBAL | drain)) {
    releaseTables();
    return refuse("global IOTLB invalidation did not complete", Errno.Timeout);
  }
  write32(encoding.REG_FAULT_EVENT_CONTROL, encoding.FAULT_EVENT_MASKED);   // faults are polled
  pollFaults();                                          // anything stale from before us
  if (!command(encoding.GLOBAL_TRANSLATION, true)) {
    write32(encoding.REG_GLOBAL_COMMAND, encoding.globalCommand(read32(encoding.REG_GLOBAL_STATUS), encoding.GLOBAL_TRANSLATION, false));
    releaseTables();
    return refuse("translation did not turn on (GSTS.TES)", Errno.Timeout);
  }
  translating = true;
  return Errno.Ok;
}

/** The device address width domains cover: the table depth's, capped by MGAW. */
export function addressWidth(): u32 {
  const tables = encoding.addressWidthOf(levels);
  const maximum = encoding.maximumGuestWidth(capability);
  return tables < maximum ? tables : maximum;
}

/** True when the unit translates registry device `index`'s DMA (it has a
 *  domain, or it is blocked for want of one); false for devices not behind it. */
export function translates(index: i32): bool {
  return translating && index >= 0 && index < registry.MAX_DEVICES && load<u8>(placements + <usize>index) != <u8>Placement.Outside;
}

/** True when registry device `index` has a domain of its own. */
export function hasDomain(index: i32): bool {
  return translating && index >= 0 && index < registry.MAX_DEVICES && load<u8>(placements + <usize>index) == <u8>Placement.Domain;
}

/** Registry functions behind the unit, and those of them with a domain. */
export function devicesBehind(): i32 {
  let n = 0;
  for (let i = 0; i < registry.MAX_DEVICES; i++) if (load<u8>(placements + <usize>i) != <u8>Placement.Outside) n++;
  return n;
}

/** Pages currently present in device `index`'s domain. */
export function pagesMapped(index: i32): u32 { return hasDomain(index) ? load<u32>(mappedPages + <usize>index * 4) : 0; }

function addMapped(index: i32, delta: i64): void {
  const at = mappedPages + <usize>index * 4;
  store<u32>(at, <u32>(<i64>load<u32>(at) + delta));
}

/** Lets device `index` reach [target, target + bytes) at device address `address`. */
export function map(index: i32, address: u64, target: u64, bytes: u64, writable: bool): Errno {
  if (!hasDomain(index)) return Errno.NotSupported;
  const width = addressWidth();
  if (bytes > (<u64>1 << width) || address > (<u64>1 << width) - bytes) return Errno.InvalidArgument;
  locks.ticketAcquire(lock);
  const root = load<u64>(pageTables + <usize>index * 8);
  const added = pagetable.map(root, levels, address, target, bytes, writable);
  let result = Errno.Ok;
  if (added < 0) result = <Errno>(<i32>-added);
  else {
    addMapped(index, added);
    // Entries went from not present to present: only a unit that caches
    // not-present entries (CAP.CM) needs to hear of it (§6.1).
    if (!flushWriteBuffer()) result = Errno.Timeout;
    else if ((capability & encoding.CAP_CACHING_MODE) != 0 && added > 0 && !invalidateIotlb(encoding.iotlbDomainCommand(<u16>(index + 1), drain))) result = Errno.Timeout;
  }
  locks.ticketRelease(lock);
  return result;
}

/** Takes [address, address + bytes) back from device `index` and, when pages
 *  went away, invalidates the domain's IOTLB entries so no cached translation
 *  outlives them. */
export function unmap(index: i32, address: u64, bytes: u64): Errno {
  if (!hasDomain(index)) return Errno.NotSupported;
  locks.ticketAcquire(lock);
  const removed = pagetable.unmap(load<u64>(pageTables + <usize>index * 8), levels, address, bytes);
  addMapped(index, -removed);
  let result = Errno.Ok;
  if (removed > 0 && (!flushWriteBuffer() || !invalidateIotlb(encoding.iotlbDomainCommand(<u16>(index + 1), drain)))) result = Errno.Timeout;
  locks.ticketRelease(lock);
  if (result != Errno.Ok) {
    log.begin(log.Level.Warn);
    line.text("iommu: ");
    registry.appendAddress(index);
    line.text(": IOTLB invalidation after an unmap did not complete; stale translations may remain");
    log.end();
  }
  pollFaults();
  return result;
}

/** The leaf entry translating device `index`'s `address` (0: none). */
export function leafFor(index: i32, address: u64): u64 {
  return hasDomain(index) ? pagetable.leaf(load<u64>(pageTables + <usize>index * 8), levels, address) : 0;
}

function reasonName(reason: u8): string {
  switch (reason) {
    case 1: return "root entry not present";
    case 2: return "context entry not present";
    case 3: return "invalid context entry";
    case 4: return "address beyond the guest address width";
    case 5: return "write to a page not writable (or not mapped)";
    case 6: return "read of a page not readable (or not mapped)";
    default: return "see the VT-d fault reason table";
  }
}

/** Reads and clears the primary fault records (§7.2.1): from FSTS.FRI on, each
 *  record with F set is noted, logged (the first 16) and cleared by writing F
 *  back; then an overflow flag is cleared. The number of new faults. */
export function pollFaults(): u32 {
  if (registers == 0 || capability == 0) return 0;
  locks.ticketAcquire(lock);
  const found = drainFaultRecords();
  locks.ticketRelease(lock);
  return found;
}

function drainFaultRecords(): u32 {
  const status = read32(encoding.REG_FAULT_STATUS);
  if (status == ALL_ONES_32) return 0;
  let found: u32 = 0;
  if ((status & encoding.FAULT_PENDING) != 0) {
    const count = encoding.faultRecordCount(capability);
    const first = encoding.faultRecordOffset(capability);
    let index = encoding.firstFaultIndex(status) % count;
    for (let seen: u32 = 0; seen < count; seen++) {
      const at = first + <u64>index * encoding.FAULT_RECORD_BYTES;
      const high = read64(at + 8);
      if ((high & encoding.RECORD_FAULT) == 0) break;
      const low = read64(at);
      write64(at + 8, encoding.RECORD_FAULT);            // write 1 to clear F
      lastSource = encoding.faultSource(high);
      lastAddress = encoding.faultAddress(low);
      lastReason = encoding.faultReason(high);
      lastRead = encoding.faultIsRead(high);
      faults++;
      found++;
      if (faults <= MAX_FAULT_LOGS) {
        log.begin(log.Level.Warn);
        line.text("iommu: blocked DMA ");
        line.text(lastRead ? "read" : "write");
        line.text(" by ");
        line.padded(<u64>(lastSource >> 8), 2, 0x30);
        line.text(":");
        line.padded(<u64>((lastSource >> 3) & 0x1f), 2, 0x30);
        line.text(".");
        line.decimal(<u64>(lastSource & 7));
        line.text(" at ");
        line.hex(lastAddress);
        line.text(": reason ");
        line.decimal(lastReason);
        line.text(" (");
        line.text(reasonName(lastReason));
        line.text(")");
        if (faults == MAX_FAULT_LOGS) line.text("; further faults are counted, not logged");
        log.end();
      }
      index = (index + 1) % count;
    }
  }
  if ((status & encoding.FAULT_OVERFLOW) != 0) write32(encoding.REG_FAULT_STATUS, encoding.FAULT_OVERFLOW);
  return found;
}

export function faultCount(): u32 { return faults; }
export function lastFaultSource(): u16 { return lastSource; }
export function lastFaultAddress(): u64 { return lastAddress; }
export function lastFaultReason(): u8 { return lastReason; }
export function lastFaultWasRead(): bool { return lastRead; }
