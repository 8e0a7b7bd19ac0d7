// crypto.ts — guest scenarios for src/kernel/crypto:
//   crypto-kat     known answers computed on the host by Node's crypto and
//                  @noble/post-quantum (test/host/cryptokat.ts; the host test
//                  crypto-guestkat checks these constants against it): SHA-512,
//                  SHA3-256/512, SHAKE128/256 of "abc"; ML-KEM-768 keys,
//                  ciphertext and shared secret from fixed inputs, decapsulation,
//                  implicit rejection; ML-DSA-65 keys and a deterministic
//                  signature, which verifies, and a changed one does not.
//   crypto-random  the kernel DRBG reseeded from each entropy source present
//                  (RDSEED, RDRAND, virtio-rng), alone, gives output that does not repeat.
//   bench-crypto   ML-KEM-768 and ML-DSA-65 operations per second in the guest.
import { Errno } from "../../abi";
import { sha256, sha512, keccak, mlkem, mldsa, random } from "../crypto";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";

const KEM_RANK: i32 = 3;                 // ML-KEM-768
const DSA_LEVEL: i32 = 65;               // ML-DSA-65
const DIGEST_BYTES: usize = 32;

const SHA512_ABC = memory.data<u8>([0xdd, 0xaf, 0x35, 0xa1, 0x93, 0x61, 0x7a, 0xba, 0xcc, 0x41, 0x73, 0x49, 0xae, 0x20, 0x41, 0x31, 0x12, 0xe6, 0xfa, 0x4e, 0x89, 0xa9, 0x7e, 0xa2, 0x0a, 0x9e, 0xee, 0xe6, 0x4b, 0x55, 0xd3, 0x9a]);
const SHA3_256_ABC = memory.data<u8>([0x3a, 0x98, 0x5d, 0xa7, 0x4f, 0xe2, 0x25, 0xb2, 0x04, 0x5c, 0x17, 0x2d, 0x6b, 0xd3, 0x90, 0xbd, 0x85, 0x5f, 0x08, 0x6e, 0x3e, 0x9d, 0x52, 0x5b, 0x46, 0xbf, 0xe2, 0x45, 0x11, 0x43, 0x15, 0x32]);
const SHA3_512_ABC = memory.data<u8>([0xb7, 0x51, 0x85, 0x0b, 0x1a, 0x57, 0x16, 0x8a, 0x56, 0x93, 0xcd, 0x92, 0x4b, 0x6b, 0x09, 0x6e, 0x08, 0xf6, 0x21, 0x82, 0x74, 0x44, 0xf7, 0x0d, 0x88, 0x4f, 0x5d, 0x02, 0x40, 0xd2, 0x71, 0x2e]);
const SHAKE128_ABC = memory.data<u8>([0x58, 0x81, 0x09, 0x2d, 0xd8, 0x18, 0xbf, 0x5c, 0xf8, 0xa3, 0xdd, 0xb7, 0x93, 0xfb, 0xcb, 0xa7, 0x40, 0x97, 0xd5, 0xc5, 0x26, 0xa6, 0xd3, 0x5f, 0x97, 0xb8, 0x33, 0x51, 0x94, 0x0f, 0x2c, 0xc8]);
const SHAKE256_ABC = memory.data<u8>([0x48, 0x33, 0x66, 0x60, 0x13, 0x60, 0xa8, 0x77, 0x1c, 0x68, 0x63, 0x08, 0x0c, 0xc4, 0x11, 0x4d, 0x8d, 0xb4, 0x45, 0x30, 0xf8, 0xf1, 0xe1, 0xee, 0x4f, 0x94, 0xea, 0x37, 0xe7, 0x8b, 0x57, 0x39]);
const KEM768_EK = memory.data<u8>([0x0b, 0x79, 0x34, 0xc8, 0x31, 0x25, 0xc7, 0x88, 0x99, 0x5e, 0x2b, 0xa6, 0xbd, 0x76, 0x1e, 0x33, 0x04, 0x6b, 0x3e, 0x40, 0x57, 0x1b, 0xe5, 0x3e, 0x02, 0x33, 0x09, 0xa2, 0x9f, 0x39, 0x8c, 0xc9]);
const KEM768_DK = memory.data<u8>([0xda, 0xc2, 0x68, 0xbd, 0xe6, 0xa8, 0xdd, 0x23, 0x8e, 0x98, 0x87, 0x11, 0x7d, 0x6b, 0x66, 0x4e, 0x7a, 0x7a, 0x93, 0x50, 0xad, 0x6b, 0x7c, 0x08, 0xa9, 0x48, 0xe5, 0x04, 0x80, 0x95, 0x72, 0xa5]);
const KEM768_CT = memory.data<u8>([0x7d, 0x34, 0xc8, 0xdb, 0x9b, 0x89, 0xfd, 0x7a, 0xd1, 0x75, 0x1b, 0x85, 0xb4, 0xf4, 0x7a, 0x27, 0xac, 0xe8, 0xb2, 0x0d, 0x39, 0xb3, 0x33, 0xa1, 0xd6, 0x37, 0x5f, 0xf7, 0xcf, 0xbb, 0xec, 0x57]);
const KEM768_SS = memory.data<u8>([0x41, 0x96, 0xf9, 0xd1, 0xf7, 0x0a, 0x7f, 0xc1, 0x6d, 0x93, 0x74, 0xf6, 0xd2, 0xca, 0xc7, 0x77, 0x7b, 0x8f, 0xb7, 0xbf, 0xde, 0x39, 0x54, 0x39, 0x2e, 0x07, 0x79, 0x0c, 0xb2, 0x93, 0x59, 0xf8]);
const DSA65_PK = memory.data<u8>([0xdd, 0xf7, 0x23, 0xba, 0x0c, 0xc7, 0x54, 0x08, 0xd1, 0xa3, 0xa8, 0xdc, 0x48, 0xf8, 0x30, 0x2b, 0xfc, 0x25, 0xbd, 0x2c, 0xac, 0xf9, 0x37, 0x4c, 0x28, 0xd8, 0x61, 0xde, 0xea, 0x3a, 0x71, 0x84]);
const DSA65_SK = memory.data<u8>([0x8a, 0x5d, 0x0c, 0xd4, 0xd3, 0x76, 0x9a, 0x8d, 0x91, 0x88, 0x79, 0xfa, 0xa7, 0x9c, 0xa0, 0x16, 0x36, 0xf2, 0x5f, 0x92, 0x22, 0x4e, 0x8a, 0x1a, 0x4d, 0x7b, 0xcc, 0x43, 0xe2, 0xf0, 0x16, 0x6c]);
const DSA65_SIG = memory.data<u8>([0x5f, 0x6c, 0x30, 0xc7, 0xc8, 0x8a, 0x22, 0x8d, 0x15, 0xee, 0xf2, 0xbd, 0xd3, 0x0e, 0x75, 0xa6, 0x85, 0x7f, 0xa1, 0x95, 0xee, 0x27, 0xe5, 0xc3, 0x5a, 0x42, 0xf8, 0x1e, 0xbe, 0x62, 0x60, 0x9c]);

