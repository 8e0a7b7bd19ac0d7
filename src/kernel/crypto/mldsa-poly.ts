// mldsa-poly.ts — arithmetic on ML-DSA's polynomials (FIPS 204 §7.5-7.6 and
// Appendix B): Z_q[X]/(X^256 + 1) with q = 8380417, the NTT with Montgomery
// reduction (R = 2^32), Power2Round / Decompose / hints, the infinity-norm check
// and bit packing. A polynomial is 256 × i32 (POLY_BYTES) in the caller's memory.
//
// Constant time: the transform, the pointwise products, reductions, Decompose,
// MakeHint and the norm check have no branch or table index that depends on a
// coefficient (masks and arithmetic shifts instead), so signing's arithmetic on
// s1, s2, t0 and y leaks nothing through timing. The only data-dependent
// branches are the public-data ones in useHint (verification).

export const N: usize = 256;
export const Q: i32 = 8380417;
export const POLY_BYTES: usize = 1024;
export const D: i32 = 13;                  // dropped bits of t (FIPS 204 Table 1)

const QINV: i32 = 58728449;                // q^-1 mod 2^32
const INV_NTT_SCALE: i64 = 41978;          // R^2 / 256 mod q
const GAMMA2_LARGE: i32 = (Q - 1) / 32;    // ML-DSA-65 and -87
const HALF_Q: i32 = (Q - 1) / 2;

// ζ^BitRev8(i) × R mod q for ζ = 1753, centred (FIPS 204 Appendix B); entry 0 is unused.
const ZETAS = memory.data<i32>([
  0, 25847, -2608894, -518909, 237124, -777960, -876248, 466468, 1826347, 2353451, -359251, -2091905, 3119733, -2884855, 3111497, 2680103,
  2725464, 1024112, -1079900, 3585928, -549488, -1119584, 2619752, -2108549, -2118186, -3859737, -1399561, -3277672, 1757237, -19422, 4010497, 280005,
  2706023, 95776, 3077325, 3530437, -1661693, -3592148, -2537516, 3915439, -3861115, -3043716, 3574422, -2867647, 3539968, -300467, 2348700, -539299,
  -1699267, -1643818, 3505694, -3821735, 3507263, -2140649, -1600420, 3699596, 811944, 531354, 954230, 3881043, 3900724, -2556880, 2071892, -2797779,
  -3930395, -1528703, -3677745, -3041255, -1452451, 3475950, 2176455, -1585221, -1257611, 1939314, -4083598, -1000202, -3190144, -3157330, -3632928, 126922,
  3412210, -983419, 2147896, 2715295, -2967645, -3693493, -411027, -2477047, -671102, -1228525, -22981, -1308169, -381987, 1349076, 1852771, -1430430,
  -3343383, 264944, 508951, 3097992, 44288, -1100098, 904516, 3958618, -3724342, -8578, 1653064, -3249728, 2389356, -210977, 759969, -1316856,
  189548, -3553272, 3159746, -1851402, -2409325, -177440, 1315589, 1341330, 1285669, -1584928, -812732, -1439742, -3019102, -3881060, -3628969, 3839961,
  2091667, 3407706, 2316500, 3817976, -3342478, 2244091, -2446433, -3562462, 266997, 2434439, -1235728, 3513181, -3520352, -3759364, -1197226, -3193378,
  900702, 1859098, 909542, 819034, 495491, -1613174, -43260, -522500, -655327, -3122442, 2031748, 3207046, -3556995, -525098, -768622, -3595838,
  342297, 286988, -2437823, 4108315, 3437287, -3342277, 1735879, 203044, 2842341, 2691481, -2590150, 1265009, 4055324, 1247620, 2486353, 1595974,
  -3767016, 1250494, 2635921, -3548272, -2994039, 1869119, 1903435, -1050970, -1333058, 1237275, -3318210, -1430225, -451100, 1312455, 3306115, -1962642,
  -1279661, 1917081, -2546312, -1374803, 1500165, 777191, 2235880, 3406031, -542412, -2831860, -1671176, -1846953, -2584293, -3724270, 594136, -3776993,
  -2013608, 2432395, 2454455, -164721, 1957272, 3369112, 185531, -1207385, -3183426, 162844, 1616392, 3014001, 810149, 1652634, -3694233, -1799107,
  -3038916, 3523897, 3866901, 269760, 2213111, -975884, 1717735, 472078, -426683, 1723600, -1803090, 1910376, -1667432, -1104333, -260646, -3833893,
  -2939036, -2235985, -420899, -2286327, 183443, -976891, 1612842, -3545687, -554416, 3919660, -48306, -1362209, 3937738, 1400424, -846154, 1976782,
]);

