// HMAC_DRBG with SHA-512 (src/kernel/crypto/drbg.ts) against a reference written
// here from SP 800-90A Rev. 1 §10.1.2 with Node's HMAC: instantiate with
// entropy, nonce and personalization, generate with and without additional
// input, reseed, and requests of several lengths; the request limit; and the
// kernel generator (random.ts) refusing to give bytes when no source was found
// (the fake machine's CPUID reports no RDRAND, and there is no virtio-rng), and
// seeding from a fake RDSEED, or RDRAND when RDSEED never gets ready.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHmac } from "node:crypto";
import { cryptoMachine, seededBytes, hex } from "./cryptomachine.ts";
import { FakeMachine } from "./fakehal.ts";

class ReferenceDrbg {
  key = Buffer.alloc(64, 0);
  value = Buffer.alloc(64, 1);
  private hmac(...parts: Uint8Array[]) { const h = createHmac("sha512", this.key); for (const p of parts) h.update(p); return h.digest(); }
  update(provided: Uint8Array) {
    this.key = this.hmac(this.value, Buffer.from([0]), provided);
    this.value = this.hmac(this.value);
    if (provided.length === 0) return;
    this.key = this.hmac(this.value, Buffer.from([1]), provided);
    this.value = this.hmac(this.value);
  }
  constructor(entropy: Uint8Array, nonce: Uint8Array, personal: Uint8Array) { this.update(Buffer.concat([entropy, nonce, personal])); }
  reseed(entropy: Uint8Array, additional: Uint8Array) { this.update(Buffer.concat([entropy, additional])); }
  generate(length: number, additional: Uint8Array) {
    if (additional.length) this.update(additional);
    const out: Buffer[] = [];
    let have = 0;
    while (have < length) { this.value = this.hmac(this.value); out.push(this.value); have += 64; }
    this.update(additional);
    return Buffer.concat(out).subarray(0, length);
  }
}

test("instantiate, generate (with and without additional input), reseed: as the reference", () => {
  const m = cryptoMachine();
  const entropy = seededBytes(64, 1), nonce = seededBytes(16, 2), personal = Buffer.from("AIOS kernel DRBG");
  const reference = new ReferenceDrbg(entropy, nonce, personal);
  m.k.drbgInstantiate(m.put(entropy), 64, m.put(nonce), 16, m.put(personal), personal.length);
  const output = m.alloc(5000);
  const steps: [number, number][] = [[32, 0], [64, 0], [65, 16], [1, 0], [1000, 40], [4096, 0]];
  for (const [i, [length, additionalLength]] of steps.entries()) {
    const additional = seededBytes(additionalLength, 10 + i);
    assert.ok(m.k.drbgGenerate(output, length, m.put(additional), additionalLength));
    assert.is(hex(m.get(output, length)), hex(reference.generate(length, additional)), `generate ${length} bytes, ${additionalLength} additional`);
    if (i === 2) {
      const fresh = seededBytes(48, 99), more = seededBytes(7, 98);
      reference.reseed(fresh, more);
      m.k.drbgReseed(m.put(fresh), 48, m.put(more), 7);
    }
  }
});

test("a request over 2^16 bytes is refused", () => {
  const m = cryptoMachine();
  m.k.drbgInstantiate(m.put(seededBytes(64, 3)), 64, 0, 0, 0, 0);
  const output = m.alloc(70000);
  assert.not.ok(m.k.drbgGenerate(output, 65537, 0, 0));
  assert.ok(m.k.drbgGenerate(output, 65536, 0, 0));
});

test("the kernel generator refuses without an entropy source", () => {
  const m = cryptoMachine();
  const NOT_SUPPORTED = m.k.randomInit();
  assert.is.not(NOT_SUPPORTED, 0, "init finds no source on the fake machine");
  assert.is.not(m.k.randomFill(m.alloc(32), 32), 0, "fill refuses");
});

/** A fake CPU whose CPUID reports RDRAND (leaf 1 ECX bit 30) and RDSEED (leaf 7 EBX bit 18). */
function cpuWithRandom(): FakeMachine {
  const machine = new FakeMachine();
  machine.cpuidRegisters.set("0:0", 7);              // highest standard leaf
  machine.cpuidRegisters.set("1:2", 1 << 30);
  machine.cpuidRegisters.set("7:1", 1 << 18);
  return machine;
}
const SOURCE_RDSEED = 1, SOURCE_RDRAND = 2;

test("the kernel generator seeds from RDSEED when CPUID has it, and its output does not repeat", () => {
  const m = cryptoMachine(1 << 20, cpuWithRandom());
  assert.is(m.k.randomInit(), 0);
  assert.is(m.k.randomSources(), SOURCE_RDSEED);
  const seen = new Set<string>();
  for (let i = 0; i < 16; i++) {
    const at = m.alloc(64);
    assert.is(m.k.randomFill(at, 64), 0);
    seen.add(hex(m.get(at, 64)));
  }
  assert.is(seen.size, 16);
  const big = m.alloc(200_000);                      // more than one DRBG request (2^16 bytes)
  assert.is(m.k.randomFill(big, 200_000), 0);
  const bytes = m.get(big, 200_000);
  assert.is.not(hex(bytes.subarray(0, 64)), hex(bytes.subarray(65536, 65536 + 64)));
});

test("RDSEED that never becomes ready: RDRAND takes its place", () => {
  const machine = cpuWithRandom();
  machine.rdseedReady = false;
  const m = cryptoMachine(1 << 20, machine);
  assert.is(m.k.randomInit(), 0);
  assert.is(m.k.randomSources(), SOURCE_RDRAND);
});

test.run();
