// ML-DSA-44/65/87 (src/kernel/crypto/mldsa.ts) against @noble/post-quantum:
// known answers (keys from fixed seeds; deterministic signatures, and hedged
// ones with fixed randomness and a context string) compared byte for byte;
// cross tests both ways (AIOS signatures accepted by noble, noble's signatures
// with its own randomness accepted by AIOS); and rejections: a changed message,
// context, signature byte or public key, a malformed hint encoding, and a z
// coefficient out of range.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import { cryptoMachine, seededBytes, hex } from "./cryptomachine.ts";

const SETS = [[44, "ML-DSA-44", ml_dsa44], [65, "ML-DSA-65", ml_dsa65], [87, "ML-DSA-87", ml_dsa87]] as const;
const SEEDS_PER_SET = 5;
type Machine = ReturnType<typeof cryptoMachine>;

function keygen(m: Machine, level: number, seed: Uint8Array) {
  const pkBytes = m.k.mldsaSizes(level, 0), skBytes = m.k.mldsaSizes(level, 1);
  const pk = m.alloc(pkBytes), sk = m.alloc(skBytes);
  assert.ok(m.k.mldsaKeygen(level, m.put(seed), pk, sk));
  return { pk, sk, publicKey: m.get(pk, pkBytes), secretKey: m.get(sk, skBytes) };
}

function sign(m: Machine, level: number, sk: number, message: Uint8Array, context: Uint8Array, random: Uint8Array): Uint8Array {
  const bytes = m.k.mldsaSizes(level, 2);
  const signature = m.alloc(bytes);
  assert.ok(m.k.mldsaSign(level, sk, m.put(message), message.length, m.put(context), context.length, m.put(random), signature));
  return m.get(signature, bytes);
}

function verify(m: Machine, level: number, publicKey: Uint8Array, message: Uint8Array, context: Uint8Array, signature: Uint8Array): boolean {
  return !!m.k.mldsaVerify(level, m.put(publicKey), m.put(message), message.length, m.put(context), context.length, m.put(signature));
}

for (const [level, name, dsa] of SETS) {
  test(`${name}: known answers from fixed seeds (keys, deterministic and hedged signatures)`, () => {
    const m = cryptoMachine();
    for (let i = 0; i < SEEDS_PER_SET; i++) {
      m.reset();
      const seed = seededBytes(32, 100 * level + i);
      const expected = dsa.keygen(seed);
      const keys = keygen(m, level, seed);
      assert.is(hex(keys.publicKey), hex(expected.publicKey), `pk, seed ${i}`);
      assert.is(hex(keys.secretKey), hex(expected.secretKey), `sk, seed ${i}`);
      const message = seededBytes(1 + 37 * i, 200 + i);
      const deterministic = dsa.sign(message, expected.secretKey, { extraEntropy: false });
      assert.is(hex(sign(m, level, keys.sk, message, new Uint8Array(0), new Uint8Array(32))), hex(deterministic), `deterministic signature ${i}`);
      const random = seededBytes(32, 300 + i), context = seededBytes(i * 20, 400 + i);
      const hedged = dsa.sign(message, expected.secretKey, { extraEntropy: random, context });
      assert.is(hex(sign(m, level, keys.sk, message, context, random)), hex(hedged), `signature with rnd and a ${context.length}-byte context ${i}`);
    }
  });

  test(`${name}: cross tests, AIOS to noble and noble to AIOS`, () => {
    const m = cryptoMachine();
    for (let i = 0; i < SEEDS_PER_SET; i++) {
      m.reset();
      const keys = keygen(m, level, seededBytes(32, 500 * level + i));
      const message = seededBytes(64 + i, 600 + i), context = seededBytes(i, 700 + i);
      const signature = sign(m, level, keys.sk, message, context, seededBytes(32, 800 + i));
      assert.ok(dsa.verify(signature, message, keys.publicKey, { context }), `noble accepts AIOS's signature ${i}`);
      const nobleKeys = dsa.keygen();
      const nobleSignature = dsa.sign(message, nobleKeys.secretKey, { context });
      assert.ok(verify(m, level, nobleKeys.publicKey, message, context, nobleSignature), `AIOS accepts noble's signature ${i}`);
      assert.ok(verify(m, level, keys.publicKey, message, context, signature), `AIOS accepts its own ${i}`);
    }
  });

  test(`${name}: rejections (message, context, signature, key, hints, z range)`, () => {
    const m = cryptoMachine();
    const expected = dsa.keygen(seededBytes(32, 900 + level));
    const message = seededBytes(50, 901), context = seededBytes(5, 902);
    const signature = dsa.sign(message, expected.secretKey, { context, extraEntropy: false });
    assert.ok(verify(m, level, expected.publicKey, message, context, signature), "the untouched signature");
    const flip = (data: Uint8Array, position: number, mask = 1) => { const copy = Uint8Array.from(data); copy[position] ^= mask; return copy; };
    assert.not.ok(verify(m, level, expected.publicKey, flip(message, 10), context, signature), "changed message");
    assert.not.ok(verify(m, level, expected.publicKey, message, flip(context, 0), signature), "changed context");
    assert.not.ok(verify(m, level, expected.publicKey, message, new Uint8Array(0), signature), "missing context");
    assert.not.ok(verify(m, level, flip(expected.publicKey, 100), message, context, signature), "changed public key");
    for (const position of [0, 100, signature.length >> 1]) {
      const modified = flip(signature, position);
      assert.is(verify(m, level, expected.publicKey, message, context, modified), dsa.verify(modified, message, expected.publicKey, { context }), `signature byte ${position}: same verdict as noble`);
      assert.not.ok(verify(m, level, expected.publicKey, message, context, modified), `signature byte ${position}`);
    }
    const k = { 44: 4, 65: 6, 87: 8 }[level], omega = { 44: 80, 65: 55, 87: 75 }[level];
    const hints = signature.length - omega - k;
    const badCount = Uint8Array.from(signature); badCount[hints + omega] = omega + 1;     // a count past ω
    assert.not.ok(verify(m, level, expected.publicKey, message, context, badCount), "hint count past ω");
    const badPadding = Uint8Array.from(signature); badPadding[hints + omega - 1] ^= 0x80; // padding after the last hint
    assert.not.ok(verify(m, level, expected.publicKey, message, context, badPadding), "non-zero hint padding");
    assert.not.ok(dsa.verify(badPadding, message, expected.publicKey, { context }), "noble agrees on the padding");
    const ctilde = { 44: 32, 65: 48, 87: 64 }[level];
    const badZ = Uint8Array.from(signature); badZ[ctilde] = 0xff; badZ[ctilde + 1] = 0xff; badZ[ctilde + 2] |= level === 44 ? 0x03 : 0x0f;   // z[0] = 1 - γ1
    assert.not.ok(verify(m, level, expected.publicKey, message, context, badZ), "z coefficient outside γ1 - β");
  });
}

test("bad parameters: unknown level, context over 255 bytes", () => {
  const m = cryptoMachine();
  const buffer = m.alloc(8192);
  assert.not.ok(m.k.mldsaKeygen(66, buffer, buffer, buffer));
  assert.is(m.k.mldsaSizes(66, 0), 0);
  const keys = keygen(m, 44, seededBytes(32, 1));
  assert.not.ok(m.k.mldsaSign(44, keys.sk, buffer, 1, buffer, 256, buffer, buffer));
});

test.run();
