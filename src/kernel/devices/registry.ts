// registry.ts — the devices enumeration found: address, identity, class, BARs,
// capabilities, interrupt pin/line; and which driver claimed each. Drivers match
// by vendor and device, or by class and subclass (0xffff / 0xff: any). A claim,
// and a driver's refusal of what it claimed (refuse()), are published on the
// device topic, retained so agents subscribing later still learn of them.
import { Errno } from "../../abi";
import * as events from "../events";
import * as line from "../line";
import * as log from "../log";

export const MAX_DEVICES: i32 = 64;
const BARS = 6;
const CAPS = 16;
const NONE: i32 = -1;

const addresses = memory.data(MAX_DEVICES * 4);     // bus << 16 | device << 8 | function
const ids = memory.data(MAX_DEVICES * 4);           // device << 16 | vendor
const classes = memory.data(MAX_DEVICES * 4);       // class << 24 | subclass << 16 | interface << 8 | revision
const headers = memory.data(MAX_DEVICES);
const interrupts = memory.data(MAX_DEVICES * 2);
const barAddresses = memory.data(MAX_DEVICES * BARS * 8);
const barSizes = memory.data(MAX_DEVICES * BARS * 8);
const barFlags = memory.data(MAX_DEVICES * BARS);   // 1 io, 2 prefetchable
const capIds = memory.data(MAX_DEVICES * CAPS);
const capOffsets = memory.data(MAX_DEVICES * CAPS);
const capCounts = memory.data(MAX_DEVICES);
const owners = memory.data(MAX_DEVICES * 4);        // driver id + 1; 0 = unclaimed
let devices: i32 = 0;
let dropped: i32 = 0;

export function reset(): void {
  devices = 0;
  dropped = 0;
  memory.fill(barSizes, 0, MAX_DEVICES * BARS * 8);
  memory.fill(capCounts, 0, MAX_DEVICES);
  memory.fill(owners, 0, MAX_DEVICES * 4);
}

/** Records a function; its index, or -1 when the table is full. */
export function add(bus: u8, device: u8, fn: u8, vendor: u16, deviceId: u16, classCode: u32, header: u8, interrupt: u16): i32 {
  if (devices == MAX_DEVICES) { dropped++; return NONE; }
  const i = devices++;
  store<u32>(addresses + <usize>i * 4, (<u32>bus << 16) | (<u32>device << 8) | <u32>fn);
  store<u32>(ids + <usize>i * 4, (<u32>deviceId << 16) | <u32>vendor);
  store<u32>(classes + <usize>i * 4, classCode);
  store<u8>(headers + <usize>i, header);
  store<u16>(interrupts + <usize>i * 2, interrupt);
  return i;
}

export function setBar(i: i32, bar: i32, address: u64, size: u64, io: bool, prefetch: bool): void {
  store<u64>(barAddresses + <usize>(i * BARS + bar) * 8, address);
  store<u64>(barSizes + <usize>(i * BARS + bar) * 8, size);
  store<u8>(barFlags + <usize>(i * BARS + bar), (io ? 1 : 0) | (prefetch ? 2 : 0));
}

export function addCapability(i: i32, id: u8, offset: u8): void {
  const n = <i32>load<u8>(capCounts + <usize>i);
  if (n == CAPS) return;
  store<u8>(capIds + <usize>(i * CAPS + n), id);
  store<u8>(capOffsets + <usize>(i * CAPS + n), offset);
  store<u8>(capCounts + <usize>i, <u8>(n + 1));
}

