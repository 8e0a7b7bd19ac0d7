// mldsa.ts — ML-DSA (FIPS 204): key generation, signing and verification for
// ML-DSA-44, -65 and -87, one implementation with the parameter set chosen at
// run time (`level` 44, 65 or 87; FIPS 204 §4 Table 1). The external "pure"
// interface (Algorithms 2-3): the signed message is M' = 0 ‖ |ctx| ‖ ctx ‖ M.
//
// Scratch (the matrix Â, the vectors, hashes) is this module's own static memory,
// 121 KiB sized for ML-DSA-87: one operation at a time (not re-entrant, not on two
// CPUs at once, not from interrupt handlers). Â is kept whole because signing's
// rejection loop uses it on every attempt.
//
// Constant time (FIPS 204 §3.6.3): signing's arithmetic on the secrets s1, s2, t0
// and the mask y goes through mldsa-poly.ts, which has no secret-dependent
// branches or table indices (Montgomery products, Decompose and MakeHint by
// arithmetic, the norm checks by masks). What leaks is allowed to: whether an
// attempt was rejected, and the secret-seeded rejection sampling of s1 and s2.
import * as keccak from "./keccak";
import * as poly from "./mldsa-poly";

export const KEYGEN_SEED_BYTES: usize = 32;      // ξ
export const RANDOM_BYTES: usize = 32;           // rnd (all zero for the deterministic variant)
export const MAX_CONTEXT_BYTES: usize = 255;

const SEED_BYTES: usize = 32;
const TR_BYTES: usize = 64;
const MU_BYTES: usize = 64;
const T1_BITS: u32 = 10;                         // bitlen(q - 1) - d
const T0_BITS: u32 = 13;
const T0_OFFSET: i32 = 1 << 12;                  // 2^(d-1)
const MATRIX_FIRST_SQUEEZE: usize = 5 * 168;     // 280 candidates, enough for 256 almost always
const SHAKE128_BLOCK: usize = 168;
const SHAKE256_BLOCK: usize = 136;
const MAX_K: usize = 8;
const MAX_L: usize = 7;
const MAX_ATTEMPTS: u32 = 1000;                  // expected about 4-5; 1000 never happens for a valid key
const PB = poly.POLY_BYTES;

// The parameter set of the current call (select()).
let K: usize = 0, L: usize = 0, ETA: i32 = 0, TAU: usize = 0, BETA: i32 = 0;
let GAMMA1: i32 = 0, GAMMA1_BITS: u32 = 0, GAMMA2: i32 = 0, OMEGA: usize = 0;
let CTILDE_BYTES: usize = 0, ETA_BITS: u32 = 0, W1_BITS: u32 = 0;

const matrix = memory.data(<i32>(MAX_K * MAX_L * PB));
const vecS1 = memory.data(<i32>(MAX_L * PB));
const vecS2 = memory.data(<i32>(MAX_K * PB));
const vecT0 = memory.data(<i32>(MAX_K * PB));
const vecY = memory.data(<i32>(MAX_L * PB));
const vecZ = memory.data(<i32>(MAX_L * PB));
const vecW = memory.data(<i32>(MAX_K * PB));
const vecW1 = memory.data(<i32>(MAX_K * PB));        // w1, then the hints
const vecTmp = memory.data(<i32>(MAX_K * PB));
const polyC = memory.data(<i32>PB);
const polyHigh = memory.data(<i32>PB);
const polyLow = memory.data(<i32>PB);
const polyShifted = memory.data(<i32>PB);
const seeds = memory.data(128);                      // ρ ‖ ρ' ‖ K
const keygenInput = memory.data(SEED_BYTES + 2);
const tr = memory.data(<i32>TR_BYTES);
const mu = memory.data(<i32>MU_BYTES);
const rhoSecond = memory.data(64);                   // ρ''
const challenge = memory.data(64);                   // c̃' in verification
const sampleBytes = memory.data(<i32>MATRIX_FIRST_SQUEEZE);
const maskBytes = memory.data(640);                  // 32 × 20 bytes, one y polynomial
const w1Encoded = memory.data(<i32>(MAX_K * 32 * 6));
const nonceBytes = memory.data(8);
const context = memory.data(keccak.CONTEXT_BYTES);

// @ts-ignore: decorator
@inline function polyAt(vector: usize, index: usize): usize { return vector + index * PB; }

