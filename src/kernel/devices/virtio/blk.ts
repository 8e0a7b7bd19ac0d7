// blk.ts — the virtio block device (virtio spec 1.2 §5.2): read, write and flush
// of 512-byte sectors, each request a chain of header, data and status; up to
// one request per three descriptors in flight at once. Polled; the block layer
// and interrupts come with the rest of issue 6.
//   request header: type u32 (0 read, 1 write, 4 flush) | reserved u32 | sector u64
import { Errno } from "../../../abi";
import { cpu } from "../../../hal";
import { frames } from "../../memory";
import { DIRECT_MAP_BASE } from "../../memory/layout";
import * as line from "../../line";
import * as log from "../../log";
import * as dma from "../dma";
import * as registry from "../registry";
import * as transport from "./transport";
import * as virtqueue from "./virtqueue";

const DEVICE_BLK_TRANSITIONAL: u16 = 0x1001;
const DEVICE_BLK_MODERN: u16 = 0x1042;
const DRIVER_ID: i32 = 2;
const FEATURE_RO: u32 = 1 << 5;         // the device refuses writes
const FEATURE_FLUSH: u32 = 1 << 9;
const TYPE_READ: u32 = 0;
const TYPE_WRITE: u32 = 1;
const TYPE_FLUSH: u32 = 4;
const STATUS_OK: u8 = 0;
export const SECTOR: u64 = 512;
const HEADER_BYTES: u32 = 16;
const MAX_IN_FLIGHT: u16 = 8;
const DESCRIPTORS_PER_REQUEST: u16 = 3;  // header, data, status
const REQUEST_SECTORS: u64 = 128;        // 64 KiB of data per request
const CONFIG_CAPACITY: u64 = 0;

const device = changetype<transport.Device>(memory.data(offsetof<transport.Device>()));
const queue = changetype<virtqueue.Queue>(memory.data(offsetof<virtqueue.Queue>()));
let requests: u64 = 0;          // one frame: 8 headers of 16 bytes, then 8 status bytes
let requestsBus: u64 = 0;       // the same frame as the device addresses it (dma.map)
let capacitySectors: u64 = 0;
let canFlush = false;
let readOnly = false;
let present = false;

export function available(): bool { return present; }
export function capacity(): u64 { return capacitySectors; }
export function isReadOnly(): bool { return readOnly; }

export function init(): Errno {
  const index = transport.locate(DEVICE_BLK_MODERN, DEVICE_BLK_TRANSITIONAL);
  if (index < 0) return Errno.NotFound;
  if (!registry.claim(index, DRIVER_ID)) return Errno.NotReady;
  if (transport.find(index, device) != Errno.Ok || device.deviceConfig == 0) {
    return refuse(index, "no virtio 1.x structures (or no device configuration) in its BARs", Errno.NotSupported);
  }
  const begun = transport.begin(device, FEATURE_FLUSH | FEATURE_RO);
  if (begun != Errno.Ok) return refuse(index, "the device did not reset or accept VERSION_1", begun);
  const created = virtqueue.create(device, 0, queue);
  if (created != Errno.Ok) return refuse(index, "its request queue is missing or of size 0", created);
  requests = frames.alloc(0, frames.Owner.Kernel);
  if (requests == 0) return Errno.ResourceExhausted;
  requestsBus = dma.map(index, requests, frames.FRAME_SIZE, true);   // the device writes the status bytes
  if (requestsBus == dma.MAP_FAILED) return refuse(index, "its request frame could not be mapped for DMA", Errno.ResourceExhausted);
  capacitySectors = cpu.load64(device.deviceConfig + CONFIG_CAPACITY);
  canFlush = (device.features & FEATURE_FLUSH) != 0;
  readOnly = (device.features & FEATURE_RO) != 0;
  transport.ready(device);
  present = true;
  log.begin(log.Level.Info);
  line.text("virtio-blk: ");
  registry.appendAddress(index);
  line.text(" ready, ");
  line.decimal(capacitySectors * SECTOR >> 20);
  line.text(" MiB, queue of ");
  line.decimal(queue.size);
  if (readOnly) line.text(", read-only");
  log.end();
  return Errno.Ok;
}

function refuse(index: i32, why: string, result: Errno): Errno { return transport.refuse("virtio-blk", index, why, result); }

/** Fills request `slot`'s header and sets its status byte to a value the device
 *  never writes, so an untouched status reads as a failure. */
function writeHeader(slot: u16, type: u32, sector: u64): void {
  const h = DIRECT_MAP_BASE + header(slot);
  cpu.store32(h, type);
  cpu.store32(h + 4, 0);
  cpu.store64(h + 8, sector);
  cpu.store8(DIRECT_MAP_BASE + statusByte(slot), 0xff);
}

/** Where request `slot`'s header and status byte are: physical by default, or
 *  as the device sees them with `base` = requestsBus. */
