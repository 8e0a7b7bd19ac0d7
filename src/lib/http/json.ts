// json.ts — a JSON writer (RFC 8259) into a caller's buffer, allocation-free:
// objects, arrays, keys, strings (escaped: quote, backslash, control characters,
// and bytes >= 0x80 that are not valid UTF-8 as U+FFFD), integers and booleans.
// Commas are placed by a nesting stack of "first element" bits. Writing past the
// buffer's end is never done: the writer stops and overflowed() says so.

const MAX_DEPTH: i32 = 32;

let base: usize = 0;
let capacity: u32 = 0;
let position: u32 = 0;
let overflow = false;
let depth: i32 = 0;
let firstBits: u32 = 0;          // bit d: nothing written yet at depth d
let afterKey = false;

export function begin(buffer: usize, bytes: u32): void {
  base = buffer;
  capacity = bytes;
  position = 0;
  overflow = false;
  depth = 0;
  firstBits = 1;
  afterKey = false;
}

export function length(): u32 { return position; }
export function overflowed(): bool { return overflow; }
export function room(): u32 { return capacity - position; }

function byte(c: u32): void {
  if (position >= capacity) { overflow = true; return; }
  store<u8>(base + <usize>position, <u8>c);
  position++;
}

export function raw(value: string): void { for (let i = 0; i < value.length; i++) byte(<u32>value.charCodeAt(i)); }

function separate(): void {
  if (afterKey) { afterKey = false; return; }
  if ((firstBits & (<u32>1 << <u32>depth)) != 0) firstBits &= ~(<u32>1 << <u32>depth);
  else byte(0x2c);
}

function open(c: u32): void {
  separate();
  byte(c);
  if (depth < MAX_DEPTH - 1) depth++;
  firstBits |= <u32>1 << <u32>depth;
}

function close(c: u32): void {
  firstBits &= ~(<u32>1 << <u32>depth);
  if (depth > 0) depth--;
  byte(c);
}

export function objectBegin(): void { open(0x7b); }
export function objectEnd(): void { close(0x7d); }
export function arrayBegin(): void { open(0x5b); }
export function arrayEnd(): void { close(0x5d); }

const HEX = "0123456789abcdef";

function escapedByte(c: u32): void {
  if (c == 0x22) { byte(0x5c); byte(0x22); return; }
  if (c == 0x5c) { byte(0x5c); byte(0x5c); return; }
  if (c == 0x0a) { byte(0x5c); byte(0x6e); return; }
  if (c == 0x0d) { byte(0x5c); byte(0x72); return; }
  if (c == 0x09) { byte(0x5c); byte(0x74); return; }
  if (c < 0x20 || c == 0x7f) {
    byte(0x5c); byte(0x75); byte(0x30); byte(0x30);
    byte(<u32>HEX.charCodeAt(<i32>(c >> 4))); byte(<u32>HEX.charCodeAt(<i32>(c & 0xf)));
    return;
  }
  byte(c);
}

/** The length of the valid UTF-8 sequence at `at` (within `left` bytes), or 0. */
function utf8Length(at: usize, left: u32): u32 {
  const c = <u32>load<u8>(at);
  let n: u32 = 0;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) n = 3;
  else if (c >= 0xf0 && c <= 0xf4) n = 4;
  else return 0;
  if (n > left) return 0;
  for (let i: u32 = 1; i < n; i++) if ((<u32>load<u8>(at + <usize>i) & 0xc0) != 0x80) return 0;
  return n;
}

/** A string value from `bytes` bytes of (UTF-8) memory at `at`. */
export function stringFrom(at: usize, bytes: u32): void {
  separate();
  byte(0x22);
  let i: u32 = 0;
  while (i < bytes) {
    const c = <u32>load<u8>(at + <usize>i);
    if (c < 0x80) { escapedByte(c); i++; continue; }
    const n = utf8Length(at + <usize>i, bytes - i);
    if (n == 0) { byte(0xef); byte(0xbf); byte(0xbd); i++; continue; }   // U+FFFD for a stray byte
    for (let k: u32 = 0; k < n; k++) byte(<u32>load<u8>(at + <usize>(i + k)));
    i += n;
  }
  byte(0x22);
}

/** A string value written in pieces: stringOpen(), stringByte() per byte (ASCII
 *  escaped, other bytes as they are), stringClose(). */
export function stringOpen(): void { separate(); byte(0x22); }
export function stringByte(c: u32): void { if (c < 0x80) escapedByte(c); else byte(c); }
export function stringClose(): void { byte(0x22); }
/** What stringByte(c) writes, in bytes. */
export function escapedSize(c: u32): u32 {
  if (c == 0x22 || c == 0x5c || c == 0x0a || c == 0x0d || c == 0x09) return 2;
  if (c < 0x20 || c == 0x7f) return 6;
  return 1;
}

export function text(value: string): void {
  separate();
  byte(0x22);
  for (let i = 0; i < value.length; i++) escapedByte(<u32>value.charCodeAt(i));
  byte(0x22);
}

export function key(name: string): void {
  separate();
  byte(0x22);
  raw(name);
  byte(0x22);
  byte(0x3a);
  afterKey = true;
}

function digits(value: u64): void {
  if (value >= 10) digits(value / 10);
  byte(<u32>(value % 10) + 0x30);
}

export function unsigned(value: u64): void { separate(); digits(value); }
export function signed(value: i64): void {
  separate();
  if (value < 0) { byte(0x2d); digits(<u64>(-value)); } else digits(<u64>value);
}
export function boolean(value: bool): void { separate(); raw(value ? "true" : "false"); }
export function nullValue(): void { separate(); raw("null"); }

/** A string of hex digits for `bytes` bytes at `at` (digests). */
export function hexString(at: usize, bytes: u32): void {
  separate();
  byte(0x22);
  for (let i: u32 = 0; i < bytes; i++) {
    const b = <u32>load<u8>(at + <usize>i);
    byte(<u32>HEX.charCodeAt(<i32>(b >> 4)));
    byte(<u32>HEX.charCodeAt(<i32>(b & 0xf)));
  }
  byte(0x22);
}

/** A dotted IPv4 address as a string. */
export function ipv4(address: u32): void {
  separate();
  byte(0x22);
  digits(<u64>(address >> 24)); byte(0x2e);
  digits(<u64>((address >> 16) & 0xff)); byte(0x2e);
  digits(<u64>((address >> 8) & 0xff)); byte(0x2e);
  digits(<u64>(address & 0xff));
  byte(0x22);
}

// key-value shorthands
export function fieldString(name: string, value: string): void { key(name); text(value); }
export function fieldUnsigned(name: string, value: u64): void { key(name); unsigned(value); }
export function fieldSigned(name: string, value: i64): void { key(name); signed(value); }
export function fieldBoolean(name: string, value: bool): void { key(name); boolean(value); }
