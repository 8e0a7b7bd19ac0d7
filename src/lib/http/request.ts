// request.ts — an HTTP/1.1 request head (RFC 9112 §2-§7, RFC 9110) parsed at the
// boundary into one record: method, target, version, and the fields that decide
// framing and the connection (Content-Length, Transfer-Encoding, Connection,
// Expect, Host). What breaks the grammar or the limits is named by the status a
// server answers with (400, 414, 431, 501, 505), never guessed around: two
// different Content-Lengths, a Transfer-Encoding other than chunked, a field
// name with spaces before the colon (§5.1), a missing Host in HTTP/1.1 (§3.2).
// A bare LF ends a line as well as CRLF (§2.2 allows recipients to accept it).

export const MAX_HEAD: u32 = 8192;             // request line and fields together
export const MAX_TARGET: u32 = 2048;
export const MAX_FIELDS: u32 = 64;

export const enum Method { Unknown = 0, Get = 1, Head = 2, Post = 3, Put = 4, Delete = 5, Options = 6 }

// Parsed fields of the last parse() (one request at a time, under the kernel lock)
let method: Method = Method.Unknown;
let targetAt: usize = 0;
let targetLength: u32 = 0;
let minor: u32 = 1;
let contentLength: i64 = -1;
let chunked = false;
let closeAsked = false;
let keepAliveAsked = false;
let expectContinue = false;
let hostSeen = false;
let headBytes: u32 = 0;

export function requestMethod(): Method { return method; }
export function target(): usize { return targetAt; }
export function targetBytes(): u32 { return targetLength; }
export function minorVersion(): u32 { return minor; }
/** The declared body length, -1 when there is none (or it is chunked). */
export function bodyLength(): i64 { return contentLength; }
export function isChunked(): bool { return chunked; }
export function wantsContinue(): bool { return expectContinue; }
/** Bytes the head took, terminating empty line included. */
export function headLength(): u32 { return headBytes; }
/** RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive". */
export function keepAlive(): bool { return minor >= 1 ? !closeAsked : keepAliveAsked && !closeAsked; }

/** Where the head's empty line ends within `length` bytes at `at`: the head's
 *  length, or 0 when it has not all arrived. */
export function findEnd(at: usize, length: u32): u32 {
  for (let i: u32 = 0; i < length; i++) {
    if (load<u8>(at + <usize>i) != 0x0a) continue;         // LF
    if (i + 1 < length && load<u8>(at + <usize>i + 1) == 0x0a) return i + 2;
    if (i + 2 < length && load<u8>(at + <usize>i + 1) == 0x0d && load<u8>(at + <usize>i + 2) == 0x0a) return i + 3;
  }
  return 0;
}

function lower(c: u32): u32 { return c >= 0x41 && c <= 0x5a ? c + 0x20 : c; }

/** Whether the `length` bytes at `at` equal lowercase ASCII `name` ignoring case. */
function equalsFold(at: usize, length: u32, name: string): bool {
  if (<i32>length != name.length) return false;
  for (let i = 0; i < name.length; i++) if (lower(<u32>load<u8>(at + <usize>i)) != <u32>name.charCodeAt(i)) return false;
  return true;
}

function isTokenChar(c: u32): bool {
  // RFC 9110 §5.6.2 tchar
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return true;
  return c == 0x21 || c == 0x23 || c == 0x24 || c == 0x25 || c == 0x26 || c == 0x27 || c == 0x2a || c == 0x2b
    || c == 0x2d || c == 0x2e || c == 0x5e || c == 0x5f || c == 0x60 || c == 0x7c || c == 0x7e;
}

function methodOf(at: usize, length: u32): Method {
  if (length == 3 && load<u8>(at) == 0x47 && load<u8>(at + 1) == 0x45 && load<u8>(at + 2) == 0x54) return Method.Get;
  if (length == 4 && load<u32>(at) == 0x44414548) return Method.Head;      // "HEAD"
  if (length == 4 && load<u32>(at) == 0x54534f50) return Method.Post;      // "POST"
  if (length == 3 && load<u8>(at) == 0x50 && load<u8>(at + 1) == 0x55 && load<u8>(at + 2) == 0x54) return Method.Put;
  if (length == 6 && load<u32>(at) == 0x454c4544 && load<u16>(at + 4) == 0x4554) return Method.Delete;   // "DELETE"
  if (length == 7 && load<u32>(at) == 0x4954504f && load<u16>(at + 4) == 0x4e4f && load<u8>(at + 6) == 0x53) return Method.Options;
  return Method.Unknown;
}

