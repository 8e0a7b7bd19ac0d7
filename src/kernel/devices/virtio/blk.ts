// blk.ts — the virtio block device (virtio spec 1.2 §5.2) under the block layer
// (src/kernel/block): each block request becomes a chain of header, data and
// status in one of up to MAX_SLOTS slots of three descriptors; the device's
// MSI-X interrupt (or the block layer's polling, without one) reaps the used
// ring and completes the requests, in whatever order the device finishes them.
//   request header: type u32 (0 read, 1 write, 4 flush) | reserved u32 | sector u64
import { Errno } from "../../../abi";
import { cpu } from "../../../hal";
import * as block from "../../block";
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
const STATUS_UNSUPPORTED: u8 = 2;
export const SECTOR: u64 = 512;
const HEADER_BYTES: u32 = 16;
const MAX_SLOTS: u16 = 32;
const DESCRIPTORS_PER_REQUEST: u16 = 3;  // header, data, status
const REQUEST_SECTORS: u32 = 128;        // 64 KiB of data per request
const CONFIG_CAPACITY: u64 = 0;
const NO_REQUEST: i32 = -1;

const device = changetype<transport.Device>(memory.data(offsetof<transport.Device>()));
const queue = changetype<virtqueue.Queue>(memory.data(offsetof<virtqueue.Queue>()));
const slotRequests = memory.data(MAX_SLOTS * 4);   // the block request each slot carries
let requests: u64 = 0;          // one frame: MAX_SLOTS headers of 16 bytes, then MAX_SLOTS status bytes
let slots: u16 = 0;
let disk: i32 = -1;
let present = false;

export function available(): bool { return present; }
/** The block layer's disk for this device ("vda"), or -1. */
export function diskIndex(): i32 { return disk; }
/** Interrupts the request queue has taken, and doorbells rung (for tests). */
export function interrupts(): u32 { return queue.interrupts; }
export function doorbells(): u32 { return queue.doorbells; }
/** The MSI-X vector of the request queue, or 0 when polled. */
export function vector(): u32 { return queue.vector; }

export function init(): Errno {
  const index = transport.locate(DEVICE_BLK_MODERN, DEVICE_BLK_TRANSITIONAL);
  if (index < 0) return Errno.NotFound;
  if (!registry.claim(index, DRIVER_ID)) return Errno.NotReady;
  if (transport.find(index, device) != Errno.Ok || device.deviceConfig == 0) {
    return refuse(index, "no virtio 1.x structures (or no device configuration) in its BARs", Errno.NotSupported);
  }
  const begun = transport.begin(device, FEATURE_FLUSH | FEATURE_RO);
  if (begun != Errno.Ok) return refuse(index, "the device did not reset or accept VERSION_1", begun);
  const created = virtqueue.create(device, 0, queue, interrupt);
  if (created != Errno.Ok) return refuse(index, "its request queue is missing or of size 0", created);
  requests = frames.alloc(0, frames.Owner.Kernel);
  if (requests == 0) return Errno.ResourceExhausted;
  // headers and status bytes (identity bus addresses, dma.ts): the device writes the status
  if (dma.map(index, requests, frames.FRAME_SIZE, true) == dma.MAP_FAILED) return refuse(index, "its request frame could not be mapped for DMA", Errno.ResourceExhausted);
  slots = queue.size / DESCRIPTORS_PER_REQUEST < MAX_SLOTS ? queue.size / DESCRIPTORS_PER_REQUEST : MAX_SLOTS;
  for (let s: u16 = 0; s < MAX_SLOTS; s++) store<i32>(slotRequests + <usize>s * 4, NO_REQUEST);
  const capacity = cpu.load64(device.deviceConfig + CONFIG_CAPACITY);
  const readOnly = (device.features & FEATURE_RO) != 0;
  transport.ready(device);
  present = true;
  log.begin(log.Level.Info);
  line.text("virtio-blk: ");
  registry.appendAddress(index);
  line.text(" ready, ");
  line.decimal(capacity * SECTOR >> 20);
  line.text(" MiB, queue of ");
  line.decimal(queue.size);
  line.text(queue.vector != 0 ? " on MSI-X vector " : ", polled");
  if (queue.vector != 0) line.decimal(queue.vector);
  if (queue.eventIndex) line.text(", event index");
  if (readOnly) line.text(", read-only");
  log.end();
  const flags = (queue.vector != 0 ? block.queue.FLAG_INTERRUPTS : 0) | (readOnly ? block.queue.FLAG_READ_ONLY : 0)
    | ((device.features & FEATURE_FLUSH) != 0 ? block.queue.FLAG_FLUSH : 0);
  disk = block.queue.addDisk("vda", -1, <u32>SECTOR, capacity, start, poll, 0, slots, REQUEST_SECTORS, flags, block.iosched.Policy.Deadline);
  if (disk >= 0) {
    block.queue.setDmaDevice(disk, index);
    block.announce(disk);
  }
  return Errno.Ok;
}

