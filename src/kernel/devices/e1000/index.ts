// e1000 — the Intel 8254x gigabit Ethernet controller (QEMU's "e1000", the pc
// machine's default NIC, and the 82574L, q35's "e1000e"): one device, polled. The driver owns a receive ring and
// a transmit ring of RING_SIZE legacy descriptors, each with its own 2048-byte
// buffer, and copies frames between those buffers and the caller's linear memory.
// receive() hands over one frame at a time; send() copies a frame in and rings the
// tail; poll() reclaims finished transmit descriptors and folds the device's
// counters in, and is what an interrupt handler will call. Single-threaded: the
// callers (one flow of the kernel) serialise themselves. Registers: registers.ts.
import { Errno } from "../../../abi";
import { cpu, pci } from "../../../hal";
import * as clock from "../../clock";
import * as line from "../../line";
import * as log from "../../log";
import { frames } from "../../memory";
import { DIRECT_MAP_BASE } from "../../memory/layout";
import * as physical from "../../physical";
import * as vectors from "../../interrupts/vectors";
import * as apic from "../../platform/apic";
import * as scheduler from "../../sched/scheduler";
import * as dma from "../dma";
import * as msi from "../msi";
import * as registry from "../registry";
import * as registers from "./registers";
import { linearToVirtual } from "../../physical";

export { registers };

const DRIVER_ID: i32 = 5;
const VENDOR_INTEL: u16 = 0x8086;
const DEVICE_82540EM: u16 = 0x100e;      // QEMU "e1000"
const DEVICE_82545EM: u16 = 0x100f;      // QEMU "e1000-82545em"
const DEVICE_82574L: u16 = 0x10d3;       // QEMU "e1000e" (the q35 machine's default NIC)
const PCI_COMMAND: u32 = 0x04;
const COMMAND_MEMORY_BUS_MASTER: u32 = (1 << 1) | (1 << 2);

const RING_SIZE: u32 = 64;               // descriptors per ring: RDLEN/TDLEN must be multiples of 128 bytes
const BUFFER_BYTES: u64 = 2048;          // RCTL.BSIZE 2048; transmit buffers the same
const RING_BYTES: u64 = <u64>RING_SIZE * registers.DESCRIPTOR_BYTES;
const TX_RING_OFFSET: u64 = 2048;        // both rings share one 4 KiB frame
/** The shortest frame send() takes (an Ethernet header) and the longest (1500
 *  bytes of payload; the device appends the CRC). */
export const MIN_FRAME: i32 = 14;
export const MAX_FRAME: i32 = 1514;
const MIN_WIRE_FRAME: i32 = 60;          // the Ethernet minimum without the CRC
/** The longest frame receive() can return: 1514 plus a VLAN tag (VME is off, so
 *  tags stay in the frame); with LPE off the device stores nothing longer. */
export const MAX_RECEIVED_FRAME: i32 = 1518;

const RESET_WAIT_NS: u64 = 100_000_000;
const EEPROM_WAIT_NS: u64 = 10_000_000;
const ALL_INTERRUPTS: u32 = 0xffffffff;
const HEX_DIGITS = "0123456789abcdef";

const macAddress = memory.data(6);
let base: u64 = 0;                       // virtual address of BAR0
let rings: u64 = 0;                      // physical: receive ring, then transmit ring
let receiveBuffers: u64 = 0;             // physical, RING_SIZE × BUFFER_BYTES each
let transmitBuffers: u64 = 0;
let receiveNext: u32 = 0;                // the next descriptor the device will complete
let transmitTail: u32 = 0;               // the next free transmit descriptor (our TDT)
let transmitClean: u32 = 0;              // the oldest descriptor not yet reclaimed
let eerdDone: u32 = registers.EERD_DONE_8254X;           // where this model's EERD says "done"
let eerdAddressShift: u32 = registers.EERD_ADDRESS_SHIFT_8254X;
let present = false;

let framesSentCount: u64 = 0;
let bytesSentCount: u64 = 0;
let framesReceivedCount: u64 = 0;
let bytesReceivedCount: u64 = 0;
let transmitErrorCount: u64 = 0;
let receiveErrorCount: u64 = 0;
let missedCount: u64 = 0;
let deviceSentCount: u64 = 0;
let deviceReceivedCount: u64 = 0;

