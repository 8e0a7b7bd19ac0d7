// Scenario pqcd-keys: the kernel's key service used by an agent through Key
// capabilities (signing and verifying, encapsulating and decapsulating,
// attenuated and forged handles, rotation with an overlap, revocation). The
// public key and signature the agent made go to the serial line, and
// @noble/post-quantum verifies them here: AIOS's keys are standard ML-DSA-65.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectOutput, expectStatus, scenario, STATUS_FAIL, STATUS_PASS } from "./harness.ts";
import { withSwtpm } from "./swtpm.ts";
import { mkfsImage } from "../../tools/fs.ts";

const gather = (output: string, label: string) =>
  Buffer.from([...output.matchAll(new RegExp(`^AIOS pqcd ${label} ([0-9a-f]+)$`, "gm"))].map((m) => m[1]).join(""), "hex");

test("an agent's keys: sign, verify, encapsulate, decapsulate, rotate, revoke; noble accepts the signature", async () => {
  const result = await scenario("pqcd-keys", "pvh", { extra: ["-device", "virtio-rng-pci"] });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS pqcd done checks=ok revoked=1/);
  const publicKey = gather(result.output, "public");
  const signature = gather(result.output, "signature");
  assert.is(publicKey.length, 1952);
  assert.is(signature.length, 3309);
  const message = Uint8Array.from({ length: 32 }, (_, i) => 7 + i);
  const context = new TextEncoder().encode("AIOS pqcd v1");
  assert.ok(ml_dsa65.verify(signature, message, publicKey, { context }), "noble verifies AIOS's signature");
  const other = message.slice(); other[0] ^= 1;
  assert.not.ok(ml_dsa65.verify(signature, other, publicKey, { context }), "and not over another message");
});

test("keys kept sealed to the TPM: back after a reboot with the same TPM, sealed shut to another, the file untouched", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aios-pqcd-"));
  try {
    const image = join(dir, "disk.img");
    mkfsImage(image, 16 << 20, undefined);
    const tpmState = join(dir, "tpm");
    mkdirSync(tpmState);
    const devices = ["-drive", `file=${image},if=none,id=d0,format=raw,cache=unsafe`, "-device", "virtio-blk-pci,drive=d0", "-device", "virtio-rng-pci"];
    const first = await withSwtpm((tpm) => scenario("pqcd-keep", "pvh", { extra: [...devices, ...tpm] }), false, tpmState);
    expectStatus(first, STATUS_PASS);
    expectOutput(first, /AIOS pqcd keep checks=ok/);
    const kept = gather(first.output, "kept-public");
    assert.is(kept.length, 1952);
    const second = await withSwtpm((tpm) => scenario("pqcd-restore", "pvh", { extra: [...devices, ...tpm] }), false, tpmState);
    expectStatus(second, STATUS_PASS);
    expectOutput(second, /pqcd: 1 kept keys restored, 1 revoked/);
    expectOutput(second, /AIOS pqcd restore checks=ok/);
    assert.ok(gather(second.output, "restored-public").equals(kept), "the same key came back");
    // another TPM cannot unseal the seeds (keys 1 and 3): they stay sealed, and the file is
    // not rewritten (the fourth boot, with the first TPM again, finds both)
    const third = await withSwtpm((tpm) => scenario("pqcd-restore", "pvh", { extra: [...devices, ...tpm] }));
    expectStatus(third, STATUS_FAIL);
    expectOutput(third, /pqcd: 0 kept keys restored, 1 revoked, 2 could not be unsealed .* the file is left as it is/);
    expectOutput(third, /kept key 1 opens gave/);
    const fourth = await withSwtpm((tpm) => scenario("pqcd-restore", "pvh", { extra: [...devices, ...tpm] }), false, tpmState);
    expectStatus(fourth, STATUS_PASS);
    expectOutput(fourth, /pqcd: 2 kept keys restored, 1 revoked/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
