// memorymap.ts — the physical memory map, normalised. Loaders hand us E820-style
// ranges that may be unsorted, overlapping, zero-length or absurd; the kernel
// sees a sorted list of disjoint ranges where, on overlap, the more restrictive
// type wins (reserved over ACPI over usable), so nothing is ever handed out twice.
//
//   add() × n   raw ranges, validated one by one (bad ones dropped with a warning)
//   finish()    splits at every boundary, resolves overlaps, merges neighbours
import * as line from "../line";
import * as log from "../log";

/** E820 numbering, which both PVH and multiboot2 use. */
export const enum MemoryType {
  Usable = 1,
  Reserved = 2,
  AcpiReclaimable = 3,
  AcpiNvs = 4,
  Bad = 5,
}

export const MAX_RANGES: i32 = 128;
/** x86-64 physical addresses are at most 52 bits wide. */
export const PHYSICAL_LIMIT: u64 = 1 << 52;

const rawBase = memory.data(MAX_RANGES * 8);
const rawLength = memory.data(MAX_RANGES * 8);
const rawType = memory.data(MAX_RANGES * 4);
let rawCount: i32 = 0;

const finalBase = memory.data(MAX_RANGES * 8);
const finalLength = memory.data(MAX_RANGES * 8);
const finalType = memory.data(MAX_RANGES * 4);
let finalCount: i32 = 0;

const BOUNDARY_CAPACITY: i32 = MAX_RANGES * 2;
const boundaries = memory.data(BOUNDARY_CAPACITY * 8);

let droppedCount: i32 = 0;
let overlapFound = false;

export function reset(): void {
  rawCount = 0;
  finalCount = 0;
  droppedCount = 0;
  overlapFound = false;
}

/** Maps a loader's type number to ours: unknown types are reserved. */
export function typeFromE820(value: u32): MemoryType {
  if (value >= <u32>MemoryType.Usable && value <= <u32>MemoryType.Bad) return <MemoryType>value;
  return MemoryType.Reserved;
}

/** How restrictive a type is; the higher wins where ranges overlap. */
function rank(type: MemoryType): i32 {
  switch (type) {
    case MemoryType.Usable: return 0;
    case MemoryType.AcpiReclaimable: return 1;
    case MemoryType.AcpiNvs: return 2;
    case MemoryType.Reserved: return 3;
    default: return 4;
  }
}

function warnRange(reason: string, base: u64, length: u64): void {
  log.begin(log.Level.Warn);
  line.text("memory map: ");
  line.text(reason);
  line.text(" base=");
  line.hex(base);
  line.text(" length=");
  line.hex(length);
  log.end();
}

/** Adds one raw range from the loader. */
export function add(base: u64, length: u64, type: MemoryType): void {
  if (length == 0) return;                       // harmless and common: skip quietly
  if (base >= PHYSICAL_LIMIT) {
    warnRange("dropping a range beyond 52-bit physical space", base, length);
    droppedCount++;
    return;
  }
  if (length > PHYSICAL_LIMIT - base) {
    warnRange("clamping a range that runs past 52-bit physical space", base, length);
    length = PHYSICAL_LIMIT - base;
  }
  if (rawCount == MAX_RANGES) {
    warnRange("too many ranges, dropping", base, length);
    droppedCount++;
    return;
  }
  store<u64>(rawBase + <usize>rawCount * 8, base);
  store<u64>(rawLength + <usize>rawCount * 8, length);
  store<u32>(rawType + <usize>rawCount * 4, <u32>type);
  rawCount++;
}

function addBoundary(count: i32, value: u64): i32 {
  // insertion into a sorted, duplicate-free array
  let i = count;
  for (let j = 0; j < count; j++) {
    const b = load<u64>(boundaries + <usize>j * 8);
    if (b == value) return count;
    if (b > value) { i = j; break; }
  }
  for (let j = count; j > i; j--) {
    store<u64>(boundaries + <usize>j * 8, load<u64>(boundaries + <usize>(j - 1) * 8));
  }
  store<u64>(boundaries + <usize>i * 8, value);
  return count + 1;
}

function emit(base: u64, length: u64, type: MemoryType): void {
  if (finalCount > 0) {
    const last = finalCount - 1;
    const lastBase = load<u64>(finalBase + <usize>last * 8);
    const lastLength = load<u64>(finalLength + <usize>last * 8);
    if (lastBase + lastLength == base && load<u32>(finalType + <usize>last * 4) == <u32>type) {
      store<u64>(finalLength + <usize>last * 8, lastLength + length);
      return;
    }
  }
  store<u64>(finalBase + <usize>finalCount * 8, base);
  store<u64>(finalLength + <usize>finalCount * 8, length);
  store<u32>(finalType + <usize>finalCount * 4, <u32>type);
  finalCount++;
}

/** Resolves the raw ranges into the final sorted, disjoint map. */
export function finish(): void {
  let count = 0;
  for (let i = 0; i < rawCount; i++) {
    const base = load<u64>(rawBase + <usize>i * 8);
    count = addBoundary(count, base);
    count = addBoundary(count, base + load<u64>(rawLength + <usize>i * 8));
  }
  finalCount = 0;
  for (let k = 0; k + 1 < count; k++) {
    const start = load<u64>(boundaries + <usize>k * 8);
    const stop = load<u64>(boundaries + <usize>(k + 1) * 8);
    let covering = 0;
    let best = MemoryType.Usable;
    for (let i = 0; i < rawCount; i++) {
      const base = load<u64>(rawBase + <usize>i * 8);
      const end = base + load<u64>(rawLength + <usize>i * 8);
      if (base <= start && end >= stop) {
        const type = <MemoryType>load<u32>(rawType + <usize>i * 4);
        if (covering == 0 || rank(type) > rank(best)) best = type;
        covering++;
      }
    }
    if (covering > 1) overlapFound = true;
    if (covering > 0) emit(start, stop - start, best);
  }
  if (overlapFound) log.warn("memory map: overlapping ranges found; the more restrictive type was kept");
}

/** Raw ranges accepted so far (before finish). */
export function rawRanges(): i32 { return rawCount; }
export function count(): i32 { return finalCount; }
export function base(index: i32): u64 { return load<u64>(finalBase + <usize>index * 8); }
export function length(index: i32): u64 { return load<u64>(finalLength + <usize>index * 8); }
export function type(index: i32): MemoryType { return <MemoryType>load<u32>(finalType + <usize>index * 4); }
export function dropped(): i32 { return droppedCount; }
export function overlapped(): bool { return overlapFound; }

/** Total bytes of usable RAM. */
export function usableBytes(): u64 {
  let total: u64 = 0;
  for (let i = 0; i < finalCount; i++) {
    if (type(i) == MemoryType.Usable) total += length(i);
  }
  return total;
}

export function typeName(type: MemoryType): string {
  switch (type) {
    case MemoryType.Usable: return "usable";
    case MemoryType.AcpiReclaimable: return "acpi-reclaimable";
    case MemoryType.AcpiNvs: return "acpi-nvs";
    case MemoryType.Bad: return "bad";
    default: return "reserved";
  }
}
