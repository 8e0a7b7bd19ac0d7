// net.ts — the virtio network device (virtio spec 1.2 §5.1): queue 0 receives,
// queue 1 transmits, each frame behind a 12-byte virtio_net_hdr. Receive keeps
// RX_BUFFERS 2 KiB buffers posted (a whole frame and its header fit one, so no
// mergeable buffers are needed) and re-posts each as soon as its frame is copied
// out; transmit copies a frame into one of TX_BUFFERS buffers it owns and reclaims
// them as the device reports them sent. Checksum offload is negotiated both ways:
// the device fills a checksum the driver marks (NEEDS_CSUM) and says when one it
// received is already checked (DATA_VALID).
//   virtio_net_hdr: flags u8 | gso_type u8 | hdr_len u16 | gso_size u16
//                   | csum_start u16 | csum_offset u16 | num_buffers u16
//   device config:  mac [6]u8 | status u16 (bit 0: link up)
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
import { linearToVirtual } from "../../physical";

const DEVICE_NET_TRANSITIONAL: u16 = 0x1000;
const DEVICE_NET_MODERN: u16 = 0x1041;
const DRIVER_ID: i32 = 6;
const FEATURE_CSUM: u32 = 1 << 0;          // the device completes checksums we mark
const FEATURE_GUEST_CSUM: u32 = 1 << 1;    // the device tells us which it checked
const FEATURE_MAC: u32 = 1 << 5;           // the MAC is in the device configuration
const FEATURE_STATUS: u32 = 1 << 16;       // link state is in the device configuration
const CONFIG_MAC: u64 = 0;
const CONFIG_STATUS: u64 = 6;
const STATUS_LINK_UP: u16 = 1;
const HEADER_BYTES: u32 = 12;
const HEADER_FLAGS: u64 = 0;
const HEADER_GSO_TYPE: u64 = 1;
const HEADER_CSUM_START: u64 = 6;
const HEADER_CSUM_OFFSET: u64 = 8;
const HEADER_NUM_BUFFERS: u64 = 10;
const FLAG_NEEDS_CSUM: u8 = 1;
const FLAG_DATA_VALID: u8 = 2;
const GSO_NONE: u8 = 0;
const QUEUE_RECEIVE: u16 = 0;
const QUEUE_TRANSMIT: u16 = 1;
const BUFFER_BYTES: u64 = 2048;
const RX_BUFFERS: u16 = 64;
const TX_BUFFERS: u16 = 64;
export const MIN_FRAME: u32 = 14;           // an Ethernet header
export const MAX_FRAME: u32 = 1514;         // header and a 1500-byte payload, no FCS
/** No checksum for the device to fill (send's checksumStart). */
export const NO_CHECKSUM: u32 = 0xffff_ffff;

const device = changetype<transport.Device>(memory.data(offsetof<transport.Device>()));
const receiveQueue = changetype<virtqueue.Queue>(memory.data(offsetof<virtqueue.Queue>()));
const transmitQueue = changetype<virtqueue.Queue>(memory.data(offsetof<virtqueue.Queue>()));
const macAddress = memory.data(6);
const txBusy = memory.data(TX_BUFFERS);      // 1 while the device holds that buffer
let rxBuffers: u64 = 0;                       // physical; RX_BUFFERS × BUFFER_BYTES
let txBuffers: u64 = 0;
let rxCount: u16 = 0;
let txCount: u16 = 0;
let txNext: u16 = 0;
let txInFlight: u32 = 0;
let present = false;
let lastValid = false;
let framesSent: u64 = 0;
let framesReceived: u64 = 0;
let bytesSent: u64 = 0;
let bytesReceived: u64 = 0;
let dropped: u64 = 0;
let configChanges: u32 = 0;
let configVector: u32 = 0;

