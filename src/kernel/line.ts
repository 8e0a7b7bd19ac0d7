// line.ts — builds one line of text in a fixed buffer, without allocating: the
// kernel has no garbage collector, so every message is assembled here from string
// literals and numbers and then handed to the log or the console.
// Not re-entrant: a fault while a line is being built loses that line, and the
// panic path starts a fresh one.

const CAPACITY: i32 = 512;
const buffer = memory.data(CAPACITY);
let length: i32 = 0;
let overflowed = false;

const HEX_DIGITS = "0123456789abcdef";
const CHAR_QUESTION: u8 = 0x3f;

export function reset(): void {
  length = 0;
  overflowed = false;
}

export function data(): usize { return buffer; }
export function size(): i32 { return length; }
export function truncated(): bool { return overflowed; }

export function byte(value: u8): void {
  if (length < CAPACITY) {
    store<u8>(buffer + <usize>length, value);
    length++;
  } else {
    overflowed = true;
  }
}

/** Appends a string; characters outside ASCII become '?'. */
export function text(value: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    byte(c < 0x80 ? <u8>c : CHAR_QUESTION);
  }
}

/** Appends `count` bytes from linear memory, replacing control and non-ASCII bytes. */
export function bytes(source: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const c = load<u8>(source + <usize>i);
    byte(c >= 0x20 && c < 0x7f ? c : CHAR_QUESTION);
  }
}

export function decimal(value: u64): void {
  padded(value, 0, 0x20);
}

export function signed(value: i64): void {
  if (value < 0) {
    byte(0x2d);
    decimal(<u64>(-value));
  } else {
    decimal(<u64>value);
  }
}

/** Decimal, right-aligned in `width` columns filled with `fill`. */
export function padded(value: u64, width: i32, fill: u8): void {
  let digits = 1;
  for (let v = value / 10; v != 0; v /= 10) digits++;
  for (let i = digits; i < width; i++) byte(fill);
  let divisor: u64 = 1;
  for (let i = 1; i < digits; i++) divisor *= 10;
  for (; divisor != 0; divisor /= 10) byte(<u8>(0x30 + (value / divisor) % 10));
}

/** "0x" and lowercase hex; at least `minDigits` digits (zero-filled). */
export function hex(value: u64, minDigits: i32 = 1): void {
  text("0x");
  hexDigits(value, minDigits);
}

/** Lowercase hex without a prefix, at least `minDigits` digits (zero-filled):
 *  PCI addresses, MAC addresses. */
export function hexDigits(value: u64, minDigits: i32): void {
  let digits = 1;
  for (let v = value >> 4; v != 0; v >>= 4) digits++;
  if (digits < minDigits) digits = minDigits;
  for (let i = digits - 1; i >= 0; i--) {
    byte(<u8>HEX_DIGITS.charCodeAt(<i32>((value >> (<u64>i * 4)) & 0xf)));
  }
}
