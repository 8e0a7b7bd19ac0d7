// ioapic.ts — an I/O APIC (82093AA): an index/data register pair at its MMIO
// base, and one 64-bit redirection entry per input pin.
import { load32, store32 } from "./primitives";

const REGISTER_SELECT: u64 = 0x00;
const REGISTER_WINDOW: u64 = 0x10;
const REG_ID: u32 = 0x00;
const REG_VERSION: u32 = 0x01;
const REG_REDIRECTION_FIRST: u32 = 0x10;

const ENTRY_ACTIVE_LOW: u64 = 1 << 13;
const ENTRY_LEVEL_TRIGGERED: u64 = 1 << 15;
export const ENTRY_MASKED: u64 = 1 << 16;
const ENTRY_DESTINATION_SHIFT: u64 = 56;

export const enum Polarity { ActiveHigh = 0, ActiveLow = 1 }
export const enum Trigger { Edge = 0, Level = 1 }

function read(base: u64, register: u32): u32 {
  store32(base + REGISTER_SELECT, register);
  return load32(base + REGISTER_WINDOW);
}

function write(base: u64, register: u32, value: u32): void {
  store32(base + REGISTER_SELECT, register);
  store32(base + REGISTER_WINDOW, value);
}

/** Number of input pins (max redirection entry + 1). */
export function pins(base: u64): u32 { return ((read(base, REG_VERSION) >> 16) & 0xff) + 1; }
export function id(base: u64): u32 { return (read(base, REG_ID) >> 24) & 0xf; }

/** Encodes a redirection entry: fixed delivery, physical destination. */
export function entry(vector: u8, destination: u32, polarity: Polarity, trigger: Trigger, masked: bool): u64 {
  let value = <u64>vector;
  if (polarity == Polarity.ActiveLow) value |= ENTRY_ACTIVE_LOW;
  if (trigger == Trigger.Level) value |= ENTRY_LEVEL_TRIGGERED;
  if (masked) value |= ENTRY_MASKED;
  return value | (<u64>(destination & 0xff) << ENTRY_DESTINATION_SHIFT);
}

export function setEntry(base: u64, pin: u32, value: u64): void {
  // high half first, so the entry never points a live vector at a stale CPU
  write(base, REG_REDIRECTION_FIRST + pin * 2 + 1, <u32>(value >> 32));
  write(base, REG_REDIRECTION_FIRST + pin * 2, <u32>value);
}

export function getEntry(base: u64, pin: u32): u64 {
  return (<u64>read(base, REG_REDIRECTION_FIRST + pin * 2 + 1) << 32) | <u64>read(base, REG_REDIRECTION_FIRST + pin * 2);
}

export function maskAll(base: u64): void {
  const count = pins(base);
  for (let pin: u32 = 0; pin < count; pin++) setEntry(base, pin, ENTRY_MASKED);
}
