// mlkem-poly.ts — arithmetic on ML-KEM's polynomials (FIPS 203 §4.3): the ring
// Z_q[X]/(X^256 + 1) with q = 3329, its number-theoretic transform, the
// centred-binomial and uniform samplers, and the byte codings (ByteEncode /
// ByteDecode, Compress / Decompress). A polynomial is 256 × i16 (POLY_BYTES) in
// linear memory; callers own the memory.
//
// Representation: coefficients are kept in (-q, q) between steps and reduced with
// Barrett; products use Montgomery reduction with R = 2^16, so that an NTT-domain
// product carries a factor R^-1, which toMont() or invNtt() (its final scaling by
// R^2/128) cancels. Constant time: nothing here branches on, or indexes a table
// by, a coefficient; only sampleUniform's rejection depends on its (public) seed.

export const N: usize = 256;
export const Q: i32 = 3329;
export const POLY_BYTES: usize = 512;

const QINV: i32 = -3327;                 // q^-1 mod 2^16, as a signed 16-bit value
const BARRETT_V: i32 = 20159;            // round(2^26 / q)
const BARRETT_SHIFT: i32 = 26;
const MONT_SQUARED: i32 = 1353;          // R^2 mod q: fqmul by it moves into the Montgomery domain
const INV_NTT_SCALE: i32 = 1441;         // R^2 / 128 mod q: undoes invNtt's 2^7 growth and basemul's R^-1
const HALF_Q: u64 = 1664;                // ⌊q/2⌋, the rounding term of Compress
const COMPRESS_RECIPROCAL: u64 = 20642679; // ⌈2^36 / q⌉: ⌊n/q⌋ = (n × this) >> 36 for every n < 2^23 (checked exhaustively)
const COMPRESS_SHIFT: u64 = 36;
const UNIFORM_BOUND: i32 = 3329;

// ζ^BitRev7(i) × R mod q for ζ = 17, centred (FIPS 203 §4.3, Appendix A), in the
// order the in-place transform uses them.
const ZETAS = memory.data<i16>([
  -1044, -758, -359, -1517, 1493, 1422, 287, 202, -171, 622, 1577, 182, 962, -1202, -1474, 1468,
  573, -1325, 264, 383, -829, 1458, -1602, -130, -681, 1017, 732, 608, -1542, 411, -205, -1571,
  1223, 652, -552, 1015, -1293, 1491, -282, -1544, 516, -8, -320, -666, -1618, -1162, 126, 1469,
  -853, -90, -271, 830, 107, -1421, -247, -951, -398, 961, -1508, -725, 448, -1065, 677, -1275,
  -1103, 430, 555, 843, -1251, 871, 1550, 105, 422, 587, 177, -235, -291, -460, 1574, 1653,
  -246, 778, 1159, -147, -777, 1483, -602, 1119, -1590, 644, -872, 349, 418, 329, -156, -75,
  817, 1097, 603, 610, 1322, -1285, -1465, 384, -1215, -136, 1218, -1335, -874, 220, -1187, -1659,
  -1185, -1530, -1278, 794, -1510, -854, -870, 478, -108, -308, 996, 991, 958, -1460, 1522, 1628,
]);

// @ts-ignore: decorator
@inline function at(poly: usize, index: usize): usize { return poly + (index << 1); }
// @ts-ignore: decorator
@inline function get(poly: usize, index: usize): i32 { return <i32>load<i16>(at(poly, index)); }
// @ts-ignore: decorator
@inline function set(poly: usize, index: usize, value: i32): void { store<i16>(at(poly, index), <i16>value); }
// @ts-ignore: decorator
@inline function zeta(index: usize): i32 { return <i32>load<i16>(ZETAS + (index << 1)); }

/** a × R^-1 mod q, in (-q, q), for |a| < q × 2^15. */
// @ts-ignore: decorator
@inline export function montgomeryReduce(a: i32): i32 {
  const t = <i32><i16>(a * QINV);
  return (a - t * Q) >> 16;
}

/** a mod q, centred in [-(q-1)/2, (q-1)/2], for any i16 a. */
// @ts-ignore: decorator
@inline export function barrettReduce(a: i32): i32 {
  const t = (BARRETT_V * a + (1 << (BARRETT_SHIFT - 1))) >> BARRETT_SHIFT;
  return a - t * Q;
}

// @ts-ignore: decorator
@inline function fqmul(a: i32, b: i32): i32 { return montgomeryReduce(a * b); }

/** [0, q) from a centred value: adds q when negative, without a branch. */
// @ts-ignore: decorator
@inline function canonical(a: i32): i32 { return a + ((a >> 31) & Q); }

