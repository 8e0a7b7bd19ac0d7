// mlkem.ts — ML-KEM (FIPS 203): key generation, encapsulation and decapsulation
// for ML-KEM-512, -768 and -1024, one implementation with the parameter set
// chosen at run time by k (the module rank, 2, 3 or 4); η1, du and dv follow
// from k (FIPS 203 §8, Table 2). Keys, ciphertexts and seeds are bytes in the
// caller's linear memory.
//
// Scratch (polynomial vectors, seeds, the re-encrypted ciphertext) is this
// module's own static memory: one operation at a time (not re-entrant, not on
// two CPUs at once, not from interrupt handlers); a caller that needs more
// guards it with a lock. The matrix Â is never stored: each entry is sampled
// when it is used, so the scratch is 15 KiB for every parameter set.
//
// Constant time (FIPS 203 §3.3): decapsulation compares the ciphertexts and
// selects K' or K̄ with masks (decapsulate below), Compress uses a multiplication
// instead of a division, and the message bits are moved with masks
// (mlkem-poly.ts). Branches depend only on k, lengths and public seeds.
import * as keccak from "./keccak";
import * as poly from "./mlkem-poly";

export const KEYGEN_SEED_BYTES: usize = 64;      // d ‖ z (FIPS 203 Algorithm 16)
export const MESSAGE_BYTES: usize = 32;          // m, encapsulation's randomness
export const SHARED_SECRET_BYTES: usize = 32;
export const MIN_RANK: i32 = 2;
export const MAX_RANK: i32 = 4;

const SEED_BYTES: usize = 32;
const ENCODED_POLY_BYTES: usize = 384;           // ByteEncode_12 of one polynomial
const ETA2: i32 = 2;
const MAX_PRF_BYTES: usize = 64 * 3;             // 64 η bytes for η ≤ 3
const FIRST_SQUEEZE: usize = 3 * 168;            // three SHAKE128 blocks: enough for SampleNTT almost always
const NEXT_SQUEEZE: usize = 168;
const MAX_CIPHERTEXT_BYTES: usize = 1568;
const PB = poly.POLY_BYTES;
const MAX_K = <usize>MAX_RANK;

const secret = memory.data(<i32>(MAX_K * PB));       // ŝ or ŷ
const publicVector = memory.data(<i32>(MAX_K * PB)); // t̂ (or ê during key generation)
const vectorU = memory.data(<i32>(MAX_K * PB));      // u during decryption
const sum = memory.data(<i32>PB);
const entry = memory.data(<i32>PB);                  // one matrix entry Â[i, j]
const noise = memory.data(<i32>PB);
const vpoly = memory.data(<i32>PB);
const seeds = memory.data(64);                       // G's output: (ρ, σ) or (K, r)
const hashInput = memory.data(64);                   // G's input: d ‖ k, or m ‖ H(ek)
const prfBytes = memory.data(<i32>MAX_PRF_BYTES);
const sampleBytes = memory.data(<i32>FIRST_SQUEEZE);
const decrypted = memory.data(32);                   // m'
const rejectionKey = memory.data(32);                // K̄
const keyHash = memory.data(32);
const reencrypted = memory.data(<i32>MAX_CIPHERTEXT_BYTES);
const context = memory.data(keccak.CONTEXT_BYTES);

// @ts-ignore: decorator
@inline function polyAt(vector: usize, index: usize): usize { return vector + index * PB; }

export function eta1(k: i32): i32 { return k == 2 ? 3 : 2; }
export function du(k: i32): u32 { return k == 4 ? 11 : 10; }
export function dv(k: i32): u32 { return k == 4 ? 5 : 4; }
export function publicKeyBytes(k: i32): usize { return ENCODED_POLY_BYTES * <usize>k + SEED_BYTES; }
export function secretKeyBytes(k: i32): usize { return 2 * ENCODED_POLY_BYTES * <usize>k + 3 * SEED_BYTES; }
export function ciphertextBytes(k: i32): usize { return 32 * (<usize>du(k) * <usize>k + <usize>dv(k)); }
export function validRank(k: i32): bool { return k >= MIN_RANK && k <= MAX_RANK; }