/** Sets the parameters of FIPS 204 Table 1 for `level`; false if it is not 44, 65 or 87. */
function select(level: i32): bool {
  if (level == 44) {
    K = 4; L = 4; ETA = 2; TAU = 39; GAMMA1_BITS = 17; GAMMA2 = (poly.Q - 1) / 88; OMEGA = 80; CTILDE_BYTES = 32;
  } else if (level == 65) {
    K = 6; L = 5; ETA = 4; TAU = 49; GAMMA1_BITS = 19; GAMMA2 = (poly.Q - 1) / 32; OMEGA = 55; CTILDE_BYTES = 48;
  } else if (level == 87) {
    K = 8; L = 7; ETA = 2; TAU = 60; GAMMA1_BITS = 19; GAMMA2 = (poly.Q - 1) / 32; OMEGA = 75; CTILDE_BYTES = 64;
  } else {
    return false;
  }
  GAMMA1 = 1 << GAMMA1_BITS;
  GAMMA1_BITS += 1;                              // 1 + bitlen(γ1 - 1) bits per z coefficient
  BETA = <i32>TAU * ETA;
  ETA_BITS = ETA == 2 ? 3 : 4;
  W1_BITS = GAMMA2 == (poly.Q - 1) / 88 ? 6 : 4;
  return true;
}

export function publicKeyBytes(level: i32): usize { return select(level) ? SEED_BYTES + K * 32 * T1_BITS : 0; }
export function secretKeyBytes(level: i32): usize {
  return select(level) ? 2 * SEED_BYTES + TR_BYTES + 32 * ((K + L) * <usize>ETA_BITS + K * T0_BITS) : 0;
}
export function signatureBytes(level: i32): usize { return select(level) ? CTILDE_BYTES + L * 32 * <usize>GAMMA1_BITS + OMEGA + K : 0; }

/** ExpandA (FIPS 204 Algorithm 32): Â[r][s] = RejNTTPoly(ρ ‖ s ‖ r), all K × L entries. */
function expandMatrix(rho: usize): void {
  for (let r: usize = 0; r < K; r++) {
    for (let s: usize = 0; s < L; s++) {
      const entry = polyAt(matrix, r * L + s);
      keccak.initShake128(context);
      keccak.absorb(context, rho, SEED_BYTES);
      keccak.absorbByte(context, <u8>s);
      keccak.absorbByte(context, <u8>r);
      keccak.squeeze(context, sampleBytes, MATRIX_FIRST_SQUEEZE);
      let filled = poly.sampleUniform(entry, 0, sampleBytes, MATRIX_FIRST_SQUEEZE);
      while (filled < poly.N) {
        keccak.squeeze(context, sampleBytes, SHAKE128_BLOCK);
        filled = poly.sampleUniform(entry, filled, sampleBytes, SHAKE128_BLOCK);
      }
    }
  }
}

/** SHAKE256(seed ‖ nonce as 2 bytes little-endian) started in `context`. */
function startWithNonce(seed: usize, seedBytes: usize, nonce: u32): void {
  keccak.initShake256(context);
  keccak.absorb(context, seed, seedBytes);
  store<u16>(nonceBytes, <u16>nonce);
  keccak.absorb(context, nonceBytes, 2);
}

/** ExpandS (FIPS 204 Algorithm 33): s1 into vecS1 (L) and s2 into vecS2 (K). */
function expandSecrets(rhoPrime: usize): void {
  for (let r: usize = 0; r < L + K; r++) {
    const target = r < L ? polyAt(vecS1, r) : polyAt(vecS2, r - L);
    startWithNonce(rhoPrime, 64, <u32>r);
    let filled: usize = 0;
    while (filled < poly.N) {
      keccak.squeeze(context, sampleBytes, SHAKE256_BLOCK);
      filled = poly.sampleBounded(target, filled, sampleBytes, SHAKE256_BLOCK, ETA);
    }
  }
}

/** ExpandMask (FIPS 204 Algorithm 34): y[r] from SHAKE256(ρ'' ‖ κ + r). */
function expandMask(rho: usize, kappa: u32): void {
  const bytes = 32 * <usize>GAMMA1_BITS;
  for (let r: usize = 0; r < L; r++) {
    startWithNonce(rho, 64, kappa + <u32>r);
    keccak.squeeze(context, maskBytes, bytes);
    poly.unpack(polyAt(vecY, r), maskBytes, GAMMA1_BITS, GAMMA1);
  }
}

/** SampleInBall (FIPS 204 Algorithm 29): τ coefficients ±1 placed by a Fisher-Yates
 *  walk over SHAKE256(c̃). c̃ is public (it is in the signature). */