export function available(): bool { return present; }
/** Byte `i` (0..5) of the station address. */
export function mac(i: i32): u8 { return i >= 0 && i < 6 ? load<u8>(macAddress + <usize>i) : 0; }
/** The link state the device reports (up when it cannot report one). */
export function linkUp(): bool {
  if (!present) return false;
  if ((device.features & FEATURE_STATUS) == 0) return true;
  return (cpu.load16(device.deviceConfig + CONFIG_STATUS) & STATUS_LINK_UP) != 0;
}
/** Whether a receiver can sleep until a frame's interrupt (MSI-X), or must poll. */
export function interruptDriven(): bool { return present && receiveQueue.vector != 0; }
export function checksumOffload(): bool { return (device.features & FEATURE_CSUM) != 0; }
/** Whether the device said the last received frame's checksums were checked. */
export function lastChecksumValid(): bool { return lastValid; }
export function sent(): u64 { return framesSent; }
export function received(): u64 { return framesReceived; }
export function sentBytes(): u64 { return bytesSent; }
export function receivedBytes(): u64 { return bytesReceived; }
export function droppedFrames(): u64 { return dropped; }
/** Configuration-change interrupts taken (the link going up or down). */
export function configInterrupts(): u32 { return configChanges; }
export function interrupts(): u32 { return receiveQueue.interrupts + transmitQueue.interrupts; }
export function doorbells(): u32 { return receiveQueue.doorbells + transmitQueue.doorbells; }

function refuse(index: i32, why: string, result: Errno): Errno { return transport.refuse("virtio-net", index, why, result); }

/** Interrupt context: count only (the log's line buffer may be mid-line beneath
 *  us); linkUp() reads the state itself. */
function configChanged(vector: u32, context: u32): void { configChanges++; }

/** Offers receive buffer `slot` to the device (descriptor `slot` is its own). */
function postReceive(slot: u16): void {
  virtqueue.describe(receiveQueue, slot, rxBuffers + <u64>slot * BUFFER_BYTES, <u32>BUFFER_BYTES, virtqueue.DESC_WRITE, 0);
  virtqueue.offer(receiveQueue, slot);
}

/** Binds the first virtio-net device, if any; Errno.NotFound without one. */
export function init(): Errno {
  const index = transport.locate(DEVICE_NET_MODERN, DEVICE_NET_TRANSITIONAL);
  if (index < 0) return Errno.NotFound;
  if (!registry.claim(index, DRIVER_ID)) return Errno.NotReady;
  if (transport.find(index, device) != Errno.Ok || device.deviceConfig == 0) {
    return refuse(index, "no virtio 1.x structures (or no device configuration) in its BARs", Errno.NotSupported);
  }
  const begun = transport.begin(device, FEATURE_CSUM | FEATURE_GUEST_CSUM | FEATURE_MAC | FEATURE_STATUS);
  if (begun != Errno.Ok) return refuse(index, "the device did not reset or accept VERSION_1", begun);
  if ((device.features & FEATURE_MAC) == 0) return refuse(index, "it offers no MAC address", Errno.NotSupported);
  let created = virtqueue.create(device, QUEUE_RECEIVE, receiveQueue);
  if (created == Errno.Ok) created = virtqueue.create(device, QUEUE_TRANSMIT, transmitQueue);
  if (created != Errno.Ok) return refuse(index, "its receive or transmit queue is missing or of size 0", created);
  rxCount = receiveQueue.size < RX_BUFFERS ? receiveQueue.size : RX_BUFFERS;
  txCount = transmitQueue.size < TX_BUFFERS ? transmitQueue.size : TX_BUFFERS;
  const order = frames.orderFor(<u64>RX_BUFFERS * BUFFER_BYTES);
  rxBuffers = frames.alloc(<u32>order, frames.Owner.Kernel);
  txBuffers = frames.alloc(<u32>order, frames.Owner.Kernel);
  if (rxBuffers == 0 || txBuffers == 0) return refuse(index, "no memory for its buffers", Errno.ResourceExhausted);
  // identity bus addresses (dma.ts): the device fills receive buffers, reads transmit ones
  if (dma.map(index, rxBuffers, <u64>RX_BUFFERS * BUFFER_BYTES, true) == dma.MAP_FAILED
    || dma.map(index, txBuffers, <u64>TX_BUFFERS * BUFFER_BYTES, false) == dma.MAP_FAILED) {
    return refuse(index, "its buffers could not be mapped for DMA", Errno.ResourceExhausted);
  }
  memory.fill(txBusy, 0, TX_BUFFERS);
  for (let i = 0; i < 6; i++) store<u8>(macAddress + <usize>i, cpu.load8(device.deviceConfig + CONFIG_MAC + <u64>i));
  for (let slot: u16 = 0; slot < rxCount; slot++) postReceive(slot);
  configVector = transport.onConfigChange(device, configChanged, 0);
  transport.ready(device);
  virtqueue.notify(receiveQueue);
  present = true;
  log.begin(log.Level.Info);
  line.text("virtio-net: ");
  registry.appendAddress(index);
  line.text(" ready, mac ");
  for (let i = 0; i < 6; i++) {
    if (i > 0) line.text(":");
    line.hexDigits(mac(i), 2);
  }
  line.text(linkUp() ? ", link up" : ", link down");
  line.text(", ");
  line.decimal(rxCount);
  line.text(" receive buffers");
  line.text(receiveQueue.vector != 0 ? ", MSI-X" : ", polled");
  if (checksumOffload()) line.text(", checksum offload");
  log.end();
  return Errno.Ok;
}