/** Â[row, column] as FIPS 203 defines it: SampleNTT(ρ ‖ a ‖ b), with (a, b) = (column, row)
 *  for Â and (row, column) for Âᵀ; the caller passes the two index bytes in order. */
function sampleMatrixEntry(output: usize, rho: usize, first: u8, second: u8): void {
  keccak.initShake128(context);
  keccak.absorb(context, rho, SEED_BYTES);
  keccak.absorbByte(context, first);
  keccak.absorbByte(context, second);
  keccak.squeeze(context, sampleBytes, FIRST_SQUEEZE);
  let filled = poly.sampleUniform(output, 0, sampleBytes, FIRST_SQUEEZE);
  while (filled < poly.N) {
    keccak.squeeze(context, sampleBytes, NEXT_SQUEEZE);
    filled = poly.sampleUniform(output, filled, sampleBytes, NEXT_SQUEEZE);
  }
}

/** SamplePolyCBD_η(PRF_η(seed, nonce)): PRF is SHAKE256(seed ‖ nonce), 64η bytes. */
function sampleNoise(output: usize, seed: usize, nonce: u8, eta: i32): void {
  keccak.initShake256(context);
  keccak.absorb(context, seed, SEED_BYTES);
  keccak.absorbByte(context, nonce);
  keccak.squeeze(context, prfBytes, 64 * <usize>eta);
  poly.sampleCbd(output, prfBytes, eta);
}

/** FIPS 203 Algorithm 13, K-PKE.KeyGen(d): writes ek (384k + 32 bytes) and dk_PKE (384k). */
function pkeKeygen(k: i32, d: usize, ek: usize, dkPke: usize): void {
  const rank = <usize>k;
  memory.copy(hashInput, d, SEED_BYTES);
  store<u8>(hashInput + SEED_BYTES, <u8>k);               // G(d ‖ k): domain separation by parameter set
  keccak.sha3_512(hashInput, SEED_BYTES + 1, seeds);
  const rho = seeds, sigma = seeds + SEED_BYTES;
  const e1 = eta1(k);
  for (let i: usize = 0; i < rank; i++) {
    sampleNoise(polyAt(secret, i), sigma, <u8>i, e1);
    poly.ntt(polyAt(secret, i));
  }
  for (let i: usize = 0; i < rank; i++) {
    sampleNoise(polyAt(publicVector, i), sigma, <u8>(rank + i), e1);
    poly.ntt(polyAt(publicVector, i));
  }
  for (let i: usize = 0; i < rank; i++) {                // t̂ = Â ∘ ŝ + ê, row by row
    poly.zero(sum);
    for (let j: usize = 0; j < rank; j++) {
      sampleMatrixEntry(entry, rho, <u8>j, <u8>i);
      poly.basemulAdd(sum, entry, polyAt(secret, j));
    }
    poly.toMont(sum);
    poly.add(sum, polyAt(publicVector, i));
    poly.toCanonical(sum);
    poly.pack(ek + i * ENCODED_POLY_BYTES, sum, 12);
  }
  memory.copy(ek + rank * ENCODED_POLY_BYTES, rho, SEED_BYTES);
  for (let i: usize = 0; i < rank; i++) {
    poly.toCanonical(polyAt(secret, i));
    poly.pack(dkPke + i * ENCODED_POLY_BYTES, polyAt(secret, i), 12);
  }
}