function sampleInBall(output: usize, ctilde: usize): void {
  keccak.initShake256(context);
  keccak.absorb(context, ctilde, CTILDE_BYTES);
  keccak.squeeze(context, sampleBytes, SHAKE256_BLOCK);
  let signs = load<u64>(sampleBytes);
  let position: usize = 8;
  poly.zero(output);
  for (let i = poly.N - TAU; i < poly.N; i++) {
    let j: usize;
    do {
      if (position == SHAKE256_BLOCK) { keccak.squeeze(context, sampleBytes, SHAKE256_BLOCK); position = 0; }
      j = <usize>load<u8>(sampleBytes + position++);
    } while (j > i);
    poly.set(output, i, poly.get(output, j));
    poly.set(output, j, 1 - 2 * <i32>(signs & 1));
    signs >>= 1;
  }
}

/** output[i] = NTT^-1(Σ_j Â[i][j] ∘ input[j]) for i < K: each row's sum reduced first,
 *  as the inverse transform wants |coefficients| < q. */
function matrixTimes(output: usize, input: usize): void {
  for (let i: usize = 0; i < K; i++) {
    const row = polyAt(output, i);
    poly.zero(row);
    for (let j: usize = 0; j < L; j++) poly.pointwiseAdd(row, polyAt(matrix, i * L + j), polyAt(input, j));
    poly.reduce(row);
    poly.invNtt(row);
  }
}

/** μ = H(tr ‖ M', 64) with M' = 0 ‖ |ctx| ‖ ctx ‖ M (FIPS 204 Algorithms 2-3, 7-8). */
function messageRepresentative(message: usize, messageLength: usize, ctx: usize, ctxLength: usize): void {
  keccak.initShake256(context);
  keccak.absorb(context, tr, TR_BYTES);
  keccak.absorbByte(context, 0);                           // pure ML-DSA, not HashML-DSA
  keccak.absorbByte(context, <u8>ctxLength);
  keccak.absorb(context, ctx, ctxLength);
  keccak.absorb(context, message, messageLength);
  keccak.squeeze(context, mu, MU_BYTES);
}

/** FIPS 204 Algorithm 6, ML-DSA.KeyGen_internal(ξ): writes pk and sk. False for a bad level. */
export function keygen(level: i32, seed: usize, publicKey: usize, secretKey: usize): bool {
  if (!select(level)) return false;
  memory.copy(keygenInput, seed, SEED_BYTES);
  store<u8>(keygenInput + SEED_BYTES, <u8>K);
  store<u8>(keygenInput + SEED_BYTES + 1, <u8>L);
  keccak.shake256(keygenInput, SEED_BYTES + 2, seeds, 128);         // (ρ, ρ', K) = H(ξ ‖ k ‖ l)
  const rho = seeds, rhoPrime = seeds + SEED_BYTES, key = seeds + 96;
  expandMatrix(rho);
  expandSecrets(rhoPrime);
  for (let j: usize = 0; j < L; j++) {
    memory.copy(polyAt(vecZ, j), polyAt(vecS1, j), PB);
    poly.ntt(polyAt(vecZ, j));
  }
  matrixTimes(vecW, vecZ);                                          // t = NTT^-1(Â ∘ NTT(s1)) + s2
  memory.copy(publicKey, rho, SEED_BYTES);
  for (let i: usize = 0; i < K; i++) {
    poly.add(polyAt(vecW, i), polyAt(vecS2, i));
    poly.freeze(polyAt(vecW, i));
    poly.power2Round(polyAt(vecW1, i), polyAt(vecTmp, i), polyAt(vecW, i));
    poly.pack(publicKey + SEED_BYTES + i * 32 * T1_BITS, polyAt(vecW1, i), T1_BITS, 0);
  }
  keccak.shake256(publicKey, publicKeyBytes(level), tr, TR_BYTES);
  let out = secretKey;                                              // ρ ‖ K ‖ tr ‖ s1 ‖ s2 ‖ t0
  memory.copy(out, rho, SEED_BYTES); out += SEED_BYTES;
  memory.copy(out, key, SEED_BYTES); out += SEED_BYTES;
  memory.copy(out, tr, TR_BYTES); out += TR_BYTES;
  const etaPolyBytes = 32 * <usize>ETA_BITS;
  for (let j: usize = 0; j < L; j++, out += etaPolyBytes) poly.pack(out, polyAt(vecS1, j), ETA_BITS, ETA);
  for (let i: usize = 0; i < K; i++, out += etaPolyBytes) poly.pack(out, polyAt(vecS2, i), ETA_BITS, ETA);
  for (let i: usize = 0; i < K; i++, out += 32 * T0_BITS) poly.pack(out, polyAt(vecTmp, i), T0_BITS, T0_OFFSET);
  return true;
}