const ABC = memory.data<u8>([0x61, 0x62, 0x63]);
const kemSeed = memory.data(64);
const kemMessage = memory.data(32);
const dsaSeed = memory.data(32);
const dsaMessage = memory.data(64);
const ek = memory.data(1184);
const dk = memory.data(2400);
const ciphertext = memory.data(1088);
const shared = memory.data(32);
const sharedAgain = memory.data(32);
const publicKey = memory.data(1952);
const secretKey = memory.data(4032);
const signature = memory.data(3309);
const zeros = memory.data(32);
const digest = memory.data(64);
const hashed = memory.data(<i32>DIGEST_BYTES);

function fail(what: string): bool {
  log.begin(log.Level.Error);
  line.text("selftest: crypto: ");
  line.text(what);
  log.end();
  return false;
}

function report(what: string, ok: bool): bool {
  line.reset();
  line.text("AIOS crypto kat ");
  line.text(what);
  line.text(ok ? " ok" : " WRONG");
  log.publish();
  return ok;
}

/** The first 32 bytes at `data` against `expected`. */
function same(data: usize, expected: usize): bool { return sha256.equal(data, expected); }
/** SHA-256 of `length` bytes at `data` against `expected`. */
function digestIs(data: usize, length: usize, expected: usize): bool {
  sha256.digest(data, length, hashed);
  return sha256.equal(hashed, expected);
}

