// sha256.ts — SHA-256 (FIPS 180-4) over linear memory: incremental on a caller's
// context (init / update / final) and one-shot (digest). A context is plain bytes
// the caller reserves with memory.data(CONTEXT_BYTES); one context serves one
// hash at a time and is guarded by whoever owns it. digest() uses this module's
// own context: it is not re-entrant (not from interrupt handlers, one CPU at a time).
//
// Written here rather than vendored: @chainsafe/as-sha256 (1.2.5) builds its
// buffers with `new ArrayBuffer` (managed allocation, and its wasm imports
// env.abort), keeps one global state (no context per caller), ships no AssemblyScript
// source in its npm package, and its update() gets the hash wrong whenever a
// partial block is completed by a later call (it advances the source by 0 bytes).
//
// Context layout (bytes):
//   0  state     8 × u32, the working hash H0..H7
//  32  total     u64, bytes hashed so far (the length field of the padding)
//  40  buffered  u32, bytes waiting in `block`
//  44  (unused)  4
//  48  block     64, a partial block carried between update() calls
// 112  schedule  16 × u32, the message schedule as a rolling window W[t mod 16]

export const DIGEST_BYTES: usize = 32;
export const BLOCK_BYTES: usize = 64;
export const CONTEXT_BYTES: i32 = 176;

const STATE: usize = 0;
const TOTAL: usize = 32;
const BUFFERED: usize = 40;
const BLOCK: usize = 48;
const SCHEDULE: usize = 112;
const WORDS: usize = 8;                   // words of state and of the digest
const ROUNDS: usize = 64;
const WINDOW_MASK: usize = 15;           // the schedule keeps the last 16 words
const LENGTH_FIELD: usize = 56;          // where the 64-bit bit length sits in the last block
const PADDING_MARKER: u8 = 0x80;         // the '1' bit that follows the message

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots
// of the first 64 primes.
const K = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// §5.3.3: the first 32 bits of the fractional parts of the square roots of the first 8 primes.
const INITIAL = memory.data<u32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const ownContext = memory.data(CONTEXT_BYTES);

// §4.1.2, the six logical functions.
// @ts-ignore: decorator
@inline function choose(x: u32, y: u32, z: u32): u32 { return (x & y) ^ (~x & z); }
// @ts-ignore: decorator
@inline function majority(x: u32, y: u32, z: u32): u32 { return (x & y) ^ (x & z) ^ (y & z); }
// @ts-ignore: decorator
@inline function bigSigma0(x: u32): u32 { return rotr<u32>(x, 2) ^ rotr<u32>(x, 13) ^ rotr<u32>(x, 22); }
// @ts-ignore: decorator
@inline function bigSigma1(x: u32): u32 { return rotr<u32>(x, 6) ^ rotr<u32>(x, 11) ^ rotr<u32>(x, 25); }
// @ts-ignore: decorator
@inline function smallSigma0(x: u32): u32 { return rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3); }
// @ts-ignore: decorator
@inline function smallSigma1(x: u32): u32 { return rotr<u32>(x, 17) ^ rotr<u32>(x, 19) ^ (x >>> 10); }

// @ts-ignore: decorator
@inline function word(base: usize, index: usize): usize { return base + (index << 2); }

