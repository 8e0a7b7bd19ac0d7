// log.ts — the kernel log: levels, monotonic timestamps, a ring of recent lines
// kept in memory (the boot log the kernel API will serve), and the serial console.
// A message is built with line.* between begin() and end():
//   log.begin(Level.Info); line.text("memory: "); line.decimal(mib); log.end();
// Every level goes to the ring; the console shows levels up to the threshold.
import { uart } from "../hal";
import * as line from "./line";
import * as clock from "./clock";
import * as locks from "./sync/locks";
import { cpu } from "../hal";

export const enum Level { Error = 0, Warn = 1, Info = 2, Debug = 3 }

const RING_CAPACITY: u32 = 64 * 1024;
const ring = memory.data(<i32>RING_CAPACITY);
let ringWritten: u64 = 0;          // total bytes ever appended; the ring holds the tail
let threshold = Level.Info;
let currentLevel = Level.Info;
let linesCut: u32 = 0;

// With more than one CPU online, a message is built under a lock: the line buffer
// is shared. The owner is remembered so an interrupt on the same CPU that logs
// does not deadlock (its line mixes into the interrupted one instead).
const lineLock = memory.data(locks.TICKET_LOCK_BYTES);
let concurrent = false;
let lockOwner: i32 = -1;
let nesting: i32 = 0;

/** Called once other CPUs may log too. */
export function setConcurrent(value: bool): void { concurrent = value; }

function lock(): void {
  if (!concurrent) return;
  const me = <i32>cpu.cpuIndex();
  if (lockOwner == me) { nesting++; return; }
  locks.ticketAcquire(lineLock);
  lockOwner = me;
}

function unlock(): void {
  if (!concurrent) return;
  if (nesting > 0) { nesting--; return; }
  lockOwner = -1;
  locks.ticketRelease(lineLock);
}

export function setThreshold(level: Level): void { threshold = level; }
export function getThreshold(): Level { return threshold; }

export function levelName(level: Level): string {
  switch (level) {
    case Level.Error: return "error";
    case Level.Warn: return "warn";
    case Level.Info: return "info";
    default: return "debug";
  }
}

/** Parses a level name as written on the command line; -1 when unknown. */
export function parseLevel(source: usize, length: i32): i32 {
  for (let level = Level.Error; level <= Level.Debug; level++) {
    const name = levelName(level);
    if (name.length != length) continue;
    let same = true;
    for (let i = 0; i < length; i++) {
      if (<i32>load<u8>(source + <usize>i) != name.charCodeAt(i)) { same = false; break; }
    }
    if (same) return level;
  }
  return -1;
}

/** Writes "[    s.micros] level " for a timestamp in nanoseconds. */
export function formatPrefix(level: Level, nanoseconds: u64): void {
  const micros = nanoseconds / 1000;
  line.byte(0x5b);
  line.padded(micros / 1_000_000, 5, 0x20);
  line.byte(0x2e);
  line.padded(micros % 1_000_000, 6, 0x30);
  line.text("] ");
  const name = levelName(level);
  line.text(name);
  for (let i = name.length; i < 6; i++) line.byte(0x20);
}

/** Starts a message: resets the line buffer and writes the prefix. */
export function begin(level: Level): void {
  lock();
  currentLevel = level;
  line.reset();
  formatPrefix(level, clock.nanoseconds());
}

function appendToRing(): void {
  const data = line.data();
  const size = line.size();
  for (let i = 0; i < size; i++) {
    store<u8>(ring + <usize>(ringWritten % <u64>RING_CAPACITY), load<u8>(data + <usize>i));
    ringWritten++;
  }
}

/** Ends a message: appends it to the ring and, by level, to the console. */
export function end(): void {
  if (line.truncated()) linesCut++;
  line.byte(0x0a);
  appendToRing();
  if (currentLevel <= threshold) uart.write(line.data(), line.size());
  unlock();
}

/** Sends the current line, without prefix, to the ring and the console whatever
 *  the level: for lines other programs read (the ready line, test verdicts). */
export function publish(): void {
  line.byte(0x0a);
  appendToRing();
  uart.write(line.data(), line.size());
}

/** Lines that were longer than the line buffer and lost their tail. */
export function cutLines(): u32 { return linesCut; }

/** A warning about one item of a binary structure (a boot-information tag, an
 *  ACPI table entry): "<prefix><text> (<item> type T at offset O, <size> L)". */
export function warnItem(prefix: string, text: string, item: string, type: u32, offset: u32, sizeName: string, size: u32): void {
  begin(Level.Warn);
  line.text(prefix);
  line.text(text);
  line.text(" (");
  line.text(item);
  line.text(" type ");
  line.decimal(type);
  line.text(" at offset ");
  line.decimal(offset);
  line.text(", ");
  line.text(sizeName);
  line.text(" ");
  line.decimal(size);
  line.text(")");
  end();
}

/** One-call form for a fixed message. */
export function message(level: Level, text: string): void {
  begin(level);
  line.text(text);
  end();
}

export function error(text: string): void { message(Level.Error, text); }
export function warn(text: string): void { message(Level.Warn, text); }
export function info(text: string): void { message(Level.Info, text); }
export function debug(text: string): void { message(Level.Debug, text); }

/** Bytes held in the ring (at most its capacity) and total appended. */
export function ringSize(): u32 {
  return ringWritten < <u64>RING_CAPACITY ? <u32>ringWritten : RING_CAPACITY;
}
export function ringTotal(): u64 { return ringWritten; }

/** Copies the i-th byte of the retained log (oldest first). */
export function ringByte(index: u32): u8 {
  const start = ringWritten - <u64>ringSize();
  return load<u8>(ring + <usize>((start + <u64>index) % <u64>RING_CAPACITY));
}

/** Writes the current line straight to the console, bypassing level and ring (panic path). */
export function writeRaw(): void {
  line.byte(0x0a);
  uart.write(line.data(), line.size());
}
