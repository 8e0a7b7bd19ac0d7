// cryptokat.ts — the known answers the guest's crypto-kat scenario compiles in
// (src/kernel/selftest/crypto.ts), computed here with Node's crypto and
// @noble/post-quantum from the same fixed inputs. crypto-guestkat.test.ts checks
// that the constants in the scenario are these; `npx tsx test/host/cryptokat.ts`
// prints them as AssemblyScript for pasting.
import { createHash } from "node:crypto";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest();
const bytes = (length: number, f: (i: number) => number) => Uint8Array.from({ length }, (_, i) => f(i) & 0xff);

// The scenario builds the same inputs with the same formulas.
export const kemSeed = () => bytes(64, (i) => i);
export const kemMessage = () => bytes(32, (i) => i * 3 + 1);
export const dsaSeed = () => bytes(32, (i) => 0x40 + i);
export const dsaMessage = () => bytes(64, (i) => i * 5);

export function guestVectors(): Record<string, Buffer> {
  const abc = Buffer.from("abc");
  const kem = ml_kem768.keygen(kemSeed());
  const enc = ml_kem768.encapsulate(kem.publicKey, kemMessage());
  const dsa = ml_dsa65.keygen(dsaSeed());
  const sig = ml_dsa65.sign(dsaMessage(), dsa.secretKey, { extraEntropy: false });
  return {
    SHA512_ABC: createHash("sha512").update(abc).digest().subarray(0, 32),
    SHA3_256_ABC: createHash("sha3-256").update(abc).digest(),
    SHA3_512_ABC: createHash("sha3-512").update(abc).digest().subarray(0, 32),
    SHAKE128_ABC: createHash("shake128", { outputLength: 32 }).update(abc).digest(),
    SHAKE256_ABC: createHash("shake256", { outputLength: 32 }).update(abc).digest(),
    KEM768_EK: sha256(kem.publicKey),
    KEM768_DK: sha256(kem.secretKey),
    KEM768_CT: sha256(enc.cipherText),
    KEM768_SS: Buffer.from(enc.sharedSecret),
    DSA65_PK: sha256(dsa.publicKey),
    DSA65_SK: sha256(dsa.secretKey),
    DSA65_SIG: sha256(sig),
  };
}

export function asAssemblyScript(name: string, value: Buffer): string {
  const list = [...value].map((b) => "0x" + b.toString(16).padStart(2, "0")).join(", ");
  return `const ${name} = memory.data<u8>([${list}]);`;
}

if (process.argv[1]?.endsWith("cryptokat.ts")) {
  for (const [name, value] of Object.entries(guestVectors())) console.log(asAssemblyScript(name, value));
}