// @ts-ignore: decorator
@inline function at(poly: usize, index: usize): usize { return poly + (index << 2); }
// @ts-ignore: decorator
@inline export function get(poly: usize, index: usize): i32 { return load<i32>(at(poly, index)); }
// @ts-ignore: decorator
@inline export function set(poly: usize, index: usize, value: i32): void { store<i32>(at(poly, index), value); }

/** a × R^-1 mod q, in (-q, q), for |a| < q × 2^31. */
// @ts-ignore: decorator
@inline function montgomeryReduce(a: i64): i32 {
  const t = <i32>a * QINV;
  return <i32>((a - <i64>t * <i64>Q) >> 32);
}

/** A representative of a mod q in about (-2^22 - q, 2^22], for a ≤ 2^31 - 2^22. */
// @ts-ignore: decorator
@inline function reduce32(a: i32): i32 {
  const t = (a + (1 << 22)) >> 23;
  return a - t * Q;
}

/** Adds q to a negative value, without a branch. */
// @ts-ignore: decorator
@inline function caddq(a: i32): i32 { return a + ((a >> 31) & Q); }

/** FIPS 204 Algorithm 41 (NTT), in place; coefficients grow by at most 8q. */
export function ntt(poly: usize): void {
  let k: usize = 0;
  for (let length: usize = 128; length > 0; length >>= 1) {
    for (let start: usize = 0; start < N; start += length << 1) {
      const z = <i64>load<i32>(ZETAS + (++k << 2));
      for (let j = start; j < start + length; j++) {
        const t = montgomeryReduce(z * <i64>get(poly, j + length));
        const a = get(poly, j);
        set(poly, j + length, a - t);
        set(poly, j, a + t);
      }
    }
  }
}

/** FIPS 204 Algorithm 42 (NTT^-1), in place, times R: cancels a pointwise product's R^-1. */
export function invNtt(poly: usize): void {
  let k: usize = 256;
  for (let length: usize = 1; length < N; length <<= 1) {
    for (let start: usize = 0; start < N; start += length << 1) {
      const z = -<i64>load<i32>(ZETAS + (--k << 2));
      for (let j = start; j < start + length; j++) {
        const a = get(poly, j);
        const b = get(poly, j + length);
        set(poly, j, a + b);
        set(poly, j + length, montgomeryReduce(z * <i64>(a - b)));
      }
    }
  }
  for (let j: usize = 0; j < N; j++) set(poly, j, montgomeryReduce(INV_NTT_SCALE * <i64>get(poly, j)));
}

/** result = a ∘ b (NTT domain, with a factor R^-1). */
export function pointwise(result: usize, a: usize, b: usize): void {
  for (let j: usize = 0; j < N; j++) set(result, j, montgomeryReduce(<i64>get(a, j) * <i64>get(b, j)));
}

/** sum += a ∘ b */
export function pointwiseAdd(sum: usize, a: usize, b: usize): void {
  for (let j: usize = 0; j < N; j++) set(sum, j, get(sum, j) + montgomeryReduce(<i64>get(a, j) * <i64>get(b, j)));
}

