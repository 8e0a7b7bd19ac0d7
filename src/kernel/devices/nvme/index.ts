// nvme — the NVMe driver (NVMe base spec 2.0, NVM command set spec 1.0): the
// first controller of class 01h/08h/02h, namespace 1, one I/O queue pair. Reads,
// writes and flushes whole logical blocks to and from physically contiguous
// buffers, each block-layer request (src/kernel/block) one command of at most
// MDTS (and COMMAND_BYTES), up to MAX_IN_FLIGHT in flight, its command identifier
// the slot it occupies. The I/O completion queue interrupts through MSI-X entry 1
// where the controller has one (the admin queue's entry 0 stays masked: admin
// commands are polled at init); completions are reaped and handed to the block
// layer from the interrupt, or from the block layer's polling without MSI-X.
//   driver memory, one block: admin SQ | admin CQ | I/O SQ | I/O CQ | identify
//   data (a page each) | PRP lists (LIST_ENTRIES per command slot, none crossing a page)
import { Errno } from "../../../abi";
import { cpu, pci } from "../../../hal";
import { frames } from "../../memory";
import { DIRECT_MAP_BASE } from "../../memory/layout";
import * as physical from "../../physical";
import * as line from "../../line";
import * as log from "../../log";
import * as block from "../../block";
import * as vectors from "../../interrupts/vectors";
import * as apic from "../../platform/apic";
import * as msi from "../msi";
import * as dma from "../dma";
import * as registry from "../registry";
import * as controller from "./controller";
import * as format from "./format";
import * as identify from "./identify";
import * as queue from "./queue";
export { controller, format, identify, queue };

const CLASS_STORAGE: u8 = 0x01;
const SUBCLASS_NVM: u8 = 0x08;
const INTERFACE_NVME: u8 = 0x02;
const DRIVER_ID: i32 = 3;
const PCI_COMMAND: u32 = 0x04;
const COMMAND_MEMORY: u32 = 1 << 1;
const COMMAND_BUS_MASTER: u32 = 1 << 2;
const COMMAND_INTX_DISABLE: u32 = 1 << 10;   // polled: the admin queue's pin interrupt stays quiet
const PAGE: u64 = 4096;                       // CC.MPS 0
const PAGE_ADMIN_SQ: u64 = 0;
const PAGE_ADMIN_CQ: u64 = 1;
const PAGE_IO_SQ: u64 = 2;
const PAGE_IO_CQ: u64 = 3;
const PAGE_IDENTIFY: u64 = 4;
const PAGE_PRP_LISTS: u64 = 5;
const ADMIN_ENTRIES: u16 = 16;
const IO_ENTRIES: u16 = 64;                   // 64 × 64 bytes: the submission queue fills its page
const IO_QUEUE_ID: u16 = 1;
const NAMESPACE: u32 = 1;
const MAX_IN_FLIGHT: u16 = 16;
const COMMAND_BYTES: u64 = 512 << 10;          // per command, before MDTS lowers it: big commands are cheaper
const LIST_ENTRIES: u64 = COMMAND_BYTES / PAGE;   // PRP1 holds the first page, the list the rest
const MEMORY_BYTES: u64 = PAGE_PRP_LISTS * PAGE + <u64>MAX_IN_FLIGHT * LIST_ENTRIES * 8;
const IO_MSIX_ENTRY: u32 = 1;
const NO_REQUEST: i32 = -1;

// NVM command set opcodes (NVM command set spec 1.0 §3)
const NVM_FLUSH: u8 = 0x00;
const NVM_WRITE: u8 = 0x01;
const NVM_READ: u8 = 0x02;
const MIN_BLOCK_SHIFT: u32 = 9;
const MAX_BLOCK_SHIFT: u32 = 12;    // a block never spans two pages

