// sha512.ts — SHA-512 (FIPS 180-4) over linear memory: incremental on a caller's
// context (init / update / final) and one-shot (digest), the 64-bit sibling of
// sha256.ts with the same rules: the context is plain bytes the caller reserves
// with memory.data(CONTEXT_BYTES); digest() uses this module's own context and is
// not re-entrant. No secret-dependent branches or table indices.
//
// Context layout (bytes):
//   0  state     8 × u64, the working hash H0..H7
//  64  total     u64, bytes hashed so far (the 128-bit length field's low half:
//                messages stay far below 2^61 bytes, so the high half is 0)
//  72  buffered  u32, bytes waiting in `block`
//  76  (unused)  4
//  80  block     128, a partial block carried between update() calls
// 208  schedule  16 × u64, the message schedule as a rolling window W[t mod 16]

export const DIGEST_BYTES: usize = 64;
export const BLOCK_BYTES: usize = 128;
export const CONTEXT_BYTES: i32 = 336;

const STATE: usize = 0;
const TOTAL: usize = 64;
const BUFFERED: usize = 72;
const BLOCK: usize = 80;
const SCHEDULE: usize = 208;
const WORDS: usize = 8;
const ROUNDS: usize = 80;
const WINDOW_MASK: usize = 15;
const LENGTH_FIELD: usize = 112;         // where the 128-bit bit length starts in the last block
const LENGTH_LOW: usize = 120;           // its low 64 bits
const PADDING_MARKER: u8 = 0x80;

// FIPS 180-4 §4.2.3: the first 64 bits of the fractional parts of the cube roots
// of the first 80 primes.
const K = memory.data<u64>([
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
  0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
  0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
  0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
  0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
  0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
  0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
  0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
  0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
  0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
  0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
  0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
  0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
  0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
  0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
  0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
  0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
]);

// §5.3.5: the first 64 bits of the fractional parts of the square roots of the first 8 primes.
const INITIAL = memory.data<u64>([
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
  0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
]);

const ownContext = memory.data(CONTEXT_BYTES);

// §4.1.3, the six logical functions.
// @ts-ignore: decorator
@inline function choose(x: u64, y: u64, z: u64): u64 { return (x & y) ^ (~x & z); }
// @ts-ignore: decorator
@inline function majority(x: u64, y: u64, z: u64): u64 { return (x & y) ^ (x & z) ^ (y & z); }
// @ts-ignore: decorator
@inline function bigSigma0(x: u64): u64 { return rotr<u64>(x, 28) ^ rotr<u64>(x, 34) ^ rotr<u64>(x, 39); }
// @ts-ignore: decorator
@inline function bigSigma1(x: u64): u64 { return rotr<u64>(x, 14) ^ rotr<u64>(x, 18) ^ rotr<u64>(x, 41); }
// @ts-ignore: decorator
@inline function smallSigma0(x: u64): u64 { return rotr<u64>(x, 1) ^ rotr<u64>(x, 8) ^ (x >> 7); }
// @ts-ignore: decorator
@inline function smallSigma1(x: u64): u64 { return rotr<u64>(x, 19) ^ rotr<u64>(x, 61) ^ (x >> 6); }

// @ts-ignore: decorator
@inline function word(base: usize, index: usize): usize { return base + (index << 3); }

/** §6.4.2: folds one 128-byte block (big-endian words) into the state. */
function compress(context: usize, block: usize): void {
  const schedule = context + SCHEDULE;
  const state = context + STATE;
  let a = load<u64>(word(state, 0)), b = load<u64>(word(state, 1));
  let c = load<u64>(word(state, 2)), d = load<u64>(word(state, 3));
  let e = load<u64>(word(state, 4)), f = load<u64>(word(state, 5));
  let g = load<u64>(word(state, 6)), h = load<u64>(word(state, 7));
  for (let t: usize = 0; t < ROUNDS; t++) {
    let w: u64;
    if (t < 16) {
      w = bswap<u64>(load<u64>(word(block, t)));
    } else {
      w = smallSigma1(load<u64>(word(schedule, (t - 2) & WINDOW_MASK))) +
          load<u64>(word(schedule, (t - 7) & WINDOW_MASK)) +
          smallSigma0(load<u64>(word(schedule, (t - 15) & WINDOW_MASK))) +
          load<u64>(word(schedule, t & WINDOW_MASK));     // W[t-16], about to be replaced
    }
    store<u64>(word(schedule, t & WINDOW_MASK), w);
    const t1 = h + bigSigma1(e) + choose(e, f, g) + load<u64>(word(K, t)) + w;
    const t2 = bigSigma0(a) + majority(a, b, c);
    h = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  store<u64>(word(state, 0), load<u64>(word(state, 0)) + a);
  store<u64>(word(state, 1), load<u64>(word(state, 1)) + b);
  store<u64>(word(state, 2), load<u64>(word(state, 2)) + c);
  store<u64>(word(state, 3), load<u64>(word(state, 3)) + d);
  store<u64>(word(state, 4), load<u64>(word(state, 4)) + e);
  store<u64>(word(state, 5), load<u64>(word(state, 5)) + f);
  store<u64>(word(state, 6), load<u64>(word(state, 6)) + g);
  store<u64>(word(state, 7), load<u64>(word(state, 7)) + h);
}

/** Starts a hash in `context` (CONTEXT_BYTES of the caller's memory). */
export function init(context: usize): void {
  memory.copy(context + STATE, INITIAL, WORDS << 3);
  store<u64>(context + TOTAL, 0);
  store<u32>(context + BUFFERED, 0);
}

/** Hashes `length` more bytes from `source`; any split of a message gives the same digest. */
export function update(context: usize, source: usize, length: usize): void {
  store<u64>(context + TOTAL, load<u64>(context + TOTAL) + <u64>length);
  let buffered = <usize>load<u32>(context + BUFFERED);
  if (buffered != 0) {
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

/** §5.1.2 padding, then writes the 64-byte digest to `output`. init() again before reuse. */
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
  store<u64>(block + LENGTH_FIELD, 0);
  store<u64>(block + LENGTH_LOW, bswap<u64>(bits));
  compress(context, block);
  for (let i: usize = 0; i < WORDS; i++) store<u64>(word(output, i), bswap<u64>(load<u64>(word(context + STATE, i))));
}

/** One-shot: the digest of `length` bytes at `source`, written to `output`. */
export function digest(source: usize, length: usize, output: usize): void {
  init(ownContext);
  update(ownContext, source, length);
  final(ownContext, output);
}
