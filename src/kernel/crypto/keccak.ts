// keccak.ts — Keccak-f[1600] and the FIPS 202 sponge functions built on it:
// SHA3-256, SHA3-512, SHAKE128 and SHAKE256, incremental (init / absorb /
// squeeze) on a caller's context of CONTEXT_BYTES, and one-shot. The one-shot
// functions use this module's own context: not re-entrant (one CPU at a time,
// not from interrupt handlers); ML-KEM and ML-DSA keep contexts of their own.
//
// The permutation is unrolled over the 25 lanes held in locals (u64), so that
// wasm2c's C keeps them in registers; only the round loop remains. Keccak has
// no secret-dependent branches or table indices, so everything here is
// constant-time in the data (lengths are public).
//
// Context layout (bytes):
//   0  state     25 × u64 lanes, lane (x, y) at 8 × (x + 5y), little-endian as FIPS 202 §B.1 orders bytes
// 200  rate      u32, bytes per block: 168 SHAKE128, 136 SHAKE256 / SHA3-256, 72 SHA3-512
// 204  position  u32, bytes absorbed into, or squeezed from, the current block
// 208  suffix    u32, the domain bits and first pad bit: 0x06 SHA-3, 0x1f SHAKE (FIPS 202 §6.1-6.2, B.2)
// 212  phase     u32, 0 absorbing, 1 squeezing

export const CONTEXT_BYTES: i32 = 216;
export const RATE_SHAKE128: u32 = 168;
export const RATE_SHAKE256: u32 = 136;
export const RATE_SHA3_256: u32 = 136;
export const RATE_SHA3_512: u32 = 72;
export const SUFFIX_SHA3: u32 = 0x06;
export const SUFFIX_SHAKE: u32 = 0x1f;

const STATE_BYTES: usize = 200;
const RATE: usize = 200;
const POSITION: usize = 204;
const SUFFIX: usize = 208;
const PHASE: usize = 212;
const ABSORBING: u32 = 0;
const SQUEEZING: u32 = 1;
const LAST_PAD_BIT: u8 = 0x80;            // the final '1' of pad10*1
const ROUNDS: usize = 24;

// FIPS 202 §3.2.5: the ι round constants (computed with the rc(t) LFSR).
const RC = memory.data<u64>([
  0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000, 0x000000000000808b, 0x0000000080000001,
  0x8000000080008081, 0x8000000000008009, 0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
  0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003, 0x8000000000008002, 0x8000000000000080,
  0x000000000000800a, 0x800000008000000a, 0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]);

const ownContext = memory.data(CONTEXT_BYTES);

/** Keccak-f[1600] (FIPS 202 §3.3-3.4) on the 25 lanes at `state`. The rotation
 *  offsets of ρ (§3.2.2) and the π lane moves are written into the unrolled body. */