/** The inputs test/host/cryptokat.ts builds, by the same formulas. */
function makeInputs(): void {
  for (let i: usize = 0; i < 64; i++) store<u8>(kemSeed + i, <u8>i);
  for (let i: usize = 0; i < 32; i++) store<u8>(kemMessage + i, <u8>(i * 3 + 1));
  for (let i: usize = 0; i < 32; i++) store<u8>(dsaSeed + i, <u8>(0x40 + i));
  for (let i: usize = 0; i < 64; i++) store<u8>(dsaMessage + i, <u8>(i * 5));
  memory.fill(zeros, 0, 32);
}

export function knownAnswers(): bool {
  makeInputs();
  let ok = true;
  sha512.digest(ABC, 3, digest);
  ok = report("sha512", same(digest, SHA512_ABC)) && ok;
  keccak.sha3_256(ABC, 3, digest);
  ok = report("sha3-256", same(digest, SHA3_256_ABC)) && ok;
  keccak.sha3_512(ABC, 3, digest);
  ok = report("sha3-512", same(digest, SHA3_512_ABC)) && ok;
  keccak.shake128(ABC, 3, digest, 32);
  ok = report("shake128", same(digest, SHAKE128_ABC)) && ok;
  keccak.shake256(ABC, 3, digest, 32);
  ok = report("shake256", same(digest, SHAKE256_ABC)) && ok;

  if (!mlkem.keygen(KEM_RANK, kemSeed, ek, dk)) return fail("ML-KEM-768 keygen refused");
  ok = report("ml-kem-768 keygen", digestIs(ek, mlkem.publicKeyBytes(KEM_RANK), KEM768_EK) && digestIs(dk, mlkem.secretKeyBytes(KEM_RANK), KEM768_DK)) && ok;
  if (!mlkem.encapsulate(KEM_RANK, ek, kemMessage, ciphertext, shared)) return fail("ML-KEM-768 encapsulate refused its own key");
  ok = report("ml-kem-768 encapsulate", digestIs(ciphertext, mlkem.ciphertextBytes(KEM_RANK), KEM768_CT) && same(shared, KEM768_SS)) && ok;
  if (!mlkem.decapsulate(KEM_RANK, dk, ciphertext, sharedAgain)) return fail("ML-KEM-768 decapsulate refused its own key");
  ok = report("ml-kem-768 decapsulate", same(sharedAgain, KEM768_SS)) && ok;
  store<u8>(ciphertext + 100, load<u8>(ciphertext + 100) ^ 1);
  mlkem.decapsulate(KEM_RANK, dk, ciphertext, sharedAgain);
  ok = report("ml-kem-768 implicit-rejection", !same(sharedAgain, KEM768_SS)) && ok;

  if (!mldsa.keygen(DSA_LEVEL, dsaSeed, publicKey, secretKey)) return fail("ML-DSA-65 keygen refused");
  ok = report("ml-dsa-65 keygen", digestIs(publicKey, mldsa.publicKeyBytes(DSA_LEVEL), DSA65_PK) && digestIs(secretKey, mldsa.secretKeyBytes(DSA_LEVEL), DSA65_SK)) && ok;
  if (!mldsa.sign(DSA_LEVEL, secretKey, dsaMessage, 64, zeros, 0, zeros, signature)) return fail("ML-DSA-65 sign gave up");
  ok = report("ml-dsa-65 sign", digestIs(signature, mldsa.signatureBytes(DSA_LEVEL), DSA65_SIG)) && ok;
  ok = report("ml-dsa-65 verify", mldsa.verify(DSA_LEVEL, publicKey, dsaMessage, 64, zeros, 0, signature)) && ok;
  store<u8>(dsaMessage, load<u8>(dsaMessage) ^ 1);
  ok = report("ml-dsa-65 verify-changed-message", !mldsa.verify(DSA_LEVEL, publicKey, dsaMessage, 64, zeros, 0, signature)) && ok;
  return ok;
}

const OUTPUTS: usize = 8;
const OUTPUT_BYTES: usize = 32;
const outputs = memory.data(<i32>(OUTPUTS * OUTPUT_BYTES));

/** Reseeds from `source` alone and draws OUTPUTS blocks: true when none is all
 *  zero and no two are equal. Prints the facts. */