/** §6.2.2: folds one 64-byte block (big-endian words) into the state. */
function compress(context: usize, block: usize): void {
  const schedule = context + SCHEDULE;
  const state = context + STATE;
  let a = load<u32>(word(state, 0)), b = load<u32>(word(state, 1));
  let c = load<u32>(word(state, 2)), d = load<u32>(word(state, 3));
  let e = load<u32>(word(state, 4)), f = load<u32>(word(state, 5));
  let g = load<u32>(word(state, 6)), h = load<u32>(word(state, 7));
  for (let t: usize = 0; t < ROUNDS; t++) {
    let w: u32;
    if (t < 16) {
      w = bswap<u32>(load<u32>(word(block, t)));
    } else {
      w = smallSigma1(load<u32>(word(schedule, (t - 2) & WINDOW_MASK))) +
          load<u32>(word(schedule, (t - 7) & WINDOW_MASK)) +
          smallSigma0(load<u32>(word(schedule, (t - 15) & WINDOW_MASK))) +
          load<u32>(word(schedule, t & WINDOW_MASK));     // W[t-16], about to be replaced
    }
    store<u32>(word(schedule, t & WINDOW_MASK), w);
    const t1 = h + bigSigma1(e) + choose(e, f, g) + load<u32>(word(K, t)) + w;
    const t2 = bigSigma0(a) + majority(a, b, c);
    h = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  store<u32>(word(state, 0), load<u32>(word(state, 0)) + a);
  store<u32>(word(state, 1), load<u32>(word(state, 1)) + b);
  store<u32>(word(state, 2), load<u32>(word(state, 2)) + c);
  store<u32>(word(state, 3), load<u32>(word(state, 3)) + d);
  store<u32>(word(state, 4), load<u32>(word(state, 4)) + e);
  store<u32>(word(state, 5), load<u32>(word(state, 5)) + f);
  store<u32>(word(state, 6), load<u32>(word(state, 6)) + g);
  store<u32>(word(state, 7), load<u32>(word(state, 7)) + h);
}

/** Starts a hash in `context` (CONTEXT_BYTES of the caller's memory). */
export function init(context: usize): void {
  memory.copy(context + STATE, INITIAL, WORDS << 2);
  store<u64>(context + TOTAL, 0);
  store<u32>(context + BUFFERED, 0);
}

/** Hashes `length` more bytes from `source`; any split of a message gives the same digest. */
export function update(context: usize, source: usize, length: usize): void {
  store<u64>(context + TOTAL, load<u64>(context + TOTAL) + <u64>length);
  let buffered = <usize>load<u32>(context + BUFFERED);
  if (buffered != 0) {                      // first complete the block carried over
    const take = min<usize>(BLOCK_BYTES - buffered, length);
    memory.copy(context + BLOCK + buffered, source, take);
    buffered += take;
    source += take;
    length -= take;
    if (buffered < BLOCK_BYTES) {
      store<u32>(context + BUFFERED, <u32>buffered);
      return;
    }
    compress(context, context + BLOCK);
  }
  for (; length >= BLOCK_BYTES; length -= BLOCK_BYTES, source += BLOCK_BYTES) compress(context, source);
  if (length != 0) memory.copy(context + BLOCK, source, length);
  store<u32>(context + BUFFERED, <u32>length);
}

/** §5.1.1 padding, then writes the 32-byte digest to `output`. The context must be
 *  init()ed again before reuse. */
export function final(context: usize, output: usize): void {
  const block = context + BLOCK;
  const buffered = <usize>load<u32>(context + BUFFERED);
  const bits = load<u64>(context + TOTAL) << 3;
  store<u8>(block + buffered, PADDING_MARKER);
  if (buffered + 1 > LENGTH_FIELD) {         // no room for the length: one more block
    memory.fill(block + buffered + 1, 0, BLOCK_BYTES - buffered - 1);
    compress(context, block);
    memory.fill(block, 0, LENGTH_FIELD);
  } else {
    memory.fill(block + buffered + 1, 0, LENGTH_FIELD - buffered - 1);
  }
  store<u64>(block + LENGTH_FIELD, bswap<u64>(bits));
  compress(context, block);
  for (let i: usize = 0; i < WORDS; i++) store<u32>(word(output, i), bswap<u32>(load<u32>(word(context + STATE, i))));
}

/** One-shot: the digest of `length` bytes at `source`, written to `output`. */
export function digest(source: usize, length: usize, output: usize): void {
  init(ownContext);
  update(ownContext, source, length);
  final(ownContext, output);
}

/** True when the two 32-byte digests are equal. */
export function equal(left: usize, right: usize): bool {
  let difference: u64 = 0;                  // no early exit: the time does not depend on where they differ
  for (let i: usize = 0; i < DIGEST_BYTES; i += 8) difference |= load<u64>(left + i) ^ load<u64>(right + i);
  return difference == 0;
}
