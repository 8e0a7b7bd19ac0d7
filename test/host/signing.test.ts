// Signed modules (tools/signing.ts, src/kernel/measure): the kernel's check of a
// module record accepts the record as @noble/post-quantum signed it with the
// build's context and refuses it after any changed byte of the record or the
// signature, a signature under another key or with another context; and the
// image the build made (build/aios.elf) carries, for every module of its table,
// a record whose signature verifies under the build's public key and whose code
// and read-only data hashes are those of the bytes linked in its ranges, and
// last the kernel's own record over its whole text and read-only data.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import { cryptoMachine, seededBytes } from "./cryptomachine.ts";
import {
  bytesAt, elfSections, encodeRecord, ENTRY_BYTES, HEADER_BYTES, PUBLIC_KEY_BYTES, RECORD_BYTES, SIGNATURE_BYTES,
  SIGNING_CONTEXT, TABLE_MAGIC, RECORD_MAGIC, sha256, signRecord,
} from "../../tools/signing.ts";

const keys = ml_dsa65.keygen(seededBytes(32, 9001));
const record = encodeRecord({
  name: "counter", version: 1, wasmSha256: seededBytes(32, 1),
  textStart: 0xffffffff8010c000n, textEnd: 0xffffffff8010c39fn, rodataStart: 0xffffffff801ab000n, rodataEnd: 0xffffffff801ab000n,
  textSha256: seededBytes(32, 2), rodataSha256: sha256(new Uint8Array(0)),
});

function kernelVerifies(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const m = cryptoMachine();
  assert.is(Number(m.k.measureRecordBytes()), RECORD_BYTES);
  return !!m.k.measureVerifyRecord(m.put(publicKey), m.put(message), m.put(signature));
}

test("a record signed by the build (noble) verifies in the kernel", () => {
  assert.is(record.length, RECORD_BYTES);
  const signature = signRecord(record, keys.secretKey);
  assert.is(signature.length, SIGNATURE_BYTES);
  assert.ok(kernelVerifies(keys.publicKey, record, signature));
});

test("a changed record byte, a changed signature byte, another key or another context is refused", () => {
  const signature = signRecord(record, keys.secretKey);
  for (const at of [0, 8, 40, 48, 80, 112, 175]) {
    const changed = Uint8Array.from(record);
    changed[at] ^= 1;
    assert.not.ok(kernelVerifies(keys.publicKey, changed, signature), `record byte ${at}`);
  }
  for (const at of [0, 31, 100, 2000, SIGNATURE_BYTES - 1]) {
    const changed = Uint8Array.from(signature);
    changed[at] ^= 1;
    assert.not.ok(kernelVerifies(keys.publicKey, record, changed), `signature byte ${at}`);
  }
  const other = ml_dsa65.keygen(seededBytes(32, 9002));
  assert.not.ok(kernelVerifies(other.publicKey, record, signature), "another public key");
  assert.not.ok(kernelVerifies(keys.publicKey, record, ml_dsa65.sign(record, keys.secretKey)), "no context");
  const context = new TextEncoder().encode(SIGNING_CONTEXT.replace("v1", "v2"));
  assert.not.ok(kernelVerifies(keys.publicKey, record, ml_dsa65.sign(record, keys.secretKey, { context })), "another context");
});

test("build/aios.elf: every module's record is signed and hashes the bytes linked in its ranges", () => {
  const elf = readFileSync("build/aios.elf");
  const sections = elfSections(elf);
  const modsig = sections.find((s) => s.name === ".modsig");
  assert.ok(modsig, ".modsig section");
  const table = elf.subarray(modsig!.offset, modsig!.offset + modsig!.size);
  assert.is(table.toString("latin1", 0, 8), TABLE_MAGIC);
  const count = table.readUInt32LE(8);
  assert.ok(count >= 2, "modules in the table");
  assert.is(modsig!.size, HEADER_BYTES + count * ENTRY_BYTES);
  const publicKey = table.subarray(24, 24 + PUBLIC_KEY_BYTES);
  const context = new TextEncoder().encode(SIGNING_CONTEXT);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const entry = table.subarray(HEADER_BYTES + i * ENTRY_BYTES);
    const rec = entry.subarray(0, RECORD_BYTES), signature = entry.subarray(RECORD_BYTES, RECORD_BYTES + SIGNATURE_BYTES);
    assert.is(rec.toString("latin1", 0, 8), RECORD_MAGIC);
    const name = rec.toString("latin1", 8, 40).replace(/\0+$/, "");
    names.push(name);
    assert.ok(ml_dsa65.verify(signature, rec, publicKey, { context }), `${name}: signature`);
    const range = (at: number) => bytesAt(elf, sections, rec.readBigUInt64LE(at), rec.readBigUInt64LE(at + 8));
    const text = range(80);
    assert.ok(text.length > 0, `${name}: code range`);
    assert.is(Buffer.from(sha256(text)).toString("hex"), rec.toString("hex", 112, 144), `${name}: code hash`);
    assert.is(Buffer.from(sha256(range(96))).toString("hex"), rec.toString("hex", 144, 176), `${name}: rodata hash`);
  }
  assert.ok(names.includes("counter") && names.includes("probe"), names.join(","));
  assert.is(names.at(-1), "kernel", "the last record is the kernel's own");
});
test.run();
