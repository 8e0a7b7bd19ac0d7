// crc32c.ts — CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum
// on every piece of file-system metadata and on journal transactions. Table-driven;
// the table is built on first use into static memory (no allocation).
const POLYNOMIAL: u32 = 0x82f63b78;
const table = memory.data(256 * 4);
let ready = false;

function build(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    store<u32>(table + <usize>i * 4, c);
  }
  ready = true;
}

/** Continues a running CRC (start with START, finish with finish()). */
export function update(crc: u32, at: usize, length: usize): u32 {
  if (!ready) build();
  for (let i: usize = 0; i < length; i++) {
    crc = load<u32>(table + <usize>((crc ^ <u32>load<u8>(at + i)) & 0xff) * 4) ^ (crc >>> 8);
  }
  return crc;
}

export const START: u32 = 0xffffffff;
@inline export function finish(crc: u32): u32 { return crc ^ 0xffffffff; }

/** The CRC-32C of `length` bytes at `at` (kernel linear memory). */
export function checksum(at: usize, length: usize): u32 { return finish(update(START, at, length)); }