/** Takes back every transmit buffer the device is done with. */
function reclaim(): void {
  while (virtqueue.reap(transmitQueue)) {
    const slot = transmitQueue.usedId;
    if (slot < <u32>txCount && load<u8>(txBusy + <usize>slot) != 0) {
      store<u8>(txBusy + <usize>slot, 0);
      txInFlight--;
    }
  }
}

/** Waits (asleep, on the transmit queue's interrupt where there is one) until
 *  the device has finished with a transmit buffer or `timeoutNs` passes; for a
 *  sender that found every buffer busy. */
export function waitTransmit(timeoutNs: u64): void {
  if (present) virtqueue.waitPending(transmitQueue, timeoutNs);
}

/** Transmit buffers the device still holds (after taking back what it is done with). */
export function transmitting(): u32 {
  if (!present) return 0;
  reclaim();
  return txInFlight;
}

/** Sends the `length`-byte Ethernet frame at kernel address `source` (no FCS).
 *  With checksumStart != NO_CHECKSUM and offload negotiated, the device puts the
 *  Internet checksum of bytes checksumStart.. at checksumStart + checksumOffset.
 *  InvalidArgument for a runt or oversized frame, ResourceExhausted when every
 *  transmit buffer is still with the device, NotSupported for an offload the
 *  device did not agree to. */
export function send(source: usize, length: u32, checksumStart: u32 = NO_CHECKSUM, checksumOffset: u32 = 0): Errno {
  if (!present) return Errno.NotReady;
  if (length < MIN_FRAME || length > MAX_FRAME) return Errno.InvalidArgument;
  const offload = checksumStart != NO_CHECKSUM;
  if (offload && !checksumOffload()) return Errno.NotSupported;
  if (offload && (checksumStart >= length || checksumStart + checksumOffset + 2 > length)) return Errno.InvalidArgument;
  reclaim();
  if (txInFlight == <u32>txCount) return Errno.ResourceExhausted;
  while (load<u8>(txBusy + <usize>txNext) != 0) txNext = (txNext + 1) % txCount;
  const slot = txNext;
  txNext = (txNext + 1) % txCount;
  const buffer = DIRECT_MAP_BASE + txBuffers + <u64>slot * BUFFER_BYTES;
  cpu.zero(buffer, HEADER_BYTES);
  if (offload) {
    cpu.store8(buffer + HEADER_FLAGS, FLAG_NEEDS_CSUM);
    cpu.store16(buffer + HEADER_CSUM_START, <u16>checksumStart);
    cpu.store16(buffer + HEADER_CSUM_OFFSET, <u16>checksumOffset);
  }
  cpu.store8(buffer + HEADER_GSO_TYPE, GSO_NONE);
  copyOut(buffer + HEADER_BYTES, source, length);
  store<u8>(txBusy + <usize>slot, 1);
  txInFlight++;
  virtqueue.describe(transmitQueue, slot, txBuffers + <u64>slot * BUFFER_BYTES, HEADER_BYTES + length, 0, 0);
  virtqueue.offer(transmitQueue, slot);
  virtqueue.notify(transmitQueue);
  framesSent++;
  bytesSent += length;
  return Errno.Ok;
}

