// SHA-512 (src/kernel/crypto/sha512.ts) and SHA3-256, SHA3-512, SHAKE128,
// SHAKE256 (keccak.ts) against Node's crypto: every input length 0-400 (all the
// padding cases and the 72/136/168-byte rate boundaries), a 1 MiB input,
// incremental absorbing and squeezing split at random places, and long SHAKE
// output squeezed across many blocks.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { cryptoMachine, seededBytes, hex } from "./cryptomachine.ts";
import { random } from "./random.ts";

const reference = (algorithm: string, data: Uint8Array, outputLength?: number) =>
  createHash(algorithm, outputLength === undefined ? undefined : { outputLength }).update(data).digest("hex");

const ONE_SHOT: [string, number, (k: any, source: number, length: number, output: number) => void][] = [
  ["sha512", 64, (k, s, l, o) => k.sha512Digest(s, l, o)],
  ["sha3-256", 32, (k, s, l, o) => k.sha3_256(s, l, o)],
  ["sha3-512", 64, (k, s, l, o) => k.sha3_512(s, l, o)],
  ["shake128", 200, (k, s, l, o) => k.shake128(s, l, o, 200)],
  ["shake256", 200, (k, s, l, o) => k.shake256(s, l, o, 200)],
];

test("the FIPS examples ('', 'abc') for each function", () => {
  const m = cryptoMachine();
  const output = m.alloc(256);
  for (const text of ["", "abc"]) {
    const data = Buffer.from(text, "latin1");
    const source = m.put(data);
    for (const [name, bytes, run] of ONE_SHOT) {
      run(m.k, source, data.length, output);
      assert.is(hex(m.get(output, bytes)), reference(name, data, name.startsWith("shake") ? bytes : undefined), `${name} "${text}"`);
    }
  }
  // FIPS 180-4 / 202 published values, so the test does not only trust Node.
  m.k.sha512Digest(m.put(Buffer.from("abc")), 3, output);
  assert.is(hex(m.get(output, 64)), "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  m.k.sha3_256(m.put(Buffer.from("abc")), 3, output);
  assert.is(hex(m.get(output, 32)), "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
});

test("every length from 0 to 400 bytes", () => {
  const m = cryptoMachine();
  const data = seededBytes(400, 2);
  const source = m.put(data);
  const output = m.alloc(256);
  for (let length = 0; length <= 400; length++) {
    const slice = data.subarray(0, length);
    for (const [name, bytes, run] of ONE_SHOT) {
      run(m.k, source, length, output);
      assert.is(hex(m.get(output, bytes)), reference(name, slice, name.startsWith("shake") ? bytes : undefined), `${name} length ${length}`);
    }
  }
});

test("a 1 MiB input", () => {
  const m = cryptoMachine(3 << 20);
  const data = seededBytes(1 << 20, 3);
  const source = m.put(data);
  const output = m.alloc(256);
  for (const [name, bytes, run] of ONE_SHOT) {
    run(m.k, source, data.length, output);
    assert.is(hex(m.get(output, bytes)), reference(name, data, name.startsWith("shake") ? bytes : undefined), name);
  }
});

test("incremental absorbing and squeezing, split at random places", () => {
  const m = cryptoMachine();
  const next = random(4);
  const kinds: [number, string, number | undefined][] = [[0, "sha3-256", undefined], [1, "sha3-512", undefined], [2, "shake128", 1000], [3, "shake256", 1000]];
  for (let round = 0; round < 40; round++) {
    const length = Math.floor(next() * 700);
    const data = seededBytes(length, 100 + round);
    m.reset();
    const source = m.put(data);
    const output = m.alloc(1024);
    for (const [kind, name, shakeBytes] of kinds) {
      m.k.keccakInit(kind);
      for (let offset = 0; offset < length;) {
        const take = Math.min(length - offset, Math.floor(next() * 200));
        m.k.keccakAbsorb(source + offset, take);
        offset += take;
      }
      const total = shakeBytes ?? (kind === 0 ? 32 : 64);
      for (let offset = 0; offset < total;) {
        const take = Math.min(total - offset, 1 + Math.floor(next() * 300));
        m.k.keccakSqueeze(output + offset, take);
        offset += take;
      }
      assert.is(hex(m.get(output, total)), reference(name, data, shakeBytes), `${name} round ${round}`);
    }
    m.k.sha512Init();
    for (let offset = 0; offset < length;) {
      const take = Math.min(length - offset, Math.floor(next() * 300));
      m.k.sha512Update(source + offset, take);
      offset += take;
    }
    m.k.sha512Final(output);
    assert.is(hex(m.get(output, 64)), reference("sha512", data), `sha512 round ${round}`);
  }
});

test("SHAKE output of 10 000 bytes (many squeezed blocks)", () => {
  const m = cryptoMachine();
  const data = seededBytes(50, 5);
  const source = m.put(data);
  const output = m.alloc(10000);
  m.k.shake128(source, data.length, output, 10000);
  assert.is(hex(m.get(output, 10000)), reference("shake128", data, 10000));
  m.k.shake256(source, data.length, output, 10000);
  assert.is(hex(m.get(output, 10000)), reference("shake256", data, 10000));
});

test.run();
