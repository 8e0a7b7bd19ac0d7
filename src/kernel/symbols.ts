// symbols.ts — the kernel symbol table that build.ts links into .ksyms, for
// naming addresses in stack traces. Layout (little-endian):
//   u32 magic "KSYM" | u32 count | count × { u64 address, u32 size, u32 name offset }
//   | NUL-terminated names (offsets are from the start of this string area)
// Entries are sorted by address. A missing or malformed table names nothing.
import { cpu } from "../hal";
import * as line from "./line";

const MAGIC: u32 = 0x4d59534b;
const HEADER_SIZE: u64 = 8;
const ENTRY_SIZE: u64 = 16;
const NAME_LIMIT: i32 = 96;
const WASM2C_PREFIX = "w2c_";
const GATE_PREFIX = "Z_halZ_";

let tableStart: u64 = 0;
let tableEnd: u64 = 0;
let entryCount: u32 = 0;

/** Points at a table in kernel memory; false (and no names) when it is malformed. */
export function init(start: u64, end: u64): bool {
  entryCount = 0;
  if (end < start + HEADER_SIZE) return false;
  if (cpu.load32(start) != MAGIC) return false;
  const count = cpu.load32(start + 4);
  if (<u64>count * ENTRY_SIZE > end - start - HEADER_SIZE) return false;
  tableStart = start;
  tableEnd = end;
  entryCount = count;
  return true;
}

export function count(): u32 { return entryCount; }

function entry(index: u32): u64 { return tableStart + HEADER_SIZE + <u64>index * ENTRY_SIZE; }

/** Index of the symbol containing `address`, or -1. */
export function find(address: u64): i32 {
  if (entryCount == 0) return -1;
  let low: u32 = 0;
  let high: u32 = entryCount;            // first entry with address > target
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (cpu.load64(entry(middle)) <= address) low = middle + 1;
    else high = middle;
  }
  if (low == 0) return -1;
  const index = low - 1;
  const start = cpu.load64(entry(index));
  const size = <u64>cpu.load32(entry(index) + 8);
  if (size != 0 && address >= start + size) return -1;
  return <i32>index;
}

export function address(index: i32): u64 { return cpu.load64(entry(<u32>index)); }

function nameAddress(index: i32): u64 {
  return tableStart + HEADER_SIZE + <u64>entryCount * ENTRY_SIZE + <u64>cpu.load32(entry(<u32>index) + 12);
}

function nameStartsWith(index: i32, prefix: string): bool {
  const at = nameAddress(index);
  for (let i = 0; i < prefix.length; i++) {
    if (at + <u64>i >= tableEnd || <i32>cpu.load8(at + <u64>i) != prefix.charCodeAt(i)) return false;
  }
  return true;
}

/** True for functions compiled from AssemblyScript: build.ts names them by their
 *  wasm path, which always holds a '/' ("src/kernel/log/end", "~lib/..."). */
export function fromWasm(index: i32): bool {
  const at = nameAddress(index);
  for (let i = 0; i < NAME_LIMIT && at + <u64>i < tableEnd; i++) {
    const c = cpu.load8(at + <u64>i);
    if (c == 0) return false;
    if (c == 0x2f) return true;
  }
  return false;
}

/** True for the hardware-gate primitives in linker/hal.c: frameless leaf functions. */
export function isGatePrimitive(index: i32): bool {
  return nameStartsWith(index, GATE_PREFIX);
}

/** Appends the symbol's name to the line, without wasm2c's "w2c_" prefix. */
export function appendName(index: i32): void {
  let at = nameAddress(index);
  if (nameStartsWith(index, WASM2C_PREFIX)) at += <u64>WASM2C_PREFIX.length;
  for (let i = 0; i < NAME_LIMIT && at < tableEnd; i++, at++) {
    const c = cpu.load8(at);
    if (c == 0) return;
    line.byte(c);
  }
}

/** Appends "name+0xoffset" or "?" for an address. */
export function appendLocation(location: u64): void {
  const index = find(location);
  if (index < 0) { line.text("?"); return; }
  appendName(index);
  line.text("+");
  line.hex(location - address(index));
}
