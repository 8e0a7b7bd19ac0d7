// Scenarios seal-tpm and seal-absent: the sealing interface (src/kernel/seal) with
// its TPM 2.0 backend against QEMU's tpm-tis backed by a fresh swtpm. seal-tpm
// seals a secret to PCR 16 and to PCRs 10 and 16, unseals both intact, and checks
// the refusals (changed blob, PCR 16 extended) and that resetting PCR 16 to the
// sealed-against value lets the blob unseal again; here the blob's authPolicy is
// checked against the TPM2_PolicyPCR digest Node computes for PCR 16 at zero, and
// the secret must not appear in the blob. Without a TPM there is no backend and
// sealing is refused with NotSupported. swtpm is required (tools/setup.mjs).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";
import { withSwtpm } from "./swtpm.ts";

const sha256 = (...parts: Uint8Array[]) => { const h = createHash("sha256"); for (const p of parts) h.update(p); return h.digest(); };
const hex = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");
const PERMISSION_DENIED = 10, MALFORMED = 2, RESOURCE_EXHAUSTED = 5, INVALID_ARGUMENT = 1, NOT_SUPPORTED = 6;

/** The hex the guest printed as "AIOS seal <name>=…", joined over its lines. */
function value(output: string, name: string): Buffer {
  const parts = [...output.matchAll(new RegExp(`AIOS seal ${name}=([0-9a-f]+)`, "g"))].map((m) => m[1]);
  assert.ok(parts.length > 0, `no "${name}" in the guest log`);
  return Buffer.from(parts.join(""), "hex");
}

test("q35 with swtpm: sealed to PCR 16, unsealed intact, refused once changed or PCR 16 moves, unsealed after reset", async () => {
  const result = await withSwtpm((extra) => scenario("seal-tpm", "pvh", { extra }));
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /seal: backend tpm2/);
  expectOutput(result, new RegExp(`AIOS seal backend=tpm2 blob_bytes=\\d+ unsealed=intact changed_private=-${INVALID_ARGUMENT} changed_policy=-${INVALID_ARGUMENT} changed_mask=-${PERMISSION_DENIED} cut_short=-${MALFORMED} too_small=-${RESOURCE_EXHAUSTED}`));
  expectOutput(result, new RegExp(`AIOS seal after_extend=-${PERMISSION_DENIED} after_extend_10_16=-${PERMISSION_DENIED} after_reset=48 bad_length=${INVALID_ARGUMENT} no_pcrs=${INVALID_ARGUMENT} no_room=${RESOURCE_EXHAUSTED}`));
  const secret = value(result.output, "secret");
  const blob = value(result.output, "blob");
  assert.is(secret.length, 48);
  assert.is(blob.indexOf(secret.subarray(0, 16)), -1, "the secret is not in the blob in the clear");
  // header: "AST1", the PCR mask (bit 16)
  assert.equal(blob.subarray(0, 8), hex("41535431 00010000"));
  const privateBytes = 2 + blob.readUInt16BE(8);
  const publicArea = blob.subarray(8 + privateBytes);
  assert.is(2 + publicArea.readUInt16BE(0), publicArea.length, "TPM2B_PUBLIC fills the rest of the blob");
  // TPMT_PUBLIC: KEYEDHASH, SHA-256, fixedTPM|fixedParent|noDA, a 32-byte authPolicy, scheme none
  assert.equal(publicArea.subarray(2, 12), hex("0008 000b 00000412 0020"));
  const policy = publicArea.subarray(12, 44);
  // TPM2_PolicyPCR over PCR 16 at zero (Part 3, 23.7): H(0^32 || TPM_CC_PolicyPCR || TPML_PCR_SELECTION || H(PCR 16))
  const expected = sha256(Buffer.alloc(32), hex("0000017f"), hex("00000001 000b 03 000001"), sha256(Buffer.alloc(32)));
  assert.equal(policy, expected, "the authPolicy is the PolicyPCR digest of PCR 16 at zero");
  assert.equal(publicArea.subarray(44, 46), hex("0010"), "keyed-hash scheme: none (a sealed object)");
});

test("a blob sealed in one boot unseals in the next with the same TPM, and is refused by another TPM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aios-seal-"));
  const state = join(dir, "tpm"), image = join(dir, "disk.img");
  try {
    mkdirSync(state);
    writeFileSync(image, Buffer.alloc(1 << 20));
    const disk = ["-drive", `file=${image},if=none,id=d0,format=raw`, "-device", "virtio-blk-pci,drive=d0"];
    const stored = await withSwtpm((extra) => scenario("seal-store", "pvh", { extra: [...extra, ...disk] }), false, state);
    expectStatus(stored, STATUS_PASS);
    expectOutput(stored, /AIOS seal stored=\d+/);
    const restored = await withSwtpm((extra) => scenario("seal-restore", "pvh", { extra: [...extra, ...disk] }), false, state);
    expectStatus(restored, STATUS_PASS);
    expectOutput(restored, /AIOS seal restored=48\b/);
    const other = await withSwtpm((extra) => scenario("seal-restore", "pvh", { extra: [...extra, ...disk] }));
    expectStatus(other, STATUS_PASS);
    expectOutput(other, new RegExp(`AIOS seal restored=-${INVALID_ARGUMENT}\\b`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without a TPM there is no sealing backend, and seal / unseal say NotSupported", async () => {
  const result = await scenario("seal-absent", "pvh");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /seal: no backend \(no TPM 2\.0\)/);
  expectOutput(result, new RegExp(`AIOS seal available=no backend=none seal=${NOT_SUPPORTED} unseal=-${NOT_SUPPORTED}`));
});

test.run();