const admin = changetype<queue.Queue>(memory.data(offsetof<queue.Queue>()));
const io = changetype<queue.Queue>(memory.data(offsetof<queue.Queue>()));
const command = changetype<queue.Command>(memory.data(offsetof<queue.Command>()));
const adminResults = memory.data(<i32>queue.MAX_COMMANDS * 2);
const ioResults = memory.data(<i32>queue.MAX_COMMANDS * 2);
const modelText = memory.data(identify.MODEL_BYTES);
const serialText = memory.data(identify.SERIAL_BYTES);
let modelLength: i32 = 0;
let serialLength: i32 = 0;
let registers: u64 = 0;             // virtual address of BAR0
let driverPages: u64 = 0;           // the driver's memory block (physical)
let timeoutNs: u64 = 0;
let pciIndex: i32 = -1;
let blocks: u64 = 0;
let blockBytes: u64 = 0;
let commandBytes: u64 = 0;
let inFlightLimit: u16 = 0;
let present = false;
let vector: u32 = 0;
let interruptCount: u32 = 0;
let disk: i32 = -1;
const slotRequests = memory.data(<i32>MAX_IN_FLIGHT * 4);   // the block request each command id carries

export function available(): bool { return present; }
/** Namespace 1's size in logical blocks (sectors). */
export function capacity(): u64 { return blocks; }
export function sectorSize(): u64 { return blockBytes; }
/** The largest transfer one command carries, in bytes. */
export function maxCommandBytes(): u64 { return commandBytes; }
export function appendModel(): void { line.bytes(modelText, modelLength); }
export function appendSerial(): void { line.bytes(serialText, serialLength); }
/** The block layer's disk for namespace 1 ("nvme0n1"), or -1. */
export function diskIndex(): i32 { return disk; }
/** Interrupts the I/O completion queue has raised. */
export function interrupts(): u32 { return interruptCount; }

function locate(): i32 {
  for (let i = registry.find(0xffff, 0xffff, CLASS_STORAGE, SUBCLASS_NVM); i >= 0;
       i = registry.find(0xffff, 0xffff, CLASS_STORAGE, SUBCLASS_NVM, i + 1)) {
    if (registry.interfaceCode(i) == INTERFACE_NVME && registry.owner(i) < 0) return i;
  }
  return -1;
}

/** Logs why the controller is not used, stops it and returns its memory (only
 *  once it has let go of it); returns `result`. */
function refuse(why: string, result: Errno): Errno {
  registry.refuse("nvme", pciIndex, why, result);
  present = false;
  if (registers != 0 && controller.disable(registers, timeoutNs) == Errno.Ok && driverPages != 0) {
    frames.free(driverPages);
    driverPages = 0;
  }
  return result;
}

