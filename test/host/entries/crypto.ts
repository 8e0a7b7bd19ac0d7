// Test exports for src/kernel/crypto beyond SHA-256 (entries/audit.ts has that):
// SHA-512, SHA-3 / SHAKE, ML-KEM and ML-DSA, each on caller-placed buffers.
import { sha512, keccak, mlkem, mldsa, drbg, random } from "../../../src/kernel/crypto";

const sha512Context = memory.data(sha512.CONTEXT_BYTES);
const keccakContext = memory.data(keccak.CONTEXT_BYTES);

export function sha512Digest(source: usize, length: usize, output: usize): void { sha512.digest(source, length, output); }
export function sha512Init(): void { sha512.init(sha512Context); }
export function sha512Update(source: usize, length: usize): void { sha512.update(sha512Context, source, length); }
export function sha512Final(output: usize): void { sha512.final(sha512Context, output); }

export function sha3_256(source: usize, length: usize, output: usize): void { keccak.sha3_256(source, length, output); }
export function sha3_512(source: usize, length: usize, output: usize): void { keccak.sha3_512(source, length, output); }
export function shake128(source: usize, length: usize, output: usize, outputLength: usize): void { keccak.shake128(source, length, output, outputLength); }
export function shake256(source: usize, length: usize, output: usize, outputLength: usize): void { keccak.shake256(source, length, output, outputLength); }
/** kind: 0 SHA3-256, 1 SHA3-512, 2 SHAKE128, 3 SHAKE256 */
export function keccakInit(kind: i32): void {
  if (kind == 0) keccak.initSha3_256(keccakContext);
  else if (kind == 1) keccak.initSha3_512(keccakContext);
  else if (kind == 2) keccak.initShake128(keccakContext);
  else keccak.initShake256(keccakContext);
}
export function keccakAbsorb(source: usize, length: usize): void { keccak.absorb(keccakContext, source, length); }
export function keccakSqueeze(output: usize, length: usize): void { keccak.squeeze(keccakContext, output, length); }

export function mlkemKeygen(k: i32, seed: usize, ek: usize, dk: usize): bool { return mlkem.keygen(k, seed, ek, dk); }
export function mlkemEncapsulate(k: i32, ek: usize, message: usize, ciphertext: usize, shared: usize): bool { return mlkem.encapsulate(k, ek, message, ciphertext, shared); }
export function mlkemDecapsulate(k: i32, dk: usize, ciphertext: usize, shared: usize): bool { return mlkem.decapsulate(k, dk, ciphertext, shared); }

export function mldsaKeygen(level: i32, seed: usize, publicKey: usize, secretKey: usize): bool { return mldsa.keygen(level, seed, publicKey, secretKey); }
export function mldsaSign(level: i32, secretKey: usize, message: usize, messageLength: usize, ctx: usize, ctxLength: usize, random: usize, signature: usize): bool {
  return mldsa.sign(level, secretKey, message, messageLength, ctx, ctxLength, random, signature);
}
export function mldsaVerify(level: i32, publicKey: usize, message: usize, messageLength: usize, ctx: usize, ctxLength: usize, signature: usize): bool {
  return mldsa.verify(level, publicKey, message, messageLength, ctx, ctxLength, signature);
}
export function mldsaSizes(level: i32, which: i32): usize {
  return which == 0 ? mldsa.publicKeyBytes(level) : which == 1 ? mldsa.secretKeyBytes(level) : mldsa.signatureBytes(level);
}

const drbgContext = memory.data(drbg.CONTEXT_BYTES);
export function drbgInstantiate(entropy: usize, entropyLength: usize, nonce: usize, nonceLength: usize, personal: usize, personalLength: usize): void {
  drbg.instantiate(drbgContext, entropy, entropyLength, nonce, nonceLength, personal, personalLength);
}
export function drbgReseed(entropy: usize, entropyLength: usize, additional: usize, additionalLength: usize): void {
  drbg.reseed(drbgContext, entropy, entropyLength, additional, additionalLength);
}
export function drbgGenerate(output: usize, length: usize, additional: usize, additionalLength: usize): bool {
  return drbg.generate(drbgContext, output, length, additional, additionalLength);
}
export function randomInit(): i32 { return <i32>random.init(); }
export function randomFill(destination: usize, length: usize): i32 { return <i32>random.fill(destination, length); }
export function randomSources(): u32 { return random.sources(); }