function read(register: u64): u32 { return cpu.load32(base + register); }
function write(register: u64, value: u32): void { cpu.store32(base + register, value); }

function receiveDescriptor(i: u32): u64 { return DIRECT_MAP_BASE + rings + <u64>i * registers.DESCRIPTOR_BYTES; }
function transmitDescriptor(i: u32): u64 { return DIRECT_MAP_BASE + rings + TX_RING_OFFSET + <u64>i * registers.DESCRIPTOR_BYTES; }

export function available(): bool { return present; }

/** Byte `i` (0..5) of the station address. */
export function mac(i: i32): u8 { return i >= 0 && i < 6 ? load<u8>(macAddress + <usize>i) : 0; }

export function linkUp(): bool { return present && (read(registers.STATUS) & registers.STATUS_LU) != 0; }
/** 10, 100 or 1000; 0 while the link is down. */
export function speedMbps(): u32 { return present ? registers.speedMbps(read(registers.STATUS)) : 0; }

// Counters. Sent frames count when the device reports them done, not when queued.
export function framesSent(): u64 { return framesSentCount; }
export function bytesSent(): u64 { return bytesSentCount; }
export function framesReceived(): u64 { return framesReceivedCount; }
export function bytesReceived(): u64 { return bytesReceivedCount; }
/** Frames the device gave up on (excess or late collisions). */
export function transmitErrors(): u64 { return transmitErrorCount; }
/** Received frames the driver dropped because the device marked them bad. */
export function receiveErrors(): u64 { return receiveErrorCount; }
/** Frames the device dropped for want of room (MPC), as of the last poll(). */
export function drops(): u64 { return missedCount; }
/** The device's own good-frame counts (GPTC, GPRC), as of the last poll(). */
export function deviceFramesSent(): u64 { return deviceSentCount; }
export function deviceFramesReceived(): u64 { return deviceReceivedCount; }

/** The registry index of the first controller the driver knows, or -1. The
 *  82574L is a PCIe successor that keeps the 8254x legacy descriptors and every
 *  register used here except EERD's layout; checked against QEMU's model (ARP,
 *  ping, the benchmark, link down, and the EEPROM path forced). */
function locate(): i32 {
  let index = registry.find(VENDOR_INTEL, DEVICE_82540EM, 0xff, 0xff);
  if (index < 0) index = registry.find(VENDOR_INTEL, DEVICE_82545EM, 0xff, 0xff);
  if (index < 0) index = registry.find(VENDOR_INTEL, DEVICE_82574L, 0xff, 0xff);
  return index;
}

function refuse(index: i32, why: string, result: Errno): Errno { return registry.refuse("e1000", index, why, result); }

/** Waits for `bits` of `register` to read as `wanted`; false at the timeout. */
function waitFor(register: u64, bits: u32, wanted: u32, timeoutNs: u64): bool {
  const start = clock.nanoseconds();
  while ((read(register) & bits) != wanted) {
    if (clock.nanoseconds() - start > timeoutNs) return false;
    cpu.pause();
  }
  return true;
}

/** One 16-bit EEPROM word through EERD; -1 when the read does not complete. */
function eepromWord(address: u32): i32 {
  write(registers.EERD, registers.EERD_START | (address << eerdAddressShift));
  if (!waitFor(registers.EERD, eerdDone, eerdDone, EEPROM_WAIT_NS)) return -1;
  return <i32>(read(registers.EERD) >> registers.EERD_DATA_SHIFT);
}

/** The station address: RAL0/RAH0 as the device loaded them from its EEPROM at
 *  reset, or, when they are empty, the EEPROM's words 0..2 written into them. */