/** Parses a comma list's tokens in a Connection value for close / keep-alive. */
function connectionTokens(at: usize, length: u32): void {
  let i: u32 = 0;
  while (i < length) {
    while (i < length && (load<u8>(at + <usize>i) == 0x20 || load<u8>(at + <usize>i) == 0x09 || load<u8>(at + <usize>i) == 0x2c)) i++;
    const start = i;
    while (i < length && load<u8>(at + <usize>i) != 0x2c && load<u8>(at + <usize>i) != 0x20 && load<u8>(at + <usize>i) != 0x09) i++;
    if (equalsFold(at + <usize>start, i - start, "close")) closeAsked = true;
    else if (equalsFold(at + <usize>start, i - start, "keep-alive")) keepAliveAsked = true;
  }
}

/** Decimal digits only (§8.6): the value, or -1 for anything else or past 2^53. */
function decimal(at: usize, length: u32): i64 {
  if (length == 0 || length > 15) return -1;
  let value: i64 = 0;
  for (let i: u32 = 0; i < length; i++) {
    const c = <u32>load<u8>(at + <usize>i);
    if (c < 0x30 || c > 0x39) return -1;
    value = value * 10 + <i64>(c - 0x30);
  }
  return value;
}

/** Parses the head of `length` bytes at `at` (as findEnd() measured it): 0 when
 *  it is a request this server can act on, else the status to answer with. */
export function parse(at: usize, length: u32): u32 {
  method = Method.Unknown;
  targetAt = 0;
  targetLength = 0;
  minor = 1;
  contentLength = -1;
  chunked = false;
  closeAsked = false;
  keepAliveAsked = false;
  expectContinue = false;
  hostSeen = false;
  headBytes = length;
  let i: u32 = 0;
  // RFC 9112 §2.2: empty lines before the request line are ignored
  while (i < length && (load<u8>(at + <usize>i) == 0x0d || load<u8>(at + <usize>i) == 0x0a)) i++;
  const methodStart = i;
  while (i < length && isTokenChar(<u32>load<u8>(at + <usize>i))) i++;
  if (i == methodStart || i >= length || load<u8>(at + <usize>i) != 0x20) return 400;
  method = methodOf(at + <usize>methodStart, i - methodStart);
  i++;
  const targetStart = i;
  while (i < length && load<u8>(at + <usize>i) > 0x20 && load<u8>(at + <usize>i) < 0x7f) i++;
  if (i - targetStart > MAX_TARGET) return 414;
  if (i == targetStart || i >= length || load<u8>(at + <usize>i) != 0x20) return 400;
  targetAt = at + <usize>targetStart;
  targetLength = i - targetStart;
  i++;
  // HTTP/1.x
  if (i + 8 > length || load<u32>(at + <usize>i) != 0x50545448 || load<u8>(at + <usize>i + 4) != 0x2f) return 400;   // "HTTP/"
  const major = <u32>load<u8>(at + <usize>i + 5);
  const dot = load<u8>(at + <usize>i + 6);
  const minorChar = <u32>load<u8>(at + <usize>i + 7);
  if (major < 0x30 || major > 0x39 || dot != 0x2e || minorChar < 0x30 || minorChar > 0x39) return 400;
  if (major != 0x31) return 505;
  minor = minorChar - 0x30;
  i += 8;
  if (i < length && load<u8>(at + <usize>i) == 0x0d) i++;
  if (i >= length || load<u8>(at + <usize>i) != 0x0a) return 400;
  i++;
  // fields
  let fields: u32 = 0;
  let transferEncodingSeen = false;
  while (i < length) {
    let c = load<u8>(at + <usize>i);
    if (c == 0x0d && i + 1 < length && load<u8>(at + <usize>i + 1) == 0x0a) { i += 2; break; }   // the empty line
    if (c == 0x0a) { i++; break; }
    if (c == 0x20 || c == 0x09) return 400;                  // obsolete line folding (§5.2): refused
    if (++fields > MAX_FIELDS) return 431;
    const nameStart = i;
    while (i < length && isTokenChar(<u32>load<u8>(at + <usize>i))) i++;
    if (i == nameStart || i >= length || load<u8>(at + <usize>i) != 0x3a) return 400;   // no whitespace before ':'
    const nameLength = i - nameStart;
    i++;
    while (i < length && (load<u8>(at + <usize>i) == 0x20 || load<u8>(at + <usize>i) == 0x09)) i++;
    const valueStart = i;
    while (i < length && load<u8>(at + <usize>i) != 0x0d && load<u8>(at + <usize>i) != 0x0a) {
      c = load<u8>(at + <usize>i);
      if (c == 0 || (c < 0x20 && c != 0x09) || c == 0x7f) return 400;   // control characters (§5.5)
      i++;
    }
    let valueEnd = i;
    while (valueEnd > valueStart && (load<u8>(at + <usize>valueEnd - 1) == 0x20 || load<u8>(at + <usize>valueEnd - 1) == 0x09)) valueEnd--;
    if (i < length && load<u8>(at + <usize>i) == 0x0d) i++;
    if (i >= length || load<u8>(at + <usize>i) != 0x0a) return 400;
    i++;
    const name = at + <usize>nameStart;
    const value = at + <usize>valueStart;
    const valueLength = valueEnd - valueStart;
    if (equalsFold(name, nameLength, "content-length")) {
      const n = decimal(value, valueLength);
      if (n < 0 || (contentLength >= 0 && contentLength != n)) return 400;
      contentLength = n;
    } else if (equalsFold(name, nameLength, "transfer-encoding")) {
      if (!equalsFold(value, valueLength, "chunked") || transferEncodingSeen) return 501;
      transferEncodingSeen = true;
      chunked = true;
    } else if (equalsFold(name, nameLength, "connection")) {
      connectionTokens(value, valueLength);
    } else if (equalsFold(name, nameLength, "expect")) {
      if (!equalsFold(value, valueLength, "100-continue")) return 417;
      expectContinue = true;
    } else if (equalsFold(name, nameLength, "host")) {
      if (hostSeen) return 400;                               // §3.2: exactly one Host
      hostSeen = true;
    }
  }
  if (chunked && contentLength >= 0) return 400;              // §6.3: both is a smuggling attempt; refuse
  if (chunked && minor == 0) return 400;
  if (minor >= 1 && !hostSeen) return 400;
  if (method == Method.Unknown) return 501;
  return 0;
}