function header(slot: u16, base: u64 = requests): u64 { return base + <u64>slot * HEADER_BYTES; }
function statusByte(slot: u16, base: u64 = requests): u64 { return base + <u64>MAX_IN_FLIGHT * HEADER_BYTES + <u64>slot; }

/** Whether transfer() maps its data buffer for the device: always, except in the
 *  IOMMU self-test, which needs a DMA the IOMMU must block. */
const enum DataMapping { Map, Skip }

/** Moves `count` sectors from `sector` between the disk and physical `buffer`
 *  (contiguous), in requests of up to REQUEST_SECTORS, several in flight. The
 *  buffer is mapped for the device for the length of the call. */
function transfer(type: u32, sector: u64, buffer: u64, count: u64, mapping: DataMapping = DataMapping.Map): Errno {
  if (!present) return Errno.NotReady;
  if (count == 0 || sector > capacitySectors || count > capacitySectors - sector) return Errno.InvalidArgument;
  const bytes = count * SECTOR;
  // a read from disk is a DMA write into the buffer
  const bus = mapping == DataMapping.Map ? dma.map(device.pciIndex, buffer, bytes, type == TYPE_READ) : buffer;
  if (bus == dma.MAP_FAILED) return Errno.ResourceExhausted;
  const result = postAll(type, sector, bus, count);
  if (mapping == DataMapping.Map) dma.unmap(device.pciIndex, bus, bytes);
  return result;
}

/** Posts the requests of one transfer whose data is at bus address `bus`, and waits for them. */
function postAll(type: u32, sector: u64, bus: u64, count: u64): Errno {
  const groups = queue.size / DESCRIPTORS_PER_REQUEST;
  const inFlightLimit = groups < MAX_IN_FLIGHT ? groups : MAX_IN_FLIGHT;
  const dataFlags = type == TYPE_READ ? virtqueue.DESC_WRITE : 0;
  let done: u64 = 0;
  while (done < count) {
    let posted: u16 = 0;
    while (posted < inFlightLimit && done < count) {
      const sectors = count - done < REQUEST_SECTORS ? count - done : REQUEST_SECTORS;
      const first = posted * DESCRIPTORS_PER_REQUEST;
      writeHeader(posted, type, sector + done);
      virtqueue.describe(queue, first, header(posted, requestsBus), HEADER_BYTES, virtqueue.DESC_NEXT, first + 1);
      virtqueue.describe(queue, first + 1, bus + done * SECTOR, <u32>(sectors * SECTOR), dataFlags | virtqueue.DESC_NEXT, first + 2);
      virtqueue.describe(queue, first + 2, statusByte(posted, requestsBus), 1, virtqueue.DESC_WRITE, 0);
      virtqueue.offer(queue, first);
      done += sectors;
      posted++;
    }
    virtqueue.notify(queue);             // one doorbell for the whole group
    for (let i: u16 = 0; i < posted; i++) if (virtqueue.waitUsed(queue) < 0) return Errno.Timeout;
    for (let i: u16 = 0; i < posted; i++) if (cpu.load8(DIRECT_MAP_BASE + statusByte(i)) != STATUS_OK) return Errno.DeviceError;
  }
  return Errno.Ok;
}

export function read(sector: u64, buffer: u64, count: u64): Errno { return transfer(TYPE_READ, sector, buffer, count); }

/** Self-test only (selftest/iommu.ts): a one-sector read into `buffer` WITHOUT
 *  mapping it for the device, as a buggy driver would. With an IOMMU on, the
 *  DMA must be blocked (a fault, the request failed or timed out, the buffer
 *  untouched); the device may need a reset afterwards. */
export function readUnmappedForTest(sector: u64, buffer: u64): Errno {
  return transfer(TYPE_READ, sector, buffer, 1, DataMapping.Skip);
}
/** Errno.PermissionDenied on a read-only device, before anything is posted. */
export function write(sector: u64, buffer: u64, count: u64): Errno {
  if (present && readOnly) return Errno.PermissionDenied;
  return transfer(TYPE_WRITE, sector, buffer, count);
}

/** Makes every completed write durable (VIRTIO_BLK_T_FLUSH). */
export function flush(): Errno {
  if (!present || !canFlush) return Errno.NotSupported;
  writeHeader(0, TYPE_FLUSH, 0);
  // a flush carries no data: header and status only
  virtqueue.describe(queue, 0, header(0, requestsBus), HEADER_BYTES, virtqueue.DESC_NEXT, 1);
  virtqueue.describe(queue, 1, statusByte(0, requestsBus), 1, virtqueue.DESC_WRITE, 0);
  virtqueue.offer(queue, 0);
  virtqueue.notify(queue);
  if (virtqueue.waitUsed(queue) < 0) return Errno.Timeout;
  return cpu.load8(DIRECT_MAP_BASE + statusByte(0)) == STATUS_OK ? Errno.Ok : Errno.DeviceError;
}