function loadMac(): bool {
  let low = read(registers.RAL0);
  let high = read(registers.RAH0);
  if (!registers.macPresent(low, high)) {
    const w0 = eepromWord(registers.EEPROM_MAC_WORD);
    const w1 = eepromWord(registers.EEPROM_MAC_WORD + 1);
    const w2 = eepromWord(registers.EEPROM_MAC_WORD + 2);
    if (w0 < 0 || w1 < 0 || w2 < 0) return false;
    low = <u32>w0 | (<u32>w1 << 16);
    high = <u32>w2;
    if (!registers.macPresent(low, high)) return false;
  }
  // the receive filter passes frames to this address only with AV set
  write(registers.RAL0, low);
  write(registers.RAH0, (high & 0xffff) | registers.RAH_AV);
  for (let i = 0; i < 6; i++) store<u8>(macAddress + <usize>i, registers.macByte(low, high, i));
  return true;
}

/** Global reset (CTRL.RST, SDM 13.4.1): interrupts masked and both units stopped
 *  first so nothing is in flight, then wait for the self-clearing bit; afterwards
 *  every interrupt is masked again and ICR read, so no cause latched before the
 *  reset is left pending for the interrupt handler the lead adds later. */
function reset(): bool {
  write(registers.IMC, ALL_INTERRUPTS);
  write(registers.RCTL, 0);
  write(registers.TCTL, 0);
  read(registers.STATUS);                                  // flush the posted writes
  write(registers.CTRL, read(registers.CTRL) | registers.CTRL_RST);
  if (!waitFor(registers.CTRL, registers.CTRL_RST, 0, RESET_WAIT_NS)) return false;
  write(registers.IMC, ALL_INTERRUPTS);
  read(registers.ICR);                                     // drop causes latched before the reset
  return true;
}

function freeBuffers(): void {
  if (rings != 0) frames.free(rings);
  if (receiveBuffers != 0) frames.free(receiveBuffers);
  if (transmitBuffers != 0) frames.free(transmitBuffers);
  rings = 0;
  receiveBuffers = 0;
  transmitBuffers = 0;
}

function allocateBuffers(): bool {
  const order = frames.orderFor(<u64>RING_SIZE * BUFFER_BYTES);
  rings = frames.alloc(0, frames.Owner.Kernel);
  receiveBuffers = order < 0 ? 0 : frames.alloc(<u32>order, frames.Owner.Kernel);
  transmitBuffers = order < 0 ? 0 : frames.alloc(<u32>order, frames.Owner.Kernel);
  if (rings == 0 || receiveBuffers == 0 || transmitBuffers == 0) { freeBuffers(); return false; }
  physical.zero(rings, frames.FRAME_SIZE);
  return true;
}

/** Receive setup (SDM 14.4): every descriptor gets a buffer; the device owns all
 *  but one (head == tail would mean "none"), so RDT starts at RING_SIZE - 1. */
function startReceive(): void {
  for (let i: u32 = 0; i < RING_SIZE; i++) {
    cpu.store64(receiveDescriptor(i), receiveBuffers + <u64>i * BUFFER_BYTES);
    cpu.store64(receiveDescriptor(i) + registers.RX_LENGTH, 0);
  }
  const ring = rings;
  write(registers.RDBAL, <u32>ring);
  write(registers.RDBAH, <u32>(ring >> 32));
  write(registers.RDLEN, <u32>RING_BYTES);
  write(registers.RDH, 0);
  write(registers.RDT, RING_SIZE - 1);
  receiveNext = 0;
  write(registers.RCTL, registers.receiveControl());
}

/** Transmit setup (SDM 14.5): an empty ring (head == tail), each descriptor's
 *  buffer fixed; TCTL for the duplex the link reports (full when unknown). */
function startTransmit(): void {
  for (let i: u32 = 0; i < RING_SIZE; i++) {
    cpu.store64(transmitDescriptor(i), transmitBuffers + <u64>i * BUFFER_BYTES);
    cpu.store64(transmitDescriptor(i) + registers.TX_LENGTH, 0);
  }
  const ring = rings + TX_RING_OFFSET;
  write(registers.TDBAL, <u32>ring);
  write(registers.TDBAH, <u32>(ring >> 32));
  write(registers.TDLEN, <u32>RING_BYTES);
  write(registers.TDH, 0);
  write(registers.TDT, 0);
  transmitTail = 0;
  transmitClean = 0;
  const status = read(registers.STATUS);
  const fullDuplex = (status & registers.STATUS_LU) == 0 || (status & registers.STATUS_FD) != 0;
  write(registers.TIPG, registers.transmitGap());
  write(registers.TCTL, registers.transmitControl(fullDuplex));
}