/** FIPS 203 Algorithm 9 (NTT), in place; output in bit-reversed order, reduced. */
export function ntt(poly: usize): void {
  let k: usize = 1;
  for (let length: usize = 128; length >= 2; length >>= 1) {
    for (let start: usize = 0; start < N; start += length << 1) {
      const z = zeta(k++);
      for (let j = start; j < start + length; j++) {
        const t = fqmul(z, get(poly, j + length));
        const a = get(poly, j);
        set(poly, j + length, a - t);
        set(poly, j, a + t);
      }
    }
  }
  reduce(poly);
}

/** FIPS 203 Algorithm 10 (NTT^-1), in place, times R (the basemul factor R^-1 cancels). */
export function invNtt(poly: usize): void {
  let k: usize = 127;
  for (let length: usize = 2; length <= 128; length <<= 1) {
    for (let start: usize = 0; start < N; start += length << 1) {
      const z = zeta(k--);
      for (let j = start; j < start + length; j++) {
        const a = get(poly, j);
        const b = get(poly, j + length);
        set(poly, j, barrettReduce(a + b));
        set(poly, j + length, fqmul(z, b - a));
      }
    }
  }
  for (let j: usize = 0; j < N; j++) set(poly, j, fqmul(get(poly, j), INV_NTT_SCALE));
}

/** sum += a ∘ b in the NTT domain (FIPS 203 Algorithms 11-12: 128 products of
 *  degree-one polynomials modulo X^2 - ζ^(2BitRev7(i)+1)), each with a factor R^-1. */
export function basemulAdd(sum: usize, a: usize, b: usize): void {
  for (let i: usize = 0; i < N / 4; i++) {
    const z = zeta(64 + i);
    for (let half: usize = 0; half < 4; half += 2) {
      const j = 4 * i + half;
      const zz = half == 0 ? z : -z;
      const a0 = get(a, j), a1 = get(a, j + 1), b0 = get(b, j), b1 = get(b, j + 1);
      const r0 = fqmul(fqmul(a1, b1), zz) + fqmul(a0, b0);
      const r1 = fqmul(a0, b1) + fqmul(a1, b0);
      set(sum, j, get(sum, j) + r0);
      set(sum, j + 1, get(sum, j + 1) + r1);
    }
  }
}

export function reduce(poly: usize): void {
  for (let j: usize = 0; j < N; j++) set(poly, j, barrettReduce(get(poly, j)));
}

/** Into the Montgomery domain (× R), the inverse of basemul's R^-1. */
export function toMont(poly: usize): void {
  for (let j: usize = 0; j < N; j++) set(poly, j, fqmul(get(poly, j), MONT_SQUARED));
}

export function add(sum: usize, other: usize): void {
  for (let j: usize = 0; j < N; j++) set(sum, j, get(sum, j) + get(other, j));
}

/** result = a - b */
export function subtract(result: usize, a: usize, b: usize): void {
  for (let j: usize = 0; j < N; j++) set(result, j, get(a, j) - get(b, j));
}

export function zero(poly: usize): void { memory.fill(poly, 0, POLY_BYTES); }

/** FIPS 203 Algorithm 8 (SamplePolyCBD_η) from 64η bytes, η ∈ {2, 3}: each
 *  coefficient is the difference of two sums of η bits, counted with masks. */
export function sampleCbd(poly: usize, bytes: usize, eta: i32): void {
  if (eta == 2) {
    for (let i: usize = 0; i < N / 8; i++) {
      const t = load<u32>(bytes + 4 * i);
      const d = (t & 0x55555555) + ((t >> 1) & 0x55555555);
      for (let j: usize = 0; j < 8; j++) {
        const a = <i32>((d >> (4 * <u32>j)) & 3);
        const b = <i32>((d >> (4 * <u32>j + 2)) & 3);
        set(poly, 8 * i + j, a - b);
      }
    }
  } else {
    for (let i: usize = 0; i < N / 4; i++) {
      const t = <u32>load<u16>(bytes + 3 * i) | (<u32>load<u8>(bytes + 3 * i + 2) << 16);
      const d = (t & 0x249249) + ((t >> 1) & 0x249249) + ((t >> 2) & 0x249249);
      for (let j: usize = 0; j < 4; j++) {
        const a = <i32>((d >> (6 * <u32>j)) & 7);
        const b = <i32>((d >> (6 * <u32>j + 3)) & 7);
        set(poly, 4 * i + j, a - b);
      }
    }
  }
}