/** FIPS 203 Algorithm 14, K-PKE.Encrypt(ek, m, r): writes the ciphertext. */
function pkeEncrypt(k: i32, ek: usize, message: usize, r: usize, ciphertext: usize): void {
  const rank = <usize>k;
  const rho = ek + rank * ENCODED_POLY_BYTES;
  const e1 = eta1(k), bitsU = du(k), bitsV = dv(k);
  for (let i: usize = 0; i < rank; i++) poly.unpack(polyAt(publicVector, i), ek + i * ENCODED_POLY_BYTES, 12);
  for (let i: usize = 0; i < rank; i++) {
    sampleNoise(polyAt(secret, i), r, <u8>i, e1);                     // y
    poly.ntt(polyAt(secret, i));
  }
  for (let i: usize = 0; i < rank; i++) {                // u = NTT^-1(Âᵀ ∘ ŷ) + e1
    poly.zero(sum);
    for (let j: usize = 0; j < rank; j++) {
      sampleMatrixEntry(entry, rho, <u8>i, <u8>j);
      poly.basemulAdd(sum, entry, polyAt(secret, j));
    }
    poly.reduce(sum);
    poly.invNtt(sum);
    sampleNoise(noise, r, <u8>(rank + i), ETA2);
    poly.add(sum, noise);
    poly.compress(sum, bitsU);
    poly.pack(ciphertext + i * 32 * <usize>bitsU, sum, bitsU);
  }
  poly.zero(sum);                                       // v = NTT^-1(t̂ᵀ ∘ ŷ) + e2 + μ
  for (let j: usize = 0; j < rank; j++) poly.basemulAdd(sum, polyAt(publicVector, j), polyAt(secret, j));
  poly.reduce(sum);
  poly.invNtt(sum);
  sampleNoise(noise, r, <u8>(2 * rank), ETA2);
  poly.add(sum, noise);
  poly.fromMessage(vpoly, message);
  poly.add(sum, vpoly);
  poly.compress(sum, bitsV);
  poly.pack(ciphertext + rank * 32 * <usize>bitsU, sum, bitsV);
}

/** FIPS 203 Algorithm 15, K-PKE.Decrypt(dk_PKE, c): writes the 32-byte message. */
function pkeDecrypt(k: i32, dkPke: usize, ciphertext: usize, message: usize): void {
  const rank = <usize>k;
  const bitsU = du(k), bitsV = dv(k);
  for (let i: usize = 0; i < rank; i++) {
    const u = polyAt(vectorU, i);
    poly.unpack(u, ciphertext + i * 32 * <usize>bitsU, bitsU);
    poly.decompress(u, bitsU);
    poly.ntt(u);
    poly.unpack(polyAt(secret, i), dkPke + i * ENCODED_POLY_BYTES, 12);
  }
  poly.zero(sum);                                       // w = v' - NTT^-1(ŝᵀ ∘ NTT(u'))
  for (let i: usize = 0; i < rank; i++) poly.basemulAdd(sum, polyAt(secret, i), polyAt(vectorU, i));
  poly.reduce(sum);
  poly.invNtt(sum);
  poly.unpack(vpoly, ciphertext + rank * 32 * <usize>bitsU, bitsV);
  poly.decompress(vpoly, bitsV);
  poly.subtract(vpoly, vpoly, sum);
  poly.toMessage(message, vpoly);
}

/** FIPS 203 Algorithm 16, ML-KEM.KeyGen_internal(d, z), seed = d ‖ z (64 bytes):
 *  writes ek (publicKeyBytes(k)) and dk (secretKeyBytes(k)). False for a bad k. */
export function keygen(k: i32, seed: usize, ek: usize, dk: usize): bool {
  if (!validRank(k)) return false;
  const rank = <usize>k;
  pkeKeygen(k, seed, ek, dk);
  const ekBytes = publicKeyBytes(k);
  memory.copy(dk + rank * ENCODED_POLY_BYTES, ek, ekBytes);         // dk = dk_PKE ‖ ek ‖ H(ek) ‖ z
  keccak.sha3_256(ek, ekBytes, dk + rank * ENCODED_POLY_BYTES + ekBytes);
  memory.copy(dk + rank * ENCODED_POLY_BYTES + ekBytes + SEED_BYTES, seed + SEED_BYTES, SEED_BYTES);
  return true;
}