export function count(): i32 { return devices; }
export function droppedCount(): i32 { return dropped; }
export function bus(i: i32): u32 { return load<u32>(addresses + <usize>i * 4) >> 16; }
export function slot(i: i32): u32 { return (load<u32>(addresses + <usize>i * 4) >> 8) & 0xff; }
export function fn(i: i32): u32 { return load<u32>(addresses + <usize>i * 4) & 0xff; }
export function vendor(i: i32): u16 { return <u16>load<u32>(ids + <usize>i * 4); }
export function deviceId(i: i32): u16 { return <u16>(load<u32>(ids + <usize>i * 4) >> 16); }
export function classCode(i: i32): u8 { return <u8>(load<u32>(classes + <usize>i * 4) >> 24); }
export function subclass(i: i32): u8 { return <u8>(load<u32>(classes + <usize>i * 4) >> 16); }
export function interfaceCode(i: i32): u8 { return <u8>(load<u32>(classes + <usize>i * 4) >> 8); }
export function barAddress(i: i32, bar: i32): u64 { return load<u64>(barAddresses + <usize>(i * BARS + bar) * 8); }
export function barSize(i: i32, bar: i32): u64 { return load<u64>(barSizes + <usize>(i * BARS + bar) * 8); }
export function barIsIo(i: i32, bar: i32): bool { return (load<u8>(barFlags + <usize>(i * BARS + bar)) & 1) != 0; }
export function capabilityCount(i: i32): i32 { return <i32>load<u8>(capCounts + <usize>i); }
export function capabilityId(i: i32, n: i32): u8 { return load<u8>(capIds + <usize>(i * CAPS + n)); }
export function capabilityOffset(i: i32, n: i32): u8 { return load<u8>(capOffsets + <usize>(i * CAPS + n)); }
export function hasCapability(i: i32, id: u8): bool {
  for (let n = 0; n < capabilityCount(i); n++) if (capabilityId(i, n) == id) return true;
  return false;
}

/** The first device matching vendor/device (0xffff: any) and class/subclass
 *  (0xff: any) at or after `from`, or -1. */
export function find(vendorId: u16, device: u16, classId: u8, sub: u8, from: i32 = 0): i32 {
  for (let i = from; i < devices; i++) {
    if (vendorId != 0xffff && vendor(i) != vendorId) continue;
    if (device != 0xffff && deviceId(i) != device) continue;
    if (classId != 0xff && classCode(i) != classId) continue;
    if (sub != 0xff && subclass(i) != sub) continue;
    return i;
  }
  return NONE;
}

/** Marks device `i` as its driver's; false when another driver has it. */
export function claim(i: i32, driver: i32): bool {
  if (i < 0 || i >= devices || load<i32>(owners + <usize>i * 4) != 0) return false;
  store<i32>(owners + <usize>i * 4, driver + 1);
  events.bus.publishRetained(events.bus.Topic.Device, events.kinds.DeviceKind.Claimed, <u64>i,
    (<u64>(<u32>driver) << 32) | (<u64>deviceId(i) << 16) | <u64>vendor(i));
  return true;
}
export function owner(i: i32): i32 { return load<i32>(owners + <usize>i * 4) - 1; }

/** What a driver calls when it will not drive device `i` it claimed: logs
 *  "`name`: bb:dd.f refused: `why`", publishes the refusal (retained) and returns
 *  `result`, so a driver can `return registry.refuse(...)`. */
export function refuse(name: string, i: i32, why: string, result: Errno): Errno {
  log.begin(log.Level.Warn);
  line.text(name);
  line.text(": ");
  if (i >= 0 && i < devices) appendAddress(i);
  line.text(" refused: ");
  line.text(why);
  log.end();
  const driver = i >= 0 && i < devices ? owner(i) : -1;
  events.bus.publishRetained(events.bus.Topic.Device, events.kinds.DeviceKind.Refused, <u64>i, (<u64>(<u32>driver) << 32) | <u64>result);
  return result;
}

/** Appends "bb:dd.f" in hex, as lspci writes it. */
export function appendAddress(i: i32): void {
  line.hexDigits(bus(i), 2);
  line.text(":");
  line.hexDigits(slot(i), 2);
  line.text(".");
  line.decimal(fn(i));
}
