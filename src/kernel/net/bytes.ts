// bytes.ts — network byte order (big-endian) loads and stores in kernel memory,
// and the Internet checksum (RFC 1071) every IPv4 protocol uses.

export function get16(at: usize): u16 { return (<u16>load<u8>(at) << 8) | <u16>load<u8>(at + 1); }
export function get32(at: usize): u32 { return (<u32>get16(at) << 16) | <u32>get16(at + 2); }
export function put16(at: usize, value: u16): void { store<u8>(at, <u8>(value >> 8)); store<u8>(at + 1, <u8>value); }
export function put32(at: usize, value: u32): void { put16(at, <u16>(value >> 16)); put16(at + 2, <u16>value); }
export function copy(to: usize, from: usize, length: u32): void { memory.copy(to, from, <usize>length); }
export function sameMac(a: usize, b: usize): bool {
  return load<u32>(a) == load<u32>(b) && load<u16>(a + 4) == load<u16>(b + 4);
}

/** Adds `length` bytes at `at` as big-endian 16-bit words to a running sum. */
export function sum(at: usize, length: u32, running: u32): u32 {
  let total = <u64>running;
  let i: u32 = 0;
  for (; i + 1 < length; i += 2) total += <u64>get16(at + <usize>i);
  if (i < length) total += <u64>load<u8>(at + <usize>i) << 8;
  while ((total >> 16) != 0) total = (total & 0xffff) + (total >> 16);
  return <u32>total;
}

/** The checksum field for a running sum: its ones' complement. */
export function finish(running: u32): u16 {
  let total = running;
  while ((total >> 16) != 0) total = (total & 0xffff) + (total >> 16);
  return <u16>~total;
}

/** The pseudo-header sum TCP and UDP checksums start from (RFC 768, 793). */
export function pseudoHeader(source: u32, destination: u32, protocol: u8, length: u32): u32 {
  return (source >> 16) + (source & 0xffff) + (destination >> 16) + (destination & 0xffff) + <u32>protocol + length;
}