// ---- the target: its path and query
/** The length of the target's path (up to '?' or '#'). */
export function pathLength(): u32 {
  for (let i: u32 = 0; i < targetLength; i++) {
    const c = load<u8>(targetAt + <usize>i);
    if (c == 0x3f || c == 0x23) return i;
  }
  return targetLength;
}

/** Whether the path equals `path`. */
export function pathIs(path: string): bool {
  const n = pathLength();
  if (<i32>n != path.length) return false;
  for (let i = 0; i < path.length; i++) if (<u32>load<u8>(targetAt + <usize>i) != <u32>path.charCodeAt(i)) return false;
  return true;
}

/** Whether the path starts with `prefix`; its rest is then pathRest(). */
export function pathStartsWith(prefix: string): bool {
  const n = pathLength();
  if (<i32>n < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (<u32>load<u8>(targetAt + <usize>i) != <u32>prefix.charCodeAt(i)) return false;
  return true;
}

/** The decimal number the path ends with after `prefix`, or -1. */
export function pathNumberAfter(prefix: string): i64 {
  return decimal(targetAt + <usize>prefix.length, pathLength() - <u32>prefix.length);
}

let valueAt: usize = 0;
let valueBytes: u32 = 0;

/** Finds query parameter `name` (name=value, between '?' or '&' and '&' or the
 *  end): true, with its raw bytes at queryValueAt(), queryValueBytes() long. */
export function queryValue(name: string): bool {
  const start = pathLength();
  if (start >= targetLength || load<u8>(targetAt + <usize>start) != 0x3f) return false;
  let i = start + 1;
  while (i < targetLength) {
    let end = i;
    while (end < targetLength && load<u8>(targetAt + <usize>end) != 0x26) end++;
    const pairLength = end - i;
    if (pairLength > <u32>name.length && load<u8>(targetAt + <usize>i + <usize>name.length) == 0x3d) {
      let same = true;
      for (let k = 0; k < name.length; k++) if (<u32>load<u8>(targetAt + <usize>i + <usize>k) != <u32>name.charCodeAt(k)) { same = false; break; }
      if (same) {
        valueAt = targetAt + <usize>i + <usize>name.length + 1;
        valueBytes = pairLength - <u32>name.length - 1;
        return true;
      }
    }
    i = end + 1;
  }
  return false;
}
export function queryValueAt(): usize { return valueAt; }
export function queryValueBytes(): u32 { return valueBytes; }

/** The decimal value of query parameter `name` (name=123), or -1. */
export function queryNumber(name: string): i64 {
  return queryValue(name) ? decimal(valueAt, valueBytes) : -1;
}
