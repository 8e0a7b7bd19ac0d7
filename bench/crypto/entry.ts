// entry.ts — the crypto-only wasm module of the host benchmark (bench/crypto.ts):
// the kernel's ML-KEM and ML-DSA sources, unchanged, behind exports a small C
// main (main.c) calls through wasm2c. Buffers are static, as in the kernel.
import { mlkem, mldsa } from "../../src/kernel/crypto";

const kemSeed = memory.data(64);
const kemMessage = memory.data(32);
const ek = memory.data(1568);
const dk = memory.data(3168);
const ciphertext = memory.data(1568);
const shared = memory.data(32);
const dsaSeed = memory.data(32);
const message = memory.data(64);
const zeros = memory.data(32);
const publicKey = memory.data(2592);
const secretKey = memory.data(4896);
const signature = memory.data(4627);

/** Fills the inputs from `seed` (a byte each), so every run is reproducible. */
export function setInputs(seed: u32): void {
  for (let i: usize = 0; i < 64; i++) store<u8>(kemSeed + i, <u8>(seed + <u32>i));
  for (let i: usize = 0; i < 32; i++) store<u8>(kemMessage + i, <u8>(seed * 3 + <u32>i));
  for (let i: usize = 0; i < 32; i++) store<u8>(dsaSeed + i, <u8>(seed * 5 + <u32>i));
  for (let i: usize = 0; i < 64; i++) store<u8>(message + i, <u8>(seed * 7 + <u32>i));
  memory.fill(zeros, 0, 32);
}
export function kemKeygen(k: i32): bool { return mlkem.keygen(k, kemSeed, ek, dk); }
export function kemEncapsulate(k: i32): bool { return mlkem.encapsulate(k, ek, kemMessage, ciphertext, shared); }
export function kemDecapsulate(k: i32): bool { return mlkem.decapsulate(k, dk, ciphertext, shared); }
export function dsaKeygen(level: i32): bool { return mldsa.keygen(level, dsaSeed, publicKey, secretKey); }
let signed: u32 = 0;
/** Signs a different message each call (a counter in its first bytes): the number
 *  of rejected attempts varies with the message, and the rate is their average. */
export function dsaSign(level: i32): bool {
  store<u32>(message, signed++);
  return mldsa.sign(level, secretKey, message, 64, zeros, 0, zeros, signature);
}
export function dsaVerify(level: i32): bool { return mldsa.verify(level, publicKey, message, 64, zeros, 0, signature); }
/** A byte of the last shared secret or signature, so the work cannot be optimised away. */
export function outputByte(which: i32): u8 { return which == 0 ? load<u8>(shared) : load<u8>(signature); }