function refuse(index: i32, why: string, result: Errno): Errno { return transport.refuse("virtio-blk", index, why, result); }

function header(slot: u16): u64 { return requests + <u64>slot * HEADER_BYTES; }
function statusByte(slot: u16): u64 { return requests + <u64>MAX_SLOTS * HEADER_BYTES + <u64>slot; }

/** The block layer's start: puts request `r` in a free slot and rings the
 *  doorbell (unless the event index says the device is still looking).
 *  Interrupts are off (the block layer holds them so). */
function start(context: u32, r: i32): Errno {
  let slot: u16 = 0;
  while (slot < slots && load<i32>(slotRequests + <usize>slot * 4) != NO_REQUEST) slot++;
  if (slot == slots) return Errno.ResourceExhausted;
  const op = block.queue.requestOp(r);
  const type = op == block.queue.Op.Read ? TYPE_READ : op == block.queue.Op.Write ? TYPE_WRITE : TYPE_FLUSH;
  const h = DIRECT_MAP_BASE + header(slot);
  cpu.store32(h, type);
  cpu.store32(h + 4, 0);
  cpu.store64(h + 8, block.queue.requestSector(r));
  cpu.store8(DIRECT_MAP_BASE + statusByte(slot), 0xff);  // a value the device never writes
  const first = slot * DESCRIPTORS_PER_REQUEST;
  if (type == TYPE_FLUSH) {                              // header and status only
    virtqueue.describe(queue, first, header(slot), HEADER_BYTES, virtqueue.DESC_NEXT, first + 2);
  } else {
    virtqueue.describe(queue, first, header(slot), HEADER_BYTES, virtqueue.DESC_NEXT, first + 1);
    const bytes = <u32>(<u64>block.queue.requestCount(r) * SECTOR);
    virtqueue.describe(queue, first + 1, block.queue.requestBuffer(r), bytes, (type == TYPE_READ ? virtqueue.DESC_WRITE : 0) | virtqueue.DESC_NEXT, first + 2);
  }
  virtqueue.describe(queue, first + 2, statusByte(slot), 1, virtqueue.DESC_WRITE, 0);
  store<i32>(slotRequests + <usize>slot * 4, r);
  virtqueue.offer(queue, first);
  virtqueue.notify(queue);
  return Errno.Ok;
}

/** Completes every request the device has finished. */
function poll(context: u32): void {
  const flags = cpu.saveInterrupts();
  while (virtqueue.reap(queue)) {
    const slot = <u16>(queue.usedId / DESCRIPTORS_PER_REQUEST);
    if (slot >= slots) continue;                         // not a head we gave: ignore
    const r = load<i32>(slotRequests + <usize>slot * 4);
    if (r == NO_REQUEST) continue;
    store<i32>(slotRequests + <usize>slot * 4, NO_REQUEST);
    const status = cpu.load8(DIRECT_MAP_BASE + statusByte(slot));
    block.queue.complete(r, status == STATUS_OK ? Errno.Ok : status == STATUS_UNSUPPORTED ? Errno.NotSupported : Errno.DeviceError);
  }
  cpu.restoreInterrupts(flags);
}

/** The request queue's MSI-X handler. */
function interrupt(vector: u32, context: u32): void {
  queue.interrupts++;
  poll(0);
}
