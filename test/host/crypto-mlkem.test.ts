// ML-KEM-512/768/1024 (src/kernel/crypto/mlkem.ts) against @noble/post-quantum:
// known answers (keys from fixed seeds, ciphertexts and shared secrets from fixed
// messages) generated here by noble and compared byte for byte; cross tests both
// ways (noble encapsulates to an AIOS key and AIOS decapsulates, and the
// reverse); implicit rejection of a modified ciphertext gives the same K̄ as
// noble; the FIPS 203 input checks refuse a bad encapsulation key and a
// decapsulation key whose hash does not match.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ml_kem512, ml_kem768, ml_kem1024 } from "@noble/post-quantum/ml-kem.js";
import { cryptoMachine, seededBytes, hex } from "./cryptomachine.ts";

const SETS = [[2, "ML-KEM-512", ml_kem512], [3, "ML-KEM-768", ml_kem768], [4, "ML-KEM-1024", ml_kem1024]] as const;
const SEEDS_PER_SET = 8;

function aiosKeygen(m: ReturnType<typeof cryptoMachine>, k: number, seed: Uint8Array, ekBytes: number, dkBytes: number) {
  const ek = m.alloc(ekBytes), dk = m.alloc(dkBytes);
  assert.ok(m.k.mlkemKeygen(k, m.put(seed), ek, dk));
  return { ek, dk, publicKey: m.get(ek, ekBytes), secretKey: m.get(dk, dkBytes) };
}

for (const [k, name, kem] of SETS) {
  test(`${name}: known answers from fixed seeds (keys, ciphertext, shared secret)`, () => {
    const m = cryptoMachine();
    for (let i = 0; i < SEEDS_PER_SET; i++) {
      m.reset();
      const seed = seededBytes(64, 1000 * k + i);
      const expected = kem.keygen(seed);
      const keys = aiosKeygen(m, k, seed, expected.publicKey.length, expected.secretKey.length);
      assert.is(hex(keys.publicKey), hex(expected.publicKey), `ek, seed ${i}`);
      assert.is(hex(keys.secretKey), hex(expected.secretKey), `dk, seed ${i}`);
      const message = seededBytes(32, 2000 * k + i);
      const encapsulated = kem.encapsulate(expected.publicKey, message);
      const ciphertext = m.alloc(encapsulated.cipherText.length), shared = m.alloc(32);
      assert.ok(m.k.mlkemEncapsulate(k, keys.ek, m.put(message), ciphertext, shared));
      assert.is(hex(m.get(ciphertext, encapsulated.cipherText.length)), hex(encapsulated.cipherText), `ciphertext, seed ${i}`);
      assert.is(hex(m.get(shared, 32)), hex(encapsulated.sharedSecret), `shared secret, seed ${i}`);
    }
  });

  test(`${name}: cross tests, noble to AIOS and AIOS to noble`, () => {
    const m = cryptoMachine();
    for (let i = 0; i < SEEDS_PER_SET; i++) {
      m.reset();
      // noble encapsulates (its own randomness) to an AIOS key; AIOS decapsulates.
      const sizes = kem.keygen(seededBytes(64, 1));
      const keys = aiosKeygen(m, k, seededBytes(64, 3000 * k + i), sizes.publicKey.length, sizes.secretKey.length);
      const fromNoble = kem.encapsulate(keys.publicKey);
      const decapsulated = m.alloc(32);
      assert.ok(m.k.mlkemDecapsulate(k, keys.dk, m.put(fromNoble.cipherText), decapsulated));
      assert.is(hex(m.get(decapsulated, 32)), hex(fromNoble.sharedSecret), `AIOS decapsulates noble's ciphertext ${i}`);
      // AIOS encapsulates to a noble key (random seed); noble decapsulates.
      const nobleKeys = kem.keygen();
      const ciphertext = m.alloc(fromNoble.cipherText.length), shared = m.alloc(32);
      assert.ok(m.k.mlkemEncapsulate(k, m.put(nobleKeys.publicKey), m.put(seededBytes(32, 4000 + i)), ciphertext, shared));
      const nobleShared = kem.decapsulate(m.get(ciphertext, fromNoble.cipherText.length), nobleKeys.secretKey);
      assert.is(hex(nobleShared), hex(m.get(shared, 32)), `noble decapsulates AIOS's ciphertext ${i}`);
    }
  });

  test(`${name}: a modified ciphertext gives the implicit-rejection key, as noble's`, () => {
    const m = cryptoMachine();
    const expected = kem.keygen(seededBytes(64, 5000 + k));
    const keys = aiosKeygen(m, k, seededBytes(64, 5000 + k), expected.publicKey.length, expected.secretKey.length);
    const { cipherText, sharedSecret } = kem.encapsulate(expected.publicKey, seededBytes(32, 6000));
    for (const position of [0, 1, cipherText.length >> 1, cipherText.length - 1]) {
      const modified = Uint8Array.from(cipherText);
      modified[position] ^= 0x01;
      const out = m.alloc(32);
      assert.ok(m.k.mlkemDecapsulate(k, keys.dk, m.put(modified), out));
      const got = hex(m.get(out, 32));
      assert.is.not(got, hex(sharedSecret), `byte ${position}: not the real key`);
      assert.is(got, hex(kem.decapsulate(modified, expected.secretKey)), `byte ${position}: noble's K̄`);
    }
  });

  test(`${name}: the FIPS 203 input checks (ek modulus, dk hash)`, () => {
    const m = cryptoMachine();
    const expected = kem.keygen(seededBytes(64, 7000 + k));
    const badKey = Uint8Array.from(expected.publicKey);
    badKey[0] = 0xff; badKey[1] |= 0x0f;                     // first coefficient 4095 ≥ q
    const ciphertext = m.alloc(2000), shared = m.alloc(32);
    assert.not.ok(m.k.mlkemEncapsulate(k, m.put(badKey), m.put(new Uint8Array(32)), ciphertext, shared), "ek with a coefficient ≥ q");
    const badSecret = Uint8Array.from(expected.secretKey);
    badSecret[384 * k + 5] ^= 0x40;                          // inside the embedded ek: H(ek) no longer matches
    assert.not.ok(m.k.mlkemDecapsulate(k, m.put(badSecret), ciphertext, shared), "dk whose H(ek) does not match");
    assert.not.ok(m.k.mlkemKeygen(5, m.put(new Uint8Array(64)), ciphertext, shared), "k = 5");
  });
}

test.run();