/** Binds the first 8254x, if any: Errno.NotFound without one; a device that will
 *  not reset, has no usable BAR0 or no station address is refused with a warning. */
export function init(): Errno {
  const index = locate();
  if (index < 0) return Errno.NotFound;
  if (!registry.claim(index, DRIVER_ID)) return Errno.NotReady;
  const newerEeprom = registry.deviceId(index) == DEVICE_82574L;
  eerdDone = newerEeprom ? registers.EERD_DONE_82574 : registers.EERD_DONE_8254X;
  eerdAddressShift = newerEeprom ? registers.EERD_ADDRESS_SHIFT_82574 : registers.EERD_ADDRESS_SHIFT_8254X;
  if (registry.barSize(index, 0) < registers.REGISTER_WINDOW || registry.barIsIo(index, 0)) {
    return refuse(index, "BAR0 is not a 128 KiB memory window", Errno.NotSupported);
  }
  const bar = registry.barAddress(index, 0);
  if (!physical.readable(bar, registers.REGISTER_WINDOW)) {
    return refuse(index, "BAR0 lies outside the direct map", Errno.NotSupported);
  }
  const bus = registry.bus(index), slot = registry.slot(index), fn = registry.fn(index);
  pci.write32(bus, slot, fn, PCI_COMMAND, (pci.read32(bus, slot, fn, PCI_COMMAND) | COMMAND_MEMORY_BUS_MASTER) & 0xffff);
  base = DIRECT_MAP_BASE + bar;
  if (!reset()) return refuse(index, "CTRL.RST did not clear", Errno.Timeout);
  // General configuration (SDM 14.3): link up on auto-detected speed, the PHY and
  // link out of reset, no VLAN stripping; no flow control, so its registers are 0.
  const control = read(registers.CTRL) | registers.CTRL_SLU | registers.CTRL_ASDE;
  write(registers.CTRL, control & ~(registers.CTRL_LRST | registers.CTRL_PHY_RST | registers.CTRL_ILOS | registers.CTRL_VME));
  write(registers.FCAL, 0);
  write(registers.FCAH, 0);
  write(registers.FCT, 0);
  write(registers.FCTTV, 0);
  if (!loadMac()) return refuse(index, "no station address in RAL0 or the EEPROM", Errno.DeviceError);
  for (let i: u64 = 0; i < registers.MTA_ENTRIES; i++) write(registers.MTA + i * 4, 0);
  if (!allocateBuffers()) return refuse(index, "no memory for its rings", Errno.ResourceExhausted);
  // identity bus addresses (dma.ts): the device reads and writes both rings and
  // fills the receive buffers; it reads the transmit buffers
  if (dma.map(index, rings, frames.FRAME_SIZE, true) == dma.MAP_FAILED
    || dma.map(index, receiveBuffers, <u64>RING_SIZE * BUFFER_BYTES, true) == dma.MAP_FAILED
    || dma.map(index, transmitBuffers, <u64>RING_SIZE * BUFFER_BYTES, false) == dma.MAP_FAILED) {
    return refuse(index, "its rings could not be mapped for DMA", Errno.ResourceExhausted);
  }
  read(registers.MPC);                                     // statistics start from zero
  read(registers.GPTC);
  read(registers.GPRC);
  startReceive();
  startTransmit();
  present = true;
  attachInterrupt(index);
  log.begin(log.Level.Info);
  line.text("e1000: ");
  registry.appendAddress(index);
  line.text(" ready, mac ");
  appendMac();
  if (linkUp()) {
    line.text(", link up ");
    line.decimal(speedMbps());
    line.text(" Mb/s");
  } else {
    line.text(", link down");
  }
  line.text(vector != 0 ? ", MSI" : ", polled");
  log.end();
  return Errno.Ok;
}

// ---- interrupts: MSI where the device has it (the 82574L; QEMU's 82540EM has
// none, and legacy INTx would need the ACPI _PRT, so that one stays polled).
const RECEIVE_CAUSES: u32 = registers.ICR_RXT0 | registers.ICR_RXO | registers.ICR_RXDMT0 | registers.ICR_LSC;
let vector: u32 = 0;
let interruptCount: u32 = 0;
let waiter: i32 = -1;