export function init(): Errno {
  pciIndex = locate();
  if (pciIndex < 0) return Errno.NotFound;
  if (!registry.claim(pciIndex, DRIVER_ID)) return Errno.NotReady;
  registers = 0;
  driverPages = 0;
  timeoutNs = 0;
  if (registry.barSize(pciIndex, 0) == 0 || registry.barIsIo(pciIndex, 0)) return refuse("no memory BAR0", Errno.NotSupported);
  const bar = registry.barAddress(pciIndex, 0);
  const barBytes = registry.barSize(pciIndex, 0);
  if (bar == 0 || !physical.readable(bar, barBytes)) return refuse("BAR0 is unassigned or outside the direct map", Errno.NotSupported);
  const b = registry.bus(pciIndex), s = registry.slot(pciIndex), f = registry.fn(pciIndex);
  const pciCommand = pci.read32(b, s, f, PCI_COMMAND);
  pci.write32(b, s, f, PCI_COMMAND, (pciCommand | COMMAND_MEMORY | COMMAND_BUS_MASTER | COMMAND_INTX_DISABLE) & 0xffff);

  const base = DIRECT_MAP_BASE + bar;
  const cap = controller.capabilities(base);
  if (cap == 0xffffffffffffffff) return refuse("BAR0 reads all ones", Errno.DeviceError);
  timeoutNs = format.readyTimeoutNs(cap);
  const stride = format.doorbellStride(cap);
  if (!format.supportsNvmCommands(cap)) return refuse("no NVM command set (CAP.CSS)", Errno.NotSupported);
  if (format.minimumPageBytes(cap) > PAGE) return refuse("4 KiB pages are below CAP.MPSMIN", Errno.NotSupported);
  if (controller.DOORBELLS + 4 * stride > barBytes) return refuse("BAR0 too small for two queues' doorbells", Errno.NotSupported);
  registers = base;
  if (controller.disable(registers, timeoutNs) != Errno.Ok) return refuse("did not reset (CSTS.RDY stayed set)", Errno.Timeout);

  driverPages = frames.alloc(<u32>frames.orderFor(MEMORY_BYTES), frames.Owner.Kernel);
  if (driverPages == 0) return refuse("no memory for its queues", Errno.ResourceExhausted);
  // queues, identify data and PRP lists: the controller reads and writes them all
  if (dma.map(pciIndex, driverPages, MEMORY_BYTES, true) == dma.MAP_FAILED) return refuse("its queues could not be mapped for DMA", Errno.ResourceExhausted);
  const doorbells = registers + controller.DOORBELLS;
  queue.setup(admin, 0, ADMIN_ENTRIES, driverPages + PAGE_ADMIN_SQ * PAGE, driverPages + PAGE_ADMIN_CQ * PAGE, doorbells, stride, adminResults);
  const enabled = controller.enable(registers, admin, timeoutNs);
  if (enabled == Errno.Timeout) return refuse("never became ready (CSTS.RDY) within CAP.TO", enabled);
  if (enabled != Errno.Ok) return refuse("reported a fatal status (CSTS.CFS)", enabled);

  const page = driverPages + PAGE_IDENTIFY * PAGE;
  if (controller.identify(admin, controller.IDENTIFY_CONTROLLER, 0, page) != Errno.Ok) {
    return refuse("Identify Controller failed", Errno.DeviceError);
  }
  modelLength = identify.copyModel(page, modelText);
  serialLength = identify.copySerial(page, serialText);
  const mdts = <u64>identify.maxTransferShift(page);
  if (!identify.entrySizesFit(page)) return refuse("requires queue entries larger than 64/16 bytes", Errno.NotSupported);
  if (identify.namespaceCount(page) < NAMESPACE) return refuse("no namespace", Errno.NotFound);

  physical.zero(page, PAGE);
  if (controller.identify(admin, controller.IDENTIFY_NAMESPACE, NAMESPACE, page) != Errno.Ok) {
    return refuse("no namespace (Identify Namespace 1 failed)", Errno.NotFound);
  }
  const size = identify.namespaceBlocks(page);
  if (size == 0) return refuse("no namespace (namespace 1 is not attached)", Errno.NotFound);
  const descriptor = identify.formatInUse(page);
  if (descriptor < 0) return refuse("its LBA format index is past NLBAF", Errno.DeviceError);
  const shift = format.blockShift(<u32>descriptor);
  if (format.metadataBytes(<u32>descriptor) != 0) return refuse("namespace 1 carries metadata per block", Errno.NotSupported);
  if (shift < MIN_BLOCK_SHIFT || shift > MAX_BLOCK_SHIFT) return refuse("namespace 1's block size is not 512 B to 4 KiB", Errno.NotSupported);

  let entries = format.maxQueueEntries(cap);
  if (entries > <u32>IO_ENTRIES) entries = IO_ENTRIES;
  queue.setup(io, IO_QUEUE_ID, <u16>entries, driverPages + PAGE_IO_SQ * PAGE, driverPages + PAGE_IO_CQ * PAGE, doorbells, stride, ioResults);
  const entry = attachInterrupt();
  if (controller.createQueues(admin, io, entry) != Errno.Ok) return refuse("would not create an I/O queue pair", Errno.DeviceError);

  blocks = size;
  blockBytes = <u64>1 << shift;
  commandBytes = COMMAND_BYTES;
  if (mdts != 0 && mdts < 32 && (format.minimumPageBytes(cap) << mdts) < commandBytes) commandBytes = format.minimumPageBytes(cap) << mdts;
  inFlightLimit = <u16>(entries - 1) < MAX_IN_FLIGHT ? <u16>(entries - 1) : MAX_IN_FLIGHT;
  present = true;
  log.begin(log.Level.Info);
  line.text("nvme: ");
  registry.appendAddress(pciIndex);
  line.text(" ready, ");
  appendModel();
  line.text(", ");
  line.decimal(blocks * blockBytes >> 20);
  line.text(" MiB, ");
  line.decimal(blockBytes);
  line.text(" B sectors, queue of ");
  line.decimal(entries);
  line.text(vector != 0 ? ", MSI-X" : ", polled");
  log.end();
  for (let slot = 0; slot < <i32>MAX_IN_FLIGHT; slot++) store<i32>(slotRequests + <usize>slot * 4, NO_REQUEST);
  disk = block.queue.addDisk("nvme0n1", -1, <u32>blockBytes, blocks, start, poll, 0, inFlightLimit, <u32>(commandBytes / blockBytes),
    (vector != 0 ? block.queue.FLAG_INTERRUPTS : 0) | block.queue.FLAG_FLUSH, block.iosched.Policy.Fifo);
  if (disk >= 0) {
    block.queue.setDmaDevice(disk, pciIndex);
    block.announce(disk);
  }
  return Errno.Ok;
}

