// jsonread.ts — reading JSON request bodies (RFC 8259) without building a tree:
// validate() checks a whole document (every value kind, string escapes, number
// grammar, a nesting limit) in one pass; then the top-level object's members are
// looked up by key: numberField() and stringField() (the string's raw bytes,
// escapes left as they are). Allocation-free, for services and the kernel alike.

const MAX_DEPTH: i32 = 32;

let base: usize = 0;
let end: usize = 0;
let at: usize = 0;

function peek(): u32 { return at < end ? <u32>load<u8>(at) : 0xffff_ffff; }
function skipSpace(): void {
  while (at < end) {
    const c = load<u8>(at);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
    at++;
  }
}
function isDigit(c: u32): bool { return c >= 0x30 && c <= 0x39; }
function isHex(c: u32): bool { return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46); }

function literal(text: string): bool {
  for (let i = 0; i < text.length; i++) {
    if (peek() != <u32>text.charCodeAt(i)) return false;
    at++;
  }
  return true;
}

function stringValue(): bool {
  if (peek() != 0x22) return false;
  at++;
  while (at < end) {
    const c = <u32>load<u8>(at);
    if (c == 0x22) { at++; return true; }
    if (c < 0x20) return false;                                 // control characters must be escaped
    if (c == 0x5c) {
      at++;
      const e = peek();
      if (e == 0x75) {                                           // \\uXXXX
        at++;
        for (let i = 0; i < 4; i++) { if (!isHex(peek())) return false; at++; }
        continue;
      }
      if (e != 0x22 && e != 0x5c && e != 0x2f && e != 0x62 && e != 0x66 && e != 0x6e && e != 0x72 && e != 0x74) return false;
    }
    at++;
  }
  return false;
}

function numberValue(): bool {
  if (peek() == 0x2d) at++;
  if (peek() == 0x30) at++;
  else if (isDigit(peek())) { while (isDigit(peek())) at++; }
  else return false;
  if (peek() == 0x2e) { at++; if (!isDigit(peek())) return false; while (isDigit(peek())) at++; }
  if (peek() == 0x65 || peek() == 0x45) {
    at++;
    if (peek() == 0x2b || peek() == 0x2d) at++;
    if (!isDigit(peek())) return false;
    while (isDigit(peek())) at++;
  }
  return true;
}

function value(depth: i32): bool {
  if (depth > MAX_DEPTH) return false;
  skipSpace();
  const c = peek();
  if (c == 0x22) return stringValue();
  if (c == 0x7b || c == 0x5b) {
    const close: u32 = c == 0x7b ? 0x7d : 0x5d;
    at++;
    skipSpace();
    if (peek() == close) { at++; return true; }
    while (true) {
      if (c == 0x7b) {
        skipSpace();
        if (!stringValue()) return false;
        skipSpace();
        if (peek() != 0x3a) return false;
        at++;
      }
      if (!value(depth + 1)) return false;
      skipSpace();
      if (peek() == 0x2c) { at++; continue; }
      if (peek() == close) { at++; return true; }
      return false;
    }
  }
  if (c == 0x74) return literal("true");
  if (c == 0x66) return literal("false");
  if (c == 0x6e) return literal("null");
  return numberValue();
}

/** Whether the `length` bytes at `document` are one JSON value and nothing else. */
export function validate(document: usize, length: u32): bool {
  base = document;
  end = document + <usize>length;
  at = document;
  if (!value(0)) return false;
  skipSpace();
  return at == end;
}

let foundAt: usize = 0;
let foundLength: u32 = 0;

/** The value of top-level member `key` of a validated object: its place. */
function member(key: string): bool {
  at = base;
  skipSpace();
  if (peek() != 0x7b) return false;
  at++;
  while (true) {
    skipSpace();
    if (peek() != 0x22) return false;
    const keyStart = at + 1;
    stringValue();
    const keyLength = <u32>(at - 1 - keyStart);
    skipSpace();
    at++;                                                        // ':'
    skipSpace();
    const valueStart = at;
    value(1);
    let same = <i32>keyLength == key.length;
    for (let i = 0; same && i < key.length; i++) same = <u32>load<u8>(keyStart + <usize>i) == <u32>key.charCodeAt(i);
    if (same) { foundAt = valueStart; foundLength = <u32>(at - valueStart); return true; }
    skipSpace();
    if (peek() != 0x2c) return false;
    at++;
  }
}

/** The integer value of member `key` (digits with an optional minus), or the
 *  fallback when it is absent or not an integer. */
export function numberField(key: string, fallback: i64): i64 {
  if (!member(key)) return fallback;
  let i: usize = 0;
  let negative = false;
  if (foundLength > 0 && load<u8>(foundAt) == 0x2d) { negative = true; i = 1; }
  if (<u32>i >= foundLength) return fallback;
  let result: i64 = 0;
  for (; i < <usize>foundLength; i++) {
    const c = <u32>load<u8>(foundAt + i);
    if (!isDigit(c) || result > 1_000_000_000_000_000) return fallback;
    result = result * 10 + <i64>(c - 0x30);
  }
  return negative ? -result : result;
}

/** Member `key`'s string: its raw bytes (between the quotes, escapes as written)
 *  at stringAt(), stringLength() long; false when absent or not a string. */
export function stringField(key: string): bool {
  if (!member(key) || foundLength < 2 || load<u8>(foundAt) != 0x22) return false;
  foundAt++;
  foundLength -= 2;
  return true;
}
export function stringAt(): usize { return foundAt; }
export function stringLength(): u32 { return foundLength; }
