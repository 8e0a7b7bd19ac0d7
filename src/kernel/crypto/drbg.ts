// drbg.ts — HMAC_DRBG with SHA-512 (NIST SP 800-90A Rev. 1 §10.1.2) on a
// caller's context: instantiate, reseed, generate. The kernel's generator
// (random.ts) keeps one, seeded from RDSEED / RDRAND and virtio-rng.
//
// Why HMAC_DRBG over SHA-512 rather than a SHAKE256 sponge: it is one of the
// three DRBGs SP 800-90A specifies (a SHAKE-based DRBG is not standardised),
// its security rests only on HMAC as a PRF, SHA-512 gives the 256-bit strength
// the ML-KEM-1024 / ML-DSA-87 keys it feeds need, and every generate ends in
// Update, so a state captured later does not reveal earlier output
// (backtracking resistance). It needs no new primitive: sha512.ts already exists.
//
// Context layout (bytes):
//   0  key       64, K
//  64  value     64, V
// 128  counter   u64, generate calls since the last (re)seed
// 136  separator u8, the 0x00 / 0x01 byte of Update (in the context, not shared), then 7 unused
// 144  hash      sha512.CONTEXT_BYTES, for HMAC
// 480  block     128, the padded key of HMAC
// 608  inner     64, the inner hash of HMAC
import * as sha512 from "./sha512";

export const CONTEXT_BYTES: i32 = 672;
export const OUTPUT_BYTES: usize = 64;
/** SP 800-90A Table 2 allows 2^48 requests between reseeds; the kernel reseeds
 *  far sooner, to mix fresh entropy in. */
export const RESEED_INTERVAL: u64 = 1 << 16;
/** At most 2^19 bits per request (Table 2). */
export const MAX_REQUEST_BYTES: usize = 1 << 16;

const KEY: usize = 0;
const VALUE: usize = 64;
const COUNTER: usize = 128;
const SEPARATOR: usize = 136;
const HASH: usize = 144;
const BLOCK: usize = 480;
const INNER: usize = 608;
const INNER_PAD: u8 = 0x36;                 // RFC 2104 / FIPS 198-1
const OUTER_PAD: u8 = 0x5c;

/** Starts HMAC-SHA-512 keyed with K (64 bytes, shorter than the 128-byte block, so used as is). */
function hmacBegin(context: usize): void {
  const block = context + BLOCK;
  memory.fill(block, INNER_PAD, sha512.BLOCK_BYTES);
  for (let i: usize = 0; i < OUTPUT_BYTES; i++) store<u8>(block + i, load<u8>(context + KEY + i) ^ INNER_PAD);
  sha512.init(context + HASH);
  sha512.update(context + HASH, block, sha512.BLOCK_BYTES);
}

function hmacUpdate(context: usize, source: usize, length: usize): void { sha512.update(context + HASH, source, length); }

function hmacEnd(context: usize, output: usize): void {
  const block = context + BLOCK;
  sha512.final(context + HASH, context + INNER);
  memory.fill(block, OUTER_PAD, sha512.BLOCK_BYTES);
  for (let i: usize = 0; i < OUTPUT_BYTES; i++) store<u8>(block + i, load<u8>(context + KEY + i) ^ OUTER_PAD);
  sha512.init(context + HASH);
  sha512.update(context + HASH, block, sha512.BLOCK_BYTES);
  sha512.update(context + HASH, context + INNER, OUTPUT_BYTES);
  sha512.final(context + HASH, output);
}

/** HMAC_DRBG_Update (§10.1.2.2) with provided_data = a ‖ b ‖ c (any may be empty). */
function update(context: usize, a: usize, aLength: usize, b: usize, bLength: usize, c: usize, cLength: usize): void {
  const provided = aLength + bLength + cLength;
  for (let round: u8 = 0; round < 2; round++) {
    if (round == 1 && provided == 0) break;
    hmacBegin(context);                                    // K = HMAC(K, V ‖ round ‖ provided)
    hmacUpdate(context, context + VALUE, OUTPUT_BYTES);
    store<u8>(context + SEPARATOR, round);
    hmacUpdate(context, context + SEPARATOR, 1);
    hmacUpdate(context, a, aLength);
    hmacUpdate(context, b, bLength);
    hmacUpdate(context, c, cLength);
    hmacEnd(context, context + KEY);
    hmacBegin(context);                                    // V = HMAC(K, V)
    hmacUpdate(context, context + VALUE, OUTPUT_BYTES);
    hmacEnd(context, context + VALUE);
  }
}

/** §10.1.2.3: seed_material = entropy ‖ nonce ‖ personalization. */
export function instantiate(context: usize, entropy: usize, entropyLength: usize, nonce: usize, nonceLength: usize,
                            personalization: usize, personalizationLength: usize): void {
  memory.fill(context + KEY, 0x00, OUTPUT_BYTES);
  memory.fill(context + VALUE, 0x01, OUTPUT_BYTES);
  update(context, entropy, entropyLength, nonce, nonceLength, personalization, personalizationLength);
  store<u64>(context + COUNTER, 1);
}

/** §10.1.2.4: seed_material = entropy ‖ additional input. */
export function reseed(context: usize, entropy: usize, entropyLength: usize, additional: usize, additionalLength: usize): void {
  update(context, entropy, entropyLength, additional, additionalLength, 0, 0);
  store<u64>(context + COUNTER, 1);
}

/** True when the next generate would refuse for want of a reseed. */
export function needsReseed(context: usize): bool { return load<u64>(context + COUNTER) > RESEED_INTERVAL; }

/** §10.1.2.5: `length` bytes (at most MAX_REQUEST_BYTES) to `output`. False, and
 *  nothing written, when a reseed is due or the request is too long. */
export function generate(context: usize, output: usize, length: usize, additional: usize, additionalLength: usize): bool {
  if (needsReseed(context) || length > MAX_REQUEST_BYTES) return false;
  if (additionalLength != 0) update(context, additional, additionalLength, 0, 0, 0, 0);
  let done: usize = 0;
  while (done < length) {
    hmacBegin(context);                                    // V = HMAC(K, V)
    hmacUpdate(context, context + VALUE, OUTPUT_BYTES);
    hmacEnd(context, context + VALUE);
    const take = min<usize>(OUTPUT_BYTES, length - done);
    memory.copy(output + done, context + VALUE, take);
    done += take;
  }
  update(context, additional, additionalLength, 0, 0, 0, 0);
  store<u64>(context + COUNTER, load<u64>(context + COUNTER) + 1);
  return true;
}