/** FIPS 203 Algorithm 7 (SampleNTT), the rejection step: takes 12-bit candidates
 *  from `length` bytes into `poly` from coefficient `filled` on; returns the new count.
 *  The bytes come from SHAKE128 of the public seed ρ, so the branches leak nothing secret. */
export function sampleUniform(poly: usize, filled: usize, bytes: usize, length: usize): usize {
  for (let i: usize = 0; i + 3 <= length && filled < N; i += 3) {
    const b0 = <i32>load<u8>(bytes + i), b1 = <i32>load<u8>(bytes + i + 1), b2 = <i32>load<u8>(bytes + i + 2);
    const d1 = b0 | ((b1 & 0xf) << 8);
    const d2 = (b1 >> 4) | (b2 << 4);
    if (d1 < UNIFORM_BOUND) set(poly, filled++, d1);
    if (d2 < UNIFORM_BOUND && filled < N) set(poly, filled++, d2);
  }
  return filled;
}

/** Packs the 256 coefficients (each already in [0, 2^bits)) little-endian, `bits`
 *  per coefficient (FIPS 203 Algorithm 5, ByteEncode_d): 32 × bits bytes. */
export function pack(output: usize, poly: usize, bits: u32): void {
  let accumulator: u64 = 0;
  let held: u32 = 0;
  for (let j: usize = 0; j < N; j++) {
    accumulator |= <u64><u16>get(poly, j) << held;
    held += bits;
    while (held >= 8) {
      store<u8>(output++, <u8>accumulator);
      accumulator >>= 8;
      held -= 8;
    }
  }
}

/** FIPS 203 Algorithm 6 (ByteDecode_d): `bits` per coefficient into [0, 2^bits). */
export function unpack(poly: usize, input: usize, bits: u32): void {
  const mask: u64 = (<u64>1 << bits) - 1;
  let accumulator: u64 = 0;
  let held: u32 = 0;
  for (let j: usize = 0; j < N; j++) {
    while (held < bits) {
      accumulator |= <u64>load<u8>(input++) << held;
      held += 8;
    }
    set(poly, j, <i32>(accumulator & mask));
    accumulator >>= bits;
    held -= bits;
  }
}

/** Every coefficient to [0, q): the form ByteEncode_12 stores. */
export function toCanonical(poly: usize): void {
  for (let j: usize = 0; j < N; j++) set(poly, j, canonical(barrettReduce(get(poly, j))));
}

/** True when every coefficient of a ByteDecode_12 result is below q (the
 *  encapsulation-key modulus check of FIPS 203 §7.2). Public data. */
export function allBelowQ(poly: usize): bool {
  let bad: i32 = 0;
  for (let j: usize = 0; j < N; j++) bad |= (Q - 1 - get(poly, j)) >> 31;
  return bad == 0;
}

/** FIPS 203 §4.2.1 Compress_d in place: round(2^d × x / q) mod 2^d, by a
 *  multiplication instead of a division (a hardware divide's time depends on
 *  its operands, and x derives from the secret message in decapsulation). */
export function compress(poly: usize, bits: u32): void {
  const mask: u64 = (<u64>1 << bits) - 1;
  for (let j: usize = 0; j < N; j++) {
    const x = <u64>canonical(barrettReduce(get(poly, j)));
    const rounded = (((x << bits) + HALF_Q) * COMPRESS_RECIPROCAL) >> COMPRESS_SHIFT;
    set(poly, j, <i32>(rounded & mask));
  }
}

/** Decompress_d in place: round(q × y / 2^d). */
export function decompress(poly: usize, bits: u32): void {
  for (let j: usize = 0; j < N; j++) {
    const y = get(poly, j);
    set(poly, j, (y * Q + (1 << (bits - 1))) >> bits);
  }
}

/** The 32-byte message into a polynomial: bit i becomes ⌈q/2⌉ or 0 (Decompress_1),
 *  selected with a mask, not a branch. */
export function fromMessage(poly: usize, message: usize): void {
  for (let i: usize = 0; i < N; i++) {
    const bit = <i32>((load<u8>(message + (i >> 3)) >> <u8>(i & 7)) & 1);
    set(poly, i, (-bit) & ((Q + 1) >> 1));
  }
}

/** Compress_1 then ByteEncode_1: the message bits, without branches. */
export function toMessage(message: usize, poly: usize): void {
  compress(poly, 1);
  for (let i: usize = 0; i < N / 8; i++) {
    let byte: i32 = 0;
    for (let j: usize = 0; j < 8; j++) byte |= get(poly, 8 * i + j) << <i32>j;
    store<u8>(message + i, <u8>byte);
  }
}