export function add(sum: usize, other: usize): void {
  for (let j: usize = 0; j < N; j++) set(sum, j, get(sum, j) + get(other, j));
}

/** result = a - b */
export function subtract(result: usize, a: usize, b: usize): void {
  for (let j: usize = 0; j < N; j++) set(result, j, get(a, j) - get(b, j));
}

export function reduce(poly: usize): void {
  for (let j: usize = 0; j < N; j++) set(poly, j, reduce32(get(poly, j)));
}

/** reduce then into [0, q). */
export function freeze(poly: usize): void {
  for (let j: usize = 0; j < N; j++) set(poly, j, caddq(reduce32(get(poly, j))));
}

export function shiftLeft(poly: usize, bits: i32): void {
  for (let j: usize = 0; j < N; j++) set(poly, j, get(poly, j) << bits);
}

export function zero(poly: usize): void { memory.fill(poly, 0, POLY_BYTES); }

/** FIPS 204 Algorithm 35 (Power2Round) for t in [0, q): high into `high`, low (centred) into `low`. */
export function power2Round(high: usize, low: usize, t: usize): void {
  for (let j: usize = 0; j < N; j++) {
    const a = get(t, j);
    const a1 = (a + (1 << (D - 1)) - 1) >> D;
    set(high, j, a1);
    set(low, j, a - (a1 << D));
  }
}

/** FIPS 204 Algorithm 36 (Decompose) for a in [0, q): r1 and the centred r0 with
 *  a = r1 × 2γ2 + r0, except r1 = 0 when that would be (q-1)/(2γ2). Division by
 *  2γ2 is a multiply-shift (exact for all a, checked exhaustively), the
 *  exceptional case a mask. */
// @ts-ignore: decorator
@inline function highBits(a: i32, gamma2: i32): i32 {
  let a1 = (a + 127) >> 7;
  if (gamma2 == GAMMA2_LARGE) {             // the branch is on the parameter set, not the data
    a1 = ((a1 * 1025 + (1 << 21)) >> 22) & 15;
  } else {
    a1 = (a1 * 11275 + (1 << 23)) >> 24;
    a1 ^= ((43 - a1) >> 31) & a1;           // 44 wraps to 0
  }
  return a1;
}
// @ts-ignore: decorator
@inline function lowBits(a: i32, a1: i32, gamma2: i32): i32 {
  let a0 = a - a1 * 2 * gamma2;
  return a0 - (((HALF_Q - a0) >> 31) & Q);
}

/** Decompose every coefficient of `a` (in [0, q)) into `high` and `low`. */
export function decompose(high: usize, low: usize, a: usize, gamma2: i32): void {
  for (let j: usize = 0; j < N; j++) {
    const value = get(a, j);
    const a1 = highBits(value, gamma2);
    set(high, j, a1);
    set(low, j, lowBits(value, a1, gamma2));
  }
}

/** FIPS 204 Algorithm 39 (MakeHint) as h = HighBits(r) ≠ high, r = `shifted` in [0, q),
 *  into `hint` (0 or 1, computed without a branch); returns the number of ones. */
export function makeHint(hint: usize, shifted: usize, high: usize, gamma2: i32): i32 {
  let count: i32 = 0;
  for (let j: usize = 0; j < N; j++) {
    const h = <i32>(highBits(get(shifted, j), gamma2) != get(high, j));
    set(hint, j, h);
    count += h;
  }
  return count;
}

/** FIPS 204 Algorithm 40 (UseHint), in place on `a` (in [0, q)), with hints in `hint`.
 *  Verification only: all of it is public. */
export function useHint(a: usize, hint: usize, gamma2: i32): void {
  const m: i32 = (Q - 1) / (2 * gamma2);
  for (let j: usize = 0; j < N; j++) {
    const value = get(a, j);
    const a1 = highBits(value, gamma2);
    let result = a1;
    if (get(hint, j) != 0) {
      const a0 = lowBits(value, a1, gamma2);
      result = a0 > 0 ? (a1 + 1 == m ? 0 : a1 + 1) : (a1 == 0 ? m - 1 : a1 - 1);
    }
    set(a, j, result);
  }
}