/** Copies the next received frame (without its header) to kernel address
 *  `destination`, waiting up to `timeoutNs` for one (0: not at all); its length,
 *  0 when none came, or -Errno.InvalidArgument when it did not fit `capacity`
 *  (that frame is dropped and counted). */
export function receive(destination: usize, capacity: u32, timeoutNs: u64 = 0): i32 {
  if (!present) return -(<i32>Errno.NotReady);
  if (!virtqueue.reap(receiveQueue)) {
    if (timeoutNs == 0 || !virtqueue.waitPending(receiveQueue, timeoutNs) || !virtqueue.reap(receiveQueue)) return 0;
  }
  const slot = <u16>receiveQueue.usedId;
  const written = receiveQueue.usedLength;
  if (slot >= rxCount) { dropped++; return 0; }     // not one of ours: the device misbehaved
  const buffer = DIRECT_MAP_BASE + rxBuffers + <u64>slot * BUFFER_BYTES;
  let result: i32 = 0;
  if (written < HEADER_BYTES + MIN_FRAME || written > <u32>BUFFER_BYTES || cpu.load16(buffer + HEADER_NUM_BUFFERS) > 1) {
    dropped++;                                         // runt, overlong or spread over buffers we never merge
  } else if (written - HEADER_BYTES > capacity) {
    dropped++;
    result = -(<i32>Errno.InvalidArgument);
  } else {
    const length = written - HEADER_BYTES;
    const flags = cpu.load8(buffer + HEADER_FLAGS);
    lastValid = (flags & FLAG_DATA_VALID) != 0;
    if ((flags & FLAG_NEEDS_CSUM) != 0) lastValid = completeChecksum(buffer, length);
    copyIn(destination, buffer + HEADER_BYTES, length);
    framesReceived++;
    bytesReceived += length;
    result = <i32>length;
  }
  postReceive(slot);                                   // straight back to the device
  virtqueue.notify(receiveQueue);
  return result;
}

/** A frame the host left with a partial checksum (NEEDS_CSUM, §5.1.6.4: it came
 *  from software on the host and was never on a wire): the field at csum_start +
 *  csum_offset holds the pseudo-header sum; the Internet checksum of csum_start..
 *  the end, that field included, goes in its place. False when the offsets do
 *  not fit the frame (the frame is then not trusted). */
function completeChecksum(buffer: u64, length: u32): bool {
  const start = <u32>cpu.load16(buffer + HEADER_CSUM_START);
  const field = start + <u32>cpu.load16(buffer + HEADER_CSUM_OFFSET);
  if (start >= length || field + 2 > length) return false;
  const frame = buffer + HEADER_BYTES;
  let sum: u32 = 0;
  let i = start;
  for (; i + 1 < length; i += 2) sum += (<u32>cpu.load8(frame + <u64>i) << 8) | <u32>cpu.load8(frame + <u64>i + 1);
  if (i < length) sum += <u32>cpu.load8(frame + <u64>i) << 8;
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  const result = ~sum & 0xffff;
  cpu.store8(frame + <u64>field, <u8>(result >> 8));
  cpu.store8(frame + <u64>field + 1, <u8>result);
  return true;
}

/** Kernel memory (linear) → a buffer in the direct map. */
function copyOut(to: u64, from: usize, length: u32): void { cpu.copy(to, linearToVirtual(from), <u64>length); }
/** A buffer in the direct map → kernel memory (linear). */
function copyIn(to: usize, from: u64, length: u32): void { cpu.copy(linearToVirtual(to), from, <u64>length); }