function checkSource(source: u32, name: string): bool {
  const used = random.reseedFrom(source);
  if (used != source) {
    line.reset();
    line.text("AIOS crypto random source=");
    line.text(name);
    line.text(" absent");
    log.publish();
    return true;
  }
  for (let i: usize = 0; i < OUTPUTS; i++) {
    if (random.fill(outputs + i * OUTPUT_BYTES, OUTPUT_BYTES) != Errno.Ok) return fail("random.fill refused");
  }
  let distinct = true;
  for (let i: usize = 0; i < OUTPUTS; i++) {
    let nonzero: u64 = 0;
    for (let b: usize = 0; b < OUTPUT_BYTES; b += 8) nonzero |= load<u64>(outputs + i * OUTPUT_BYTES + b);
    if (nonzero == 0) distinct = false;
    for (let j: usize = 0; j < i; j++) {
      if (memory.compare(outputs + i * OUTPUT_BYTES, outputs + j * OUTPUT_BYTES, OUTPUT_BYTES) == 0) distinct = false;
    }
  }
  line.reset();
  line.text("AIOS crypto random source=");
  line.text(name);
  line.text(" outputs=");
  line.decimal(OUTPUTS);
  line.text(distinct ? " distinct=yes first=" : " distinct=NO first=");
  for (let b: usize = 0; b < 8; b++) line.hexDigits(load<u8>(outputs + b), 2);
  log.publish();
  return distinct;
}

export function randomSources(): bool {
  if (random.sources() == random.Source.None) return fail("the kernel DRBG was never seeded");
  let ok = checkSource(random.Source.Rdseed, "rdseed");
  ok = checkSource(random.Source.Rdrand, "rdrand") && ok;
  ok = checkSource(random.Source.VirtioRng, "virtio-rng") && ok;
  return ok;
}

const BENCH_NS: u64 = 300_000_000;       // each operation repeated for about 0.3 s (TCG is slow)
const MIN_OPS: u32 = 3;

// @ts-ignore: decorator
@inline function field(name: string, operations: u32, nanoseconds: u64): void {
  line.text(" ");
  line.text(name);
  line.text("=");
  line.decimal(<u64>operations * 1_000_000_000 / (nanoseconds == 0 ? 1 : nanoseconds));
}

export function benchmark(): bool {
  makeInputs();
  line.reset();
  line.text("AIOS bench crypto");
  let n: u32 = 0, start = clock.nanoseconds(), elapsed: u64 = 0;
  do { mlkem.keygen(KEM_RANK, kemSeed, ek, dk); n++; elapsed = clock.nanoseconds() - start; } while (elapsed < BENCH_NS || n < MIN_OPS);
  field("mlkem768_keygen", n, elapsed);
  n = 0; start = clock.nanoseconds();
  do { mlkem.encapsulate(KEM_RANK, ek, kemMessage, ciphertext, shared); n++; elapsed = clock.nanoseconds() - start; } while (elapsed < BENCH_NS || n < MIN_OPS);
  field("mlkem768_encaps", n, elapsed);
  n = 0; start = clock.nanoseconds();
  do { mlkem.decapsulate(KEM_RANK, dk, ciphertext, sharedAgain); n++; elapsed = clock.nanoseconds() - start; } while (elapsed < BENCH_NS || n < MIN_OPS);
  field("mlkem768_decaps", n, elapsed);
  n = 0; start = clock.nanoseconds();
  do { mldsa.keygen(DSA_LEVEL, dsaSeed, publicKey, secretKey); n++; elapsed = clock.nanoseconds() - start; } while (elapsed < BENCH_NS || n < MIN_OPS);
  field("mldsa65_keygen", n, elapsed);
  n = 0; start = clock.nanoseconds();
  do { store<u8>(dsaMessage, <u8>n); mldsa.sign(DSA_LEVEL, secretKey, dsaMessage, 64, zeros, 0, zeros, signature); n++; elapsed = clock.nanoseconds() - start; } while (elapsed < BENCH_NS || n < MIN_OPS);
  field("mldsa65_sign", n, elapsed);
  n = 0; start = clock.nanoseconds();
  let verified = true;
  do { verified = mldsa.verify(DSA_LEVEL, publicKey, dsaMessage, 64, zeros, 0, signature) && verified; n++; elapsed = clock.nanoseconds() - start; } while (elapsed < BENCH_NS || n < MIN_OPS);
  field("mldsa65_verify", n, elapsed);
  log.publish();
  return verified && sha256.equal(shared, sharedAgain);
}