/** FIPS 204 Algorithms 2 and 7, ML-DSA.Sign(sk, M, ctx) with the 32 bytes of
 *  randomness `random` (zeros for the deterministic variant): writes the
 *  signature (signatureBytes(level)). False for a bad level or a context over 255 bytes. */
export function sign(level: i32, secretKey: usize, message: usize, messageLength: usize,
                     ctx: usize, ctxLength: usize, random: usize, signature: usize): bool {
  if (!select(level) || ctxLength > MAX_CONTEXT_BYTES) return false;
  const rho = secretKey, key = secretKey + SEED_BYTES;
  memory.copy(tr, secretKey + 2 * SEED_BYTES, TR_BYTES);
  let input = secretKey + 2 * SEED_BYTES + TR_BYTES;
  const etaPolyBytes = 32 * <usize>ETA_BITS;
  for (let j: usize = 0; j < L; j++, input += etaPolyBytes) { poly.unpack(polyAt(vecS1, j), input, ETA_BITS, ETA); poly.ntt(polyAt(vecS1, j)); }
  for (let i: usize = 0; i < K; i++, input += etaPolyBytes) { poly.unpack(polyAt(vecS2, i), input, ETA_BITS, ETA); poly.ntt(polyAt(vecS2, i)); }
  for (let i: usize = 0; i < K; i++, input += 32 * T0_BITS) { poly.unpack(polyAt(vecT0, i), input, T0_BITS, T0_OFFSET); poly.ntt(polyAt(vecT0, i)); }
  expandMatrix(rho);
  messageRepresentative(message, messageLength, ctx, ctxLength);
  keccak.initShake256(context);                                     // ρ'' = H(K ‖ rnd ‖ μ, 64)
  keccak.absorb(context, key, SEED_BYTES);
  keccak.absorb(context, random, RANDOM_BYTES);
  keccak.absorb(context, mu, MU_BYTES);
  keccak.squeeze(context, rhoSecond, 64);

  const zBytes = 32 * <usize>GAMMA1_BITS;
  const hints = signature + CTILDE_BYTES + L * zBytes;
  let kappa: u32 = 0;
  for (let attempt: u32 = 0; attempt < MAX_ATTEMPTS; attempt++, kappa += <u32>L) {
    expandMask(rhoSecond, kappa);
    for (let j: usize = 0; j < L; j++) {
      memory.copy(polyAt(vecZ, j), polyAt(vecY, j), PB);
      poly.ntt(polyAt(vecZ, j));
    }
    matrixTimes(vecW, vecZ);                                        // w = NTT^-1(Â ∘ NTT(y))
    for (let i: usize = 0; i < K; i++) {
      poly.freeze(polyAt(vecW, i));
      poly.decompose(polyAt(vecW1, i), polyLow, polyAt(vecW, i), GAMMA2);
      poly.pack(w1Encoded + i * 32 * W1_BITS, polyAt(vecW1, i), W1_BITS, 0);
    }
    keccak.initShake256(context);                                   // c̃ = H(μ ‖ w1Encode(w1))
    keccak.absorb(context, mu, MU_BYTES);
    keccak.absorb(context, w1Encoded, K * 32 * W1_BITS);
    keccak.squeeze(context, signature, CTILDE_BYTES);
    sampleInBall(polyC, signature);
    poly.ntt(polyC);

    let rejected = false;
    for (let j: usize = 0; j < L; j++) {                            // z = y + c s1
      const z = polyAt(vecZ, j);
      poly.pointwise(z, polyC, polyAt(vecS1, j));
      poly.invNtt(z);
      poly.add(z, polyAt(vecY, j));
      poly.reduce(z);
      rejected = rejected | poly.exceeds(z, GAMMA1 - BETA);
    }
    if (rejected) continue;
    let hintCount: i32 = 0;
    for (let i: usize = 0; i < K; i++) {
      const shifted = polyAt(vecTmp, i);                            // w - c s2
      poly.pointwise(shifted, polyC, polyAt(vecS2, i));
      poly.invNtt(shifted);
      poly.subtract(shifted, polyAt(vecW, i), shifted);
      poly.freeze(shifted);
      poly.decompose(polyHigh, polyLow, shifted, GAMMA2);
      rejected = rejected | poly.exceeds(polyLow, GAMMA2 - BETA);  // ‖LowBits(w - c s2)‖∞ < γ2 - β
      poly.pointwise(polyShifted, polyC, polyAt(vecT0, i));         // c t0
      poly.invNtt(polyShifted);
      poly.reduce(polyShifted);
      rejected = rejected | poly.exceeds(polyShifted, GAMMA2);
      poly.add(polyShifted, shifted);                               // h = HighBits(w - c s2 + c t0) ≠ HighBits(w - c s2)
      poly.freeze(polyShifted);
      hintCount += poly.makeHint(polyAt(vecW1, i), polyShifted, polyHigh, GAMMA2);
    }
    if (rejected || hintCount > <i32>OMEGA) continue;

    for (let j: usize = 0; j < L; j++) poly.pack(signature + CTILDE_BYTES + j * zBytes, polyAt(vecZ, j), GAMMA1_BITS, GAMMA1);
    memory.fill(hints, 0, OMEGA + K);                               // HintBitPack (Algorithm 20): the signature is public now
    let index: usize = 0;
    for (let i: usize = 0; i < K; i++) {
      for (let j: usize = 0; j < poly.N; j++) {
        if (poly.get(polyAt(vecW1, i), j) != 0) store<u8>(hints + index++, <u8>j);
      }
      store<u8>(hints + OMEGA + i, <u8>index);
    }
    return true;
  }
  return false;
}