/** Interrupts taken (for tests). */
export function interrupts(): u32 { return interruptCount; }
/** Whether a receiver can sleep until a frame's interrupt (MSI), or must poll. */
export function interruptDriven(): bool { return vector != 0; }

function attachInterrupt(index: i32): void {
  const v = vectors.allocate();
  if (v == 0) return;
  if (vectors.register(v, interrupt, 0) != Errno.Ok) { vectors.release(v); return; }
  if (msi.enableMsi(index, v, apic.bootCpuApicId()) != Errno.Ok) {
    vectors.unregister(v, interrupt, 0);
    vectors.release(v);
    return;
  }
  vector = v;
  read(registers.ICR);                                     // nothing stale pending
  write(registers.IMS, RECEIVE_CAUSES);
}

/** The MSI handler: reading ICR acknowledges (it clears on read); the thread
 *  waiting for a frame is woken and does the work. */
function interrupt(v: u32, context: u32): void {
  interruptCount++;
  read(registers.ICR);
  if (waiter >= 0) scheduler.wakeThread(waiter);
}

/** Appends six bytes at linear-memory `address` as "52:54:00:12:34:56". */
export function appendMacAt(address: usize): void {
  for (let i = 0; i < 6; i++) {
    if (i > 0) line.text(":");
    const b = load<u8>(address + <usize>i);
    line.byte(<u8>HEX_DIGITS.charCodeAt(b >> 4));
    line.byte(<u8>HEX_DIGITS.charCodeAt(b & 0xf));
  }
}

/** Appends the station address. */
export function appendMac(): void { appendMacAt(macAddress); }

/** Takes back every transmit descriptor the device has finished, counting each
 *  frame as sent or failed; the number reclaimed. */
function reclaim(): u32 {
  let count: u32 = 0;
  while (transmitClean != transmitTail) {
    const descriptor = transmitDescriptor(transmitClean);
    const status = cpu.load8(descriptor + registers.TX_STATUS);
    if ((status & registers.TX_STATUS_DD) == 0) break;
    if ((status & registers.TX_STATUS_ERRORS) != 0) {
      transmitErrorCount++;
    } else {
      framesSentCount++;
      bytesSentCount += <u64>cpu.load16(descriptor + registers.TX_LENGTH);
    }
    transmitClean = (transmitClean + 1) % RING_SIZE;
    count++;
  }
  return count;
}

/** What an interrupt handler (or a polling loop) calls: reclaims finished
 *  transmit descriptors and folds the device's statistics registers (which
 *  clear when read) into the counters. True when a received frame is waiting. */
export function poll(): bool {
  if (!present) return false;
  reclaim();
  missedCount += <u64>read(registers.MPC);
  deviceSentCount += <u64>read(registers.GPTC);
  deviceReceivedCount += <u64>read(registers.GPRC);
  return (cpu.load8(receiveDescriptor(receiveNext) + registers.RX_STATUS) & registers.RX_STATUS_DD) != 0;
}

/** Copies `length` bytes of linear memory at `source` to physical `target`. */
function copyToPhysical(target: u64, source: usize, length: i32): void {
  cpu.copy(DIRECT_MAP_BASE + target, linearToVirtual(source), <u64>length);
}

function copyFromPhysical(destination: usize, source: u64, length: i32): void {
  cpu.copy(linearToVirtual(destination), DIRECT_MAP_BASE + source, <u64>length);
}

/** Queues the `length`-byte frame at linear-memory `source` (destination MAC
 *  first; no CRC, the device adds it; frames under 60 bytes are zero-padded,
 *  and bytesSent() counts the padded length). The
 *  frame is copied, so the caller's buffer is free on return.
 *  InvalidArgument outside 14..1514 bytes, NotReady without a device or while
 *  the link is down, ResourceExhausted when the ring is still full after
 *  reclaiming what the device has finished. */