/** True when some |coefficient| ≥ bound (coefficients already reduced, |a| < q/2 + 2^22):
 *  every coefficient is looked at, the absolute value taken with a mask. */
export function exceeds(poly: usize, bound: i32): bool {
  let over: i32 = 0;
  for (let j: usize = 0; j < N; j++) {
    const a = get(poly, j);
    const absolute = a - ((a >> 31) & (a << 1));
    over |= (bound - 1 - absolute) >> 31;
  }
  return over != 0;
}

/** Packs (offset - coefficient) in `bits` bits each, little-endian (FIPS 204
 *  Algorithms 16-17, SimpleBitPack with offset 0 and BitPack with offset b). */
export function pack(output: usize, poly: usize, bits: u32, offset: i32): void {
  let accumulator: u64 = 0;
  let held: u32 = 0;
  const mask: u64 = (<u64>1 << bits) - 1;
  for (let j: usize = 0; j < N; j++) {
    const value = offset == 0 ? get(poly, j) : offset - get(poly, j);
    accumulator |= (<u64><u32>value & mask) << held;
    held += bits;
    while (held >= 8) {
      store<u8>(output++, <u8>accumulator);
      accumulator >>= 8;
      held -= 8;
    }
  }
}

/** The inverse of pack (FIPS 204 Algorithms 18-19): coefficient = offset - value,
 *  or value itself when offset is 0. */
export function unpack(poly: usize, input: usize, bits: u32, offset: i32): void {
  const mask: u64 = (<u64>1 << bits) - 1;
  let accumulator: u64 = 0;
  let held: u32 = 0;
  for (let j: usize = 0; j < N; j++) {
    while (held < bits) {
      accumulator |= <u64>load<u8>(input++) << held;
      held += 8;
    }
    const value = <i32>(accumulator & mask);
    set(poly, j, offset == 0 ? value : offset - value);
    accumulator >>= bits;
    held -= bits;
  }
}

/** RejNTTPoly's acceptance step (FIPS 204 Algorithms 14 and 30): 23-bit candidates
 *  below q from `length` bytes (public: from SHAKE128 of ρ); returns the new count. */
export function sampleUniform(poly: usize, filled: usize, bytes: usize, length: usize): usize {
  for (let i: usize = 0; i + 3 <= length && filled < N; i += 3) {
    const candidate = <i32>load<u16>(bytes + i) | ((<i32>load<u8>(bytes + i + 2) & 0x7f) << 16);
    if (candidate < Q) set(poly, filled++, candidate);
  }
  return filled;
}

/** RejBoundedPoly's acceptance step (FIPS 204 Algorithms 15 and 31) for η ∈ {2, 4}:
 *  two half-bytes per byte, η - (b mod 5) for b < 15 (η = 2) or η - b for b < 9 (η = 4).
 *  The rejection depends on the secret seed's stream; FIPS 204 §3.6.3 allows it (the
 *  rejected values are independent of the kept ones). b mod 5 is a multiply-shift. */
export function sampleBounded(poly: usize, filled: usize, bytes: usize, length: usize, eta: i32): usize {
  for (let i: usize = 0; i < length && filled < N; i++) {
    const byte = <i32>load<u8>(bytes + i);
    for (let half: i32 = 0; half < 2 && filled < N; half++) {
      const b = half == 0 ? byte & 15 : byte >> 4;
      if (eta == 2) {
        if (b < 15) set(poly, filled++, 2 - (b - ((b * 205) >> 10) * 5));
      } else if (b < 9) {
        set(poly, filled++, 4 - b);
      }
    }
  }
  return filled;
}