export function permute(state: usize): void {
  let a0 = load<u64>(state, 0);
  let a1 = load<u64>(state, 8);
  let a2 = load<u64>(state, 16);
  let a3 = load<u64>(state, 24);
  let a4 = load<u64>(state, 32);
  let a5 = load<u64>(state, 40);
  let a6 = load<u64>(state, 48);
  let a7 = load<u64>(state, 56);
  let a8 = load<u64>(state, 64);
  let a9 = load<u64>(state, 72);
  let a10 = load<u64>(state, 80);
  let a11 = load<u64>(state, 88);
  let a12 = load<u64>(state, 96);
  let a13 = load<u64>(state, 104);
  let a14 = load<u64>(state, 112);
  let a15 = load<u64>(state, 120);
  let a16 = load<u64>(state, 128);
  let a17 = load<u64>(state, 136);
  let a18 = load<u64>(state, 144);
  let a19 = load<u64>(state, 152);
  let a20 = load<u64>(state, 160);
  let a21 = load<u64>(state, 168);
  let a22 = load<u64>(state, 176);
  let a23 = load<u64>(state, 184);
  let a24 = load<u64>(state, 192);
  for (let round: usize = 0; round < ROUNDS; round++) {
    // θ: each column's parity, folded into the two neighbouring columns
    const c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
    const c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
    const c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
    const c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
    const c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
    const d0 = c4 ^ rotl<u64>(c1, 1);
    const d1 = c0 ^ rotl<u64>(c2, 1);
    const d2 = c1 ^ rotl<u64>(c3, 1);
    const d3 = c2 ^ rotl<u64>(c4, 1);
    const d4 = c3 ^ rotl<u64>(c0, 1);
    // ρ and π: lane (x, y) rotated by its offset moves to (y, 2x + 3y)
    const b0 = a0 ^ d0;
    const b1 = rotl<u64>(a6 ^ d1, 44);
    const b2 = rotl<u64>(a12 ^ d2, 43);
    const b3 = rotl<u64>(a18 ^ d3, 21);
    const b4 = rotl<u64>(a24 ^ d4, 14);
    const b5 = rotl<u64>(a3 ^ d3, 28);
    const b6 = rotl<u64>(a9 ^ d4, 20);
    const b7 = rotl<u64>(a10 ^ d0, 3);
    const b8 = rotl<u64>(a16 ^ d1, 45);
    const b9 = rotl<u64>(a22 ^ d2, 61);
    const b10 = rotl<u64>(a1 ^ d1, 1);
    const b11 = rotl<u64>(a7 ^ d2, 6);
    const b12 = rotl<u64>(a13 ^ d3, 25);
    const b13 = rotl<u64>(a19 ^ d4, 8);
    const b14 = rotl<u64>(a20 ^ d0, 18);
    const b15 = rotl<u64>(a4 ^ d4, 27);
    const b16 = rotl<u64>(a5 ^ d0, 36);
    const b17 = rotl<u64>(a11 ^ d1, 10);
    const b18 = rotl<u64>(a17 ^ d2, 15);
    const b19 = rotl<u64>(a23 ^ d3, 56);
    const b20 = rotl<u64>(a2 ^ d2, 62);
    const b21 = rotl<u64>(a8 ^ d3, 55);
    const b22 = rotl<u64>(a14 ^ d4, 39);
    const b23 = rotl<u64>(a15 ^ d0, 41);
    const b24 = rotl<u64>(a21 ^ d1, 2);
    // χ: each row mixed with its two right neighbours; ι on lane 0
    a0 = b0 ^ (~b1 & b2) ^ load<u64>(RC + (round << 3));
    a1 = b1 ^ (~b2 & b3);
    a2 = b2 ^ (~b3 & b4);
    a3 = b3 ^ (~b4 & b0);
    a4 = b4 ^ (~b0 & b1);
    a5 = b5 ^ (~b6 & b7);
    a6 = b6 ^ (~b7 & b8);
    a7 = b7 ^ (~b8 & b9);
    a8 = b8 ^ (~b9 & b5);
    a9 = b9 ^ (~b5 & b6);
    a10 = b10 ^ (~b11 & b12);
    a11 = b11 ^ (~b12 & b13);
    a12 = b12 ^ (~b13 & b14);
    a13 = b13 ^ (~b14 & b10);
    a14 = b14 ^ (~b10 & b11);
    a15 = b15 ^ (~b16 & b17);
    a16 = b16 ^ (~b17 & b18);
    a17 = b17 ^ (~b18 & b19);
    a18 = b18 ^ (~b19 & b15);
    a19 = b19 ^ (~b15 & b16);
    a20 = b20 ^ (~b21 & b22);
    a21 = b21 ^ (~b22 & b23);
    a22 = b22 ^ (~b23 & b24);
    a23 = b23 ^ (~b24 & b20);
    a24 = b24 ^ (~b20 & b21);
  }
  store<u64>(state, a0, 0);
  store<u64>(state, a1, 8);
  store<u64>(state, a2, 16);
  store<u64>(state, a3, 24);
  store<u64>(state, a4, 32);
  store<u64>(state, a5, 40);
  store<u64>(state, a6, 48);
  store<u64>(state, a7, 56);
  store<u64>(state, a8, 64);
  store<u64>(state, a9, 72);
  store<u64>(state, a10, 80);
  store<u64>(state, a11, 88);
  store<u64>(state, a12, 96);
  store<u64>(state, a13, 104);
  store<u64>(state, a14, 112);
  store<u64>(state, a15, 120);
  store<u64>(state, a16, 128);
  store<u64>(state, a17, 136);
  store<u64>(state, a18, 144);
  store<u64>(state, a19, 152);
  store<u64>(state, a20, 160);
  store<u64>(state, a21, 168);
  store<u64>(state, a22, 176);
  store<u64>(state, a23, 184);
  store<u64>(state, a24, 192);
}