/** FIPS 203 Algorithm 17, ML-KEM.Encaps_internal(ek, m) with the §7.2 modulus check
 *  on ek: writes the ciphertext and the 32-byte shared secret. False when ek fails
 *  the check (a coefficient ≥ q) or k is bad. */
export function encapsulate(k: i32, ek: usize, message: usize, ciphertext: usize, sharedSecret: usize): bool {
  if (!validRank(k)) return false;
  const rank = <usize>k;
  for (let i: usize = 0; i < rank; i++) {
    poly.unpack(entry, ek + i * ENCODED_POLY_BYTES, 12);
    if (!poly.allBelowQ(entry)) return false;
  }
  memory.copy(hashInput, message, SEED_BYTES);
  keccak.sha3_256(ek, publicKeyBytes(k), hashInput + SEED_BYTES);
  keccak.sha3_512(hashInput, 2 * SEED_BYTES, seeds);                 // (K, r) = G(m ‖ H(ek))
  memory.copy(decrypted, hashInput, SEED_BYTES);
  pkeEncrypt(k, ek, decrypted, seeds + SEED_BYTES, ciphertext);
  memory.copy(sharedSecret, seeds, SHARED_SECRET_BYTES);
  return true;
}

/** FIPS 203 Algorithm 18, ML-KEM.Decaps_internal(dk, c) with the §7.3 hash check on
 *  dk: writes the 32-byte shared secret (the implicit-rejection key K̄ when c was
 *  not produced for this key). False when dk fails the check or k is bad. */
export function decapsulate(k: i32, dk: usize, ciphertext: usize, sharedSecret: usize): bool {
  if (!validRank(k)) return false;
  const rank = <usize>k;
  const ek = dk + rank * ENCODED_POLY_BYTES;
  const ekBytes = publicKeyBytes(k);
  const h = ek + ekBytes, z = h + SEED_BYTES;
  const ctBytes = ciphertextBytes(k);
  keccak.sha3_256(ek, ekBytes, keyHash);
  let keyDifference: u32 = 0;
  for (let i: usize = 0; i < SEED_BYTES; i++) keyDifference |= <u32>(load<u8>(keyHash + i) ^ load<u8>(h + i));
  if (keyDifference != 0) return false;

  pkeDecrypt(k, dk, ciphertext, decrypted);                          // m'
  memory.copy(hashInput, decrypted, SEED_BYTES);
  memory.copy(hashInput + SEED_BYTES, h, SEED_BYTES);
  keccak.sha3_512(hashInput, 2 * SEED_BYTES, seeds);                 // (K', r') = G(m' ‖ h)
  keccak.initShake256(context);                                      // K̄ = J(z ‖ c)
  keccak.absorb(context, z, SEED_BYTES);
  keccak.absorb(context, ciphertext, ctBytes);
  keccak.squeeze(context, rejectionKey, SHARED_SECRET_BYTES);
  pkeEncrypt(k, ek, decrypted, seeds + SEED_BYTES, reencrypted);     // c'

  // Constant time: every byte of c and c' is compared (no early exit), and the
  // key is chosen with a mask made from the difference, not with a branch.
  let difference: u32 = 0;
  for (let i: usize = 0; i < ctBytes; i++) difference |= <u32>(load<u8>(ciphertext + i) ^ load<u8>(reencrypted + i));
  const keepMask = <u8>((difference - 1) >> 8);                      // 0xff when equal, 0 otherwise
  for (let i: usize = 0; i < SHARED_SECRET_BYTES; i++) {
    const accepted = load<u8>(seeds + i), rejected = load<u8>(rejectionKey + i);
    store<u8>(sharedSecret + i, rejected ^ (keepMask & (accepted ^ rejected)));
  }
  return true;
}