export function send(source: usize, length: i32): Errno {
  if (!present) return Errno.NotReady;
  if (length < MIN_FRAME || length > MAX_FRAME) return Errno.InvalidArgument;
  if (!linkUp()) return Errno.NotReady;
  reclaim();
  const next = (transmitTail + 1) % RING_SIZE;
  if (next == transmitClean) return Errno.ResourceExhausted;   // one slot stays empty: head == tail means idle
  const buffer = transmitBuffers + <u64>transmitTail * BUFFER_BYTES;
  copyToPhysical(buffer, source, length);
  // A legacy descriptor's frame must be at least 48 bytes before padding (SDM
  // 3.3.3), so short frames are zero-padded here to the 60-byte Ethernet minimum
  // rather than left to TCTL.PSP.
  let wire = length;
  if (wire < MIN_WIRE_FRAME) { physical.zero(buffer + <u64>wire, <u64>(MIN_WIRE_FRAME - wire)); wire = MIN_WIRE_FRAME; }
  const descriptor = transmitDescriptor(transmitTail);
  cpu.store16(descriptor + registers.TX_LENGTH, <u16>wire);
  cpu.store8(descriptor + registers.TX_CMD, registers.TX_CMD_EOP | registers.TX_CMD_IFCS | registers.TX_CMD_RS);
  cpu.store8(descriptor + registers.TX_STATUS, 0);
  transmitTail = next;
  write(registers.TDT, transmitTail);                      // x86 keeps the descriptor stores before this one
  return Errno.Ok;
}

/** Gives receive descriptor `i` back to the device: status cleared, then the tail
 *  moved onto it, which hands the device the descriptor before it (the one the
 *  driver held back) and holds this one back instead. */
function recycle(i: u32): void {
  cpu.store8(receiveDescriptor(i) + registers.RX_STATUS, 0);
  cpu.store8(receiveDescriptor(i) + registers.RX_ERRORS, 0);
  write(registers.RDT, i);
  receiveNext = (i + 1) % RING_SIZE;
}

/** Copies the next received frame (without its CRC) to linear memory at
 *  `destination`; its length, 0 when none is waiting. Frames the device marked
 *  bad are dropped and counted on the way. -Errno.MessageTooLarge (the frame
 *  stays queued) when it does not fit `capacity`; MAX_RECEIVED_FRAME always
 *  does. -Errno.NotReady without a device. */
export function receive(destination: usize, capacity: i32): i32 {
  if (!present) return -(<i32>Errno.NotReady);
  while (true) {
    const descriptor = receiveDescriptor(receiveNext);
    const verdict = registers.receiveVerdict(cpu.load8(descriptor + registers.RX_STATUS), cpu.load8(descriptor + registers.RX_ERRORS));
    if (verdict == registers.Verdict.Pending) return 0;
    if (verdict == registers.Verdict.Error) {
      receiveErrorCount++;
      recycle(receiveNext);
      continue;
    }
    const length = <i32>cpu.load16(descriptor + registers.RX_LENGTH);
    if (length > capacity) return -(<i32>Errno.MessageTooLarge);
    copyFromPhysical(destination, receiveBuffers + <u64>receiveNext * BUFFER_BYTES, length);
    framesReceivedCount++;
    bytesReceivedCount += <u64>length;
    recycle(receiveNext);
    return length;
  }
}

/** receive(), waiting up to `timeoutNs` for a frame: asleep until the device's
 *  interrupt where it has MSI, polling it otherwise. Its length, 0 when none came. */
export function receiveWait(destination: usize, capacity: i32, timeoutNs: u64): i32 {
  const start = clock.nanoseconds();
  const sleeps = vector != 0 && scheduler.running();
  while (true) {
    poll();
    if (sleeps) cpu.disableInterrupts();                   // no interrupt between the look and the sleep
    const length = receive(destination, capacity);
    const spent = clock.nanoseconds() - start;
    if (length != 0 || spent >= timeoutNs) {
      if (sleeps) cpu.enableInterrupts();
      return length;
    }
    if (sleeps) {
      waiter = scheduler.currentThread();
      scheduler.block(timeoutNs - spent);
      waiter = -1;
      cpu.enableInterrupts();
    } else {
      cpu.pause();
    }
  }
}