/** Starts a sponge with `rate` bytes per block and the given domain suffix. */
export function init(context: usize, rate: u32, suffix: u32): void {
  memory.fill(context, 0, STATE_BYTES);
  store<u32>(context + RATE, rate);
  store<u32>(context + POSITION, 0);
  store<u32>(context + SUFFIX, suffix);
  store<u32>(context + PHASE, ABSORBING);
}

export function initSha3_256(context: usize): void { init(context, RATE_SHA3_256, SUFFIX_SHA3); }
export function initSha3_512(context: usize): void { init(context, RATE_SHA3_512, SUFFIX_SHA3); }
export function initShake128(context: usize): void { init(context, RATE_SHAKE128, SUFFIX_SHAKE); }
export function initShake256(context: usize): void { init(context, RATE_SHAKE256, SUFFIX_SHAKE); }

/** Absorbs `length` bytes from `source`; any split of a message gives the same output.
 *  Must not be called after squeezing began. */
export function absorb(context: usize, source: usize, length: usize): void {
  const rate = <usize>load<u32>(context + RATE);
  let position = <usize>load<u32>(context + POSITION);
  while (length != 0) {
    if (position == 0 && length >= rate) {          // a whole block: lane by lane
      for (let i: usize = 0; i < rate; i += 8) store<u64>(context + i, load<u64>(context + i) ^ load<u64>(source + i));
      permute(context);
      source += rate;
      length -= rate;
      continue;
    }
    const take = min<usize>(rate - position, length);
    for (let i: usize = 0; i < take; i++) store<u8>(context + position + i, load<u8>(context + position + i) ^ load<u8>(source + i));
    position += take;
    source += take;
    length -= take;
    if (position == rate) { permute(context); position = 0; }
  }
  store<u32>(context + POSITION, <u32>position);
}

/** Absorbs one byte (the domain-separation indices of ML-KEM and ML-DSA), straight
 *  into the state: no shared scratch, so contexts on different CPUs stay independent. */
export function absorbByte(context: usize, value: u8): void {
  const rate = load<u32>(context + RATE);
  let position = load<u32>(context + POSITION);
  store<u8>(context + <usize>position, load<u8>(context + <usize>position) ^ value);
  if (++position == rate) { permute(context); position = 0; }
  store<u32>(context + POSITION, position);
}

/** FIPS 202 §5.1 pad10*1 after the suffix bits, and the switch to squeezing. */
function finish(context: usize): void {
  const rate = <usize>load<u32>(context + RATE);
  const position = <usize>load<u32>(context + POSITION);
  store<u8>(context + position, load<u8>(context + position) ^ <u8>load<u32>(context + SUFFIX));
  store<u8>(context + rate - 1, load<u8>(context + rate - 1) ^ LAST_PAD_BIT);
  permute(context);
  store<u32>(context + POSITION, 0);
  store<u32>(context + PHASE, SQUEEZING);
}

/** Writes the next `length` bytes of output to `output` (the first call ends absorbing). */
export function squeeze(context: usize, output: usize, length: usize): void {
  if (load<u32>(context + PHASE) == ABSORBING) finish(context);
  const rate = <usize>load<u32>(context + RATE);
  let position = <usize>load<u32>(context + POSITION);
  while (length != 0) {
    if (position == rate) { permute(context); position = 0; }
    const take = min<usize>(rate - position, length);
    memory.copy(output, context + position, take);
    position += take;
    output += take;
    length -= take;
  }
  store<u32>(context + POSITION, <u32>position);
}

function oneShot(rate: u32, suffix: u32, source: usize, length: usize, output: usize, outputLength: usize): void {
  init(ownContext, rate, suffix);
  absorb(ownContext, source, length);
  squeeze(ownContext, output, outputLength);
}

export function sha3_256(source: usize, length: usize, output: usize): void { oneShot(RATE_SHA3_256, SUFFIX_SHA3, source, length, output, 32); }
export function sha3_512(source: usize, length: usize, output: usize): void { oneShot(RATE_SHA3_512, SUFFIX_SHA3, source, length, output, 64); }
export function shake128(source: usize, length: usize, output: usize, outputLength: usize): void { oneShot(RATE_SHAKE128, SUFFIX_SHAKE, source, length, output, outputLength); }
export function shake256(source: usize, length: usize, output: usize, outputLength: usize): void { oneShot(RATE_SHAKE256, SUFFIX_SHAKE, source, length, output, outputLength); }