/** HintBitUnpack (FIPS 204 Algorithm 21) into vecW1; false for a malformed encoding
 *  (indices not strictly increasing, counts out of order, non-zero padding). */
function unpackHints(hints: usize): bool {
  let index: usize = 0;
  for (let i: usize = 0; i < K; i++) {
    const h = polyAt(vecW1, i);
    poly.zero(h);
    const end = <usize>load<u8>(hints + OMEGA + i);
    if (end < index || end > OMEGA) return false;
    const first = index;
    for (; index < end; index++) {
      const position = <usize>load<u8>(hints + index);
      if (index > first && <usize>load<u8>(hints + index - 1) >= position) return false;
      poly.set(h, position, 1);
    }
  }
  for (; index < OMEGA; index++) if (load<u8>(hints + index) != 0) return false;
  return true;
}

/** FIPS 204 Algorithms 3 and 8, ML-DSA.Verify(pk, M, σ, ctx). */
export function verify(level: i32, publicKey: usize, message: usize, messageLength: usize,
                       ctx: usize, ctxLength: usize, signature: usize): bool {
  if (!select(level) || ctxLength > MAX_CONTEXT_BYTES) return false;
  const zBytes = 32 * <usize>GAMMA1_BITS;
  if (!unpackHints(signature + CTILDE_BYTES + L * zBytes)) return false;
  for (let j: usize = 0; j < L; j++) {
    const z = polyAt(vecZ, j);
    poly.unpack(z, signature + CTILDE_BYTES + j * zBytes, GAMMA1_BITS, GAMMA1);
    if (poly.exceeds(z, GAMMA1 - BETA)) return false;
    poly.ntt(z);
  }
  expandMatrix(publicKey);
  keccak.shake256(publicKey, publicKeyBytes(level), tr, TR_BYTES);
  messageRepresentative(message, messageLength, ctx, ctxLength);
  sampleInBall(polyC, signature);
  poly.ntt(polyC);
  for (let i: usize = 0; i < K; i++) {                              // w'_approx = NTT^-1(Â ∘ ẑ - ĉ ∘ NTT(t1 × 2^d))
    const row = polyAt(vecW, i);
    poly.zero(row);
    for (let j: usize = 0; j < L; j++) poly.pointwiseAdd(row, polyAt(matrix, i * L + j), polyAt(vecZ, j));
    poly.unpack(polyShifted, publicKey + SEED_BYTES + i * 32 * T1_BITS, T1_BITS, 0);
    poly.shiftLeft(polyShifted, poly.D);
    poly.ntt(polyShifted);
    poly.pointwise(polyHigh, polyC, polyShifted);
    poly.subtract(row, row, polyHigh);
    poly.reduce(row);
    poly.invNtt(row);
    poly.freeze(row);
    poly.useHint(row, polyAt(vecW1, i), GAMMA2);
    poly.pack(w1Encoded + i * 32 * W1_BITS, row, W1_BITS, 0);
  }
  keccak.initShake256(context);
  keccak.absorb(context, mu, MU_BYTES);
  keccak.absorb(context, w1Encoded, K * 32 * W1_BITS);
  keccak.squeeze(context, challenge, CTILDE_BYTES);
  let difference: u32 = 0;
  for (let i: usize = 0; i < CTILDE_BYTES; i++) difference |= <u32>(load<u8>(challenge + i) ^ load<u8>(signature + i));
  return difference == 0;
}
