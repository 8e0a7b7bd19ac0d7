// chunked.ts — the chunked transfer coding (RFC 9112 §7.1) decoded as bytes
// arrive, in any split: chunk-size in hex (extensions skipped, at most 15 hex
// digits), CRLF, the data, CRLF, ..., a zero-size chunk, trailer fields (skipped),
// the empty line. One decoder state per connection, in a caller's 16 bytes:
//   state u32 | line bytes u32 | remaining u64
// step() tells the caller how much of its input is body data and where.

export const STATE_BYTES: usize = 16;
const MAX_SIZE_DIGITS: u32 = 15;
const MAX_LINE: u32 = 4096;                    // an extension or trailer line longer than this is refused

export const enum Phase { Size = 0, Extension = 1, SizeEnd = 2, Data = 3, DataCr = 4, DataLf = 5, Trailer = 6, TrailerLine = 7, Done = 8, Error = 9 }

export function start(state: usize): void {
  store<u32>(state, Phase.Size);
  store<u32>(state + 4, 0);
  store<u64>(state + 8, 0);
}

export function phase(state: usize): Phase { return <Phase>load<u32>(state); }
export function done(state: usize): bool { return load<u32>(state) == Phase.Done; }
export function failed(state: usize): bool { return load<u32>(state) == Phase.Error; }

function hex(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30);
  if (c >= 0x61 && c <= 0x66) return <i32>(c - 0x61 + 10);
  if (c >= 0x41 && c <= 0x46) return <i32>(c - 0x41 + 10);
  return -1;
}

let dataAt: u32 = 0;
let dataLength: u32 = 0;

/** Where the data the last step() found starts in its input, and how long it is. */
export function dataOffset(): u32 { return dataAt; }
export function dataBytes(): u32 { return dataLength; }

/** Consumes input at `at` (up to `length` bytes) until it meets chunk data, the
 *  end, or an error: the bytes consumed. When data was met, dataOffset() and
 *  dataBytes() name it (it is included in the count). */
export function step(state: usize, at: usize, length: u32): u32 {
  dataLength = 0;
  let p = load<u32>(state);
  let line = load<u32>(state + 4);
  let remaining = load<u64>(state + 8);
  let i: u32 = 0;
  while (i < length && p != Phase.Done && p != Phase.Error) {
    const c = <u32>load<u8>(at + <usize>i);
    if (p == Phase.Size) {
      const digit = hex(c);
      if (digit >= 0) {
        if (++line > MAX_SIZE_DIGITS) { p = Phase.Error; break; }
        remaining = (remaining << 4) | <u64>digit;
        i++;
        continue;
      }
      if (line == 0) { p = Phase.Error; break; }               // no digits at all
      if (c == 0x3b || c == 0x20 || c == 0x09) { p = Phase.Extension; line = 0; i++; continue; }
      if (c == 0x0d) { p = Phase.SizeEnd; i++; continue; }
      if (c == 0x0a) { i++; p = remaining == 0 ? Phase.Trailer : Phase.Data; line = 0; continue; }
      p = Phase.Error;
      break;
    }
    if (p == Phase.Extension) {
      if (c == 0x0a) { i++; p = remaining == 0 ? Phase.Trailer : Phase.Data; line = 0; continue; }
      if (++line > MAX_LINE) { p = Phase.Error; break; }
      if (c == 0x0d) p = Phase.SizeEnd;
      i++;
      continue;
    }
    if (p == Phase.SizeEnd) {
      if (c != 0x0a) { p = Phase.Error; break; }
      i++;
      p = remaining == 0 ? Phase.Trailer : Phase.Data;
      line = 0;
      continue;
    }
    if (p == Phase.Data) {
      const available = <u64>(length - i);
      const take = <u32>(remaining < available ? remaining : available);
      dataAt = i;
      dataLength = take;
      i += take;
      remaining -= <u64>take;
      if (remaining == 0) p = Phase.DataCr;
      break;                                                   // hand the data to the caller
    }
    if (p == Phase.DataCr) {
      if (c == 0x0d) { p = Phase.DataLf; i++; continue; }
      if (c == 0x0a) { p = Phase.Size; line = 0; i++; continue; }
      p = Phase.Error;
      break;
    }
    if (p == Phase.DataLf) {
      if (c != 0x0a) { p = Phase.Error; break; }
      p = Phase.Size;
      line = 0;
      i++;
      continue;
    }
    if (p == Phase.Trailer) {                                  // at the start of a trailer line
      if (c == 0x0d) { i++; continue; }
      if (c == 0x0a) { p = Phase.Done; i++; break; }
      p = Phase.TrailerLine;
      line = 0;
      continue;
    }
    if (p == Phase.TrailerLine) {
      if (++line > MAX_LINE) { p = Phase.Error; break; }
      if (c == 0x0a) p = Phase.Trailer;
      i++;
      continue;
    }
  }
  store<u32>(state, p);
  store<u32>(state + 4, line);
  store<u64>(state + 8, remaining);
  return i;
}
