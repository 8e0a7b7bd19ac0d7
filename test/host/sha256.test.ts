// SHA-256 (src/kernel/crypto/sha256.ts) against Node's crypto: the FIPS 180-4
// examples, every length from 0 to 200 (all the padding cases), a 1 MiB buffer,
// and incremental updates split at random places, including empty updates.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { boot } from "./fakehal.ts";
import { random } from "./random.ts";

const DIGEST_BYTES = 32;
const WASM_PAGE = 65536;
const MIB = 1 << 20;

/** A fresh kernel instance with a work area of `size` bytes grown onto its memory. */
function machine(size = 4096) {
  const { k } = boot();
  const memory = k.memory as WebAssembly.Memory;
  const area = memory.grow(Math.ceil((size + DIGEST_BYTES) / WASM_PAGE)) * WASM_PAGE;
  const output = area + size;
  const bytes = () => new Uint8Array(memory.buffer);
  const put = (data: Uint8Array) => bytes().set(data, area);
  const digest = () => Buffer.from(bytes().slice(output, output + DIGEST_BYTES)).toString("hex");
  return { k, area, output, put, digest };
}

const reference = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

function randomBytes(length: number, seed: number): Uint8Array {
  const next = random(seed);
  return Uint8Array.from({ length }, () => Math.floor(next() * 256));
}

test("the FIPS 180-4 examples", () => {
  const { k, area, output, put, digest } = machine();
  const cases: [string, string][] = [
    ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    ["abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"],
  ];
  for (const [message, expected] of cases) {
    put(Buffer.from(message, "latin1"));
    k.sha256Digest(area, message.length, output);
    assert.is(digest(), expected, `one-shot "${message}"`);
    k.sha256Init();
    k.sha256Update(area, message.length);
    k.sha256Final(output);
    assert.is(digest(), expected, `init/update/final "${message}"`);
  }
});

test("every length from 0 to 200 bytes", () => {
  const { k, area, output, put, digest } = machine();
  const data = randomBytes(200, 1);
  put(data);
  for (let length = 0; length <= 200; length++) {
    k.sha256Digest(area, length, output);
    assert.is(digest(), reference(data.subarray(0, length)), `length ${length}`);
  }
});

test("a 1 MiB buffer, in one call and in 4 KiB updates", () => {
  const { k, area, output, put, digest } = machine(MIB);
  const data = randomBytes(MIB, 2);
  put(data);
  const expected = reference(data);
  k.sha256Digest(area, MIB, output);
  assert.is(digest(), expected);
  k.sha256Init();
  for (let at = 0; at < MIB; at += 4096) k.sha256Update(area + at, 4096);
  k.sha256Final(output);
  assert.is(digest(), expected);
});

test("incremental updates in random chunk sizes give the one-shot digest", () => {
  const { k, area, output, put, digest } = machine(8192);
  const next = random(3);
  for (let round = 0; round < 200; round++) {
    const length = Math.floor(next() * 8192);
    const data = randomBytes(length, 100 + round);
    put(data);
    k.sha256Init();
    for (let at = 0; at < length;) {
      const chunk = Math.min(length - at, next() < 0.2 ? 0 : Math.floor(next() * (next() < 0.5 ? 70 : 700)));
      k.sha256Update(area + at, chunk);
      at += chunk;
    }
    k.sha256Final(output);
    assert.is(digest(), reference(data), `round ${round}, length ${length}`);
  }
});

test("every two-call split of messages around the block size", () => {
  const { k, area, output, put, digest } = machine();
  const data = randomBytes(130, 4);
  put(data);
  for (const length of [55, 56, 63, 64, 65, 119, 128, 130]) {
    const expected = reference(data.subarray(0, length));
    for (let split = 0; split <= length; split++) {
      k.sha256Init();
      k.sha256Update(area, split);
      k.sha256Update(area + split, length - split);
      k.sha256Final(output);
      assert.is(digest(), expected, `length ${length} split at ${split}`);
    }
  }
});

test("equal compares whole digests", () => {
  const { k, area, put } = machine();
  const digest = randomBytes(DIGEST_BYTES, 5);
  put(Buffer.concat([digest, digest]));
  assert.ok(k.sha256Equal(area, area + DIGEST_BYTES));
  for (const at of [0, 7, 8, 31]) {
    const changed = Uint8Array.from(digest);
    changed[at] ^= 0x01;
    put(Buffer.concat([digest, changed]));
    assert.not.ok(k.sha256Equal(area, area + DIGEST_BYTES), `byte ${at}`);
  }
});

test.run();