/** MSI-X entry 1 on a fresh vector for the I/O completion queue: the entry, or
 *  -1 (polled) when the controller has no such entry or no vector is free. */
function attachInterrupt(): i32 {
  if (msi.msixEntries(pciIndex) <= IO_MSIX_ENTRY) return -1;
  const v = vectors.allocate();
  if (v == 0) return -1;
  if (vectors.register(v, interrupt, 0) == Errno.Ok && msi.enableMsix(pciIndex, IO_MSIX_ENTRY, v, apic.bootCpuApicId()) == Errno.Ok) {
    vector = v;
    return <i32>IO_MSIX_ENTRY;
  }
  vectors.unregister(v, interrupt, 0);
  vectors.release(v);
  return -1;
}

/** PRP2 for `bytes` at physical `address` in command slot `slot`: none for one
 *  page, the second page for two, else a PRP list of every page after the first. */
function secondPointer(slot: u16, address: u64, bytes: u64): u64 {
  const pages = format.pagesSpanned(address, bytes, PAGE);
  const first = address & ~(PAGE - 1);
  if (pages <= 1) return 0;
  if (pages == 2) return first + PAGE;
  const list = driverPages + PAGE_PRP_LISTS * PAGE + <u64>slot * LIST_ENTRIES * 8;
  for (let page: u64 = 1; page < pages; page++) cpu.store64(DIRECT_MAP_BASE + list + (page - 1) * 8, first + page * PAGE);
  return list;
}

/** The block layer's start: request `r` as one command whose identifier is the
 *  free slot it takes. Interrupts are off (the block layer holds them so). */
function start(context: u32, r: i32): Errno {
  if (!present) return Errno.NotReady;
  let slot: u16 = 0;
  while (slot < inFlightLimit && load<i32>(slotRequests + <usize>slot * 4) != NO_REQUEST) slot++;
  if (slot == inFlightLimit) return Errno.ResourceExhausted;
  const op = block.queue.requestOp(r);
  const address = block.queue.requestBuffer(r);
  const bytes = <u64>block.queue.requestCount(r) * blockBytes;
  if (op != block.queue.Op.Flush && (address & 3) != 0) return Errno.InvalidArgument;   // PRP1 is dword-aligned
  command.opcode = op == block.queue.Op.Read ? NVM_READ : op == block.queue.Op.Write ? NVM_WRITE : NVM_FLUSH;
  command.cid = slot;
  command.namespace = NAMESPACE;
  command.prp1 = op == block.queue.Op.Flush ? 0 : address;
  command.prp2 = op == block.queue.Op.Flush ? 0 : secondPointer(slot, address, bytes);
  const lba = block.queue.requestSector(r);
  command.dword10 = op == block.queue.Op.Flush ? 0 : <u32>lba;                 // starting LBA, low and high
  command.dword11 = op == block.queue.Op.Flush ? 0 : <u32>(lba >> 32);
  command.dword12 = op == block.queue.Op.Flush ? 0 : <u32>(bytes / blockBytes - 1);    // NLB, 0's based
  if (!queue.submit(io, command)) return Errno.ResourceExhausted;
  store<i32>(slotRequests + <usize>slot * 4, r);
  queue.ring(io);
  return Errno.Ok;
}

/** Reaps the I/O completion queue and completes each finished request. */
function poll(context: u32): void {
  const flags = cpu.saveInterrupts();
  if (present && queue.reap(io) > 0) {
    for (let slot: u16 = 0; slot < inFlightLimit; slot++) {
      const r = load<i32>(slotRequests + <usize>slot * 4);
      if (r == NO_REQUEST || queue.pending(io, slot)) continue;
      store<i32>(slotRequests + <usize>slot * 4, NO_REQUEST);
      block.queue.complete(r, format.statusErrno(queue.status(io, slot)));
    }
  }
  cpu.restoreInterrupts(flags);
}

/** The I/O completion queue's MSI-X handler. */
function interrupt(v: u32, context: u32): void {
  interruptCount++;
  poll(0);
}
