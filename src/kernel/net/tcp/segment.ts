// segment.ts — the TCP header (RFC 9293 §3.1) read and written at the boundary,
// and the options AIOS understands: MSS (kind 2) and window scale (kind 3, RFC
// 7323); the rest (SACK-permitted, timestamps, unknown kinds) are skipped by their
// length. Option lists that run past the header are malformed.
//   header: source port u16 | destination port u16 | seq u32 | ack u32 |
//           data offset u4, reserved u4 | flags u8 | window u16 | checksum u16 |
//           urgent pointer u16 | options (data offset * 4 - 20 bytes)
import { get16, get32 } from "../bytes";

export const HEADER: u32 = 20;
export const FIN: u8 = 0x01;
export const SYN: u8 = 0x02;
export const RST: u8 = 0x04;
export const PSH: u8 = 0x08;
export const ACK: u8 = 0x10;
export const URG: u8 = 0x20;

export const OPTION_END: u8 = 0;
export const OPTION_NOP: u8 = 1;
export const OPTION_MSS: u8 = 2;
export const OPTION_WINDOW_SCALE: u8 = 3;
export const MAX_WINDOW_SCALE: u32 = 14;            // RFC 7323 §2.3
export const DEFAULT_MSS: u32 = 536;                 // RFC 9293 §3.7.1, when the peer sends none

export function sourcePort(s: usize): u16 { return get16(s); }
export function destinationPort(s: usize): u16 { return get16(s + 2); }
export function sequence(s: usize): u32 { return get32(s + 4); }
export function acknowledgment(s: usize): u32 { return get32(s + 8); }
export function headerLength(s: usize): u32 { return <u32>(load<u8>(s + 12) >> 4) * 4; }
export function flags(s: usize): u8 { return load<u8>(s + 13) & 0x3f; }
export function window(s: usize): u32 { return <u32>get16(s + 14); }

let parsedMss: u32 = 0;
let parsedScale: i32 = -1;

/** The MSS option of the last parse(), 0 when absent. */
export function optionMss(): u32 { return parsedMss; }
/** The window-scale option of the last parse(), -1 when absent. */
export function optionScale(): i32 { return parsedScale; }

/** Reads the options of the segment at `s` (header already length-checked).
 *  False when an option runs past the header or has an impossible length. */
export function parseOptions(s: usize): bool {
  parsedMss = 0;
  parsedScale = -1;
  const end = s + <usize>headerLength(s);
  let at = s + <usize>HEADER;
  while (at < end) {
    const kind = load<u8>(at);
    if (kind == OPTION_END) break;
    if (kind == OPTION_NOP) { at++; continue; }
    if (at + 1 >= end) return false;
    const length = <usize>load<u8>(at + 1);
    if (length < 2 || at + length > end) return false;
    if (kind == OPTION_MSS) {
      if (length != 4) return false;
      parsedMss = <u32>get16(at + 2);
    } else if (kind == OPTION_WINDOW_SCALE) {
      if (length != 3) return false;
      const shift = <u32>load<u8>(at + 2);
      parsedScale = <i32>(shift > MAX_WINDOW_SCALE ? MAX_WINDOW_SCALE : shift);   // §2.3: clamp, do not refuse
    }
    at += length;
  }
  return true;
}

/** Sequence space the segment occupies: its data, plus one each for SYN and FIN. */
export function spaceOf(flagBits: u8, dataLength: u32): u32 {
  return dataLength + ((flagBits & SYN) != 0 ? 1 : 0) + ((flagBits & FIN) != 0 ? 1 : 0);
}
