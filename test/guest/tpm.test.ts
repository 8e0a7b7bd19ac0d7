// Scenarios tpm-pcr, tpm-quote, tpm-absent: the TPM 2.0 driver against QEMU's
// tpm-tis backed by swtpm (a fresh TPM state per boot). tpm-pcr extends PCR 15
// with two known digests; the test recomputes SHA-256(SHA-256(0³² || d1) || d2)
// with Node's crypto from the digests the guest printed and checks the PCR the
// TPM reports. tpm-quote's quote over a nonce from the TPM is verified here:
// signer, nonce, PCR digest against the PCR values read, ECDSA P-256 signature.
// Without a TPM, or with a TPM 1.2, the kernel says so and boots on. swtpm is required (tools/setup.mjs
// installs it): without it these tests fail, they do not skip.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync, ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";
import { verifyQuote } from "../../tools/tpmquote.ts";
import { withSwtpm } from "./swtpm.ts";

const sha256 = (...parts: Uint8Array[]) => { const h = createHash("sha256"); for (const p of parts) h.update(p); return h.digest(); };

function value(output: string, name: string): Buffer {
  const match = new RegExp(`AIOS tpm ${name}=([0-9a-f]+)`).exec(output);
  assert.ok(match, `no "${name}" in the guest log`);
  return Buffer.from(match![1], "hex");
}

for (const machine of ["q35", "pc"]) {
  test(`${machine}: PCR 15 extended twice reads back as the SHA-256 chain from zero`, async () => {
    const result = await withSwtpm((extra) => scenario("tpm-pcr", "pvh", { machine, extra }));
    expectStatus(result, STATUS_PASS);
    expectOutput(result, /tpm: TPM 2\.0 \(vendor 0x1014, device 0x0001, revision \d+\) at 0xfed40000, started by firmware/);
    expectOutput(result, /AIOS tpm chained=yes bad_pcr=refused random=32/);
    const before = value(result.output, "pcr15_before");
    const d1 = value(result.output, "digest1"), d2 = value(result.output, "digest2");
    assert.equal(before, Buffer.alloc(32), "a fresh TPM's PCR 15 is zero");
    assert.equal(d1, sha256(Buffer.from("aios-1")));
    assert.equal(d2, sha256(Buffer.from("aios-2")));
    assert.equal(value(result.output, "pcr15_after"), sha256(sha256(before, d1), d2));
    assert.not.equal(value(result.output, "pcr0"), Buffer.alloc(32), "firmware measured itself into PCR 0");
  });
}

test("q35: a quote of PCRs 0 and 15 over the TPM's nonce verifies with Node's crypto", async () => {
  const result = await withSwtpm((extra) => scenario("tpm-quote", "pvh", { extra }));
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS tpm quote_bytes=\d+ again=ok bad_arguments=refused/);
  const blob = Buffer.from([...result.output.matchAll(/AIOS tpm quote_part=([0-9a-f]+)/g)].map((m) => m[1]).join(""), "hex");
  const nonce = value(result.output, "nonce");
  const pcrs = new Map([[0, value(result.output, "pcr0")], [15, value(result.output, "pcr15")]]);
  const { attestation } = verifyQuote(blob, nonce, pcrs);
  assert.equal(attestation.pcrBanks, [{ hash: 0x000b, pcrs: [0, 15] }]);
  assert.throws(() => verifyQuote(blob, sha256(nonce), pcrs), /nonce/);
});

test("without a TPM the kernel says so, boots on, and refuses every TPM call", async () => {
  const result = await scenario("tpm-absent", "pvh");
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /tpm: none at 0xfed40000/);
  expectOutput(result, /AIOS tpm available=no extend=8 read=8 quote=8/);
});

test("a TPM 1.2 is refused with a warning, and the kernel boots on without it", async () => {
  const result = await withSwtpm((extra) => scenario("tpm-absent", "pvh", { extra }), true);
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /warn +tpm: refused: a TPM 1\.2 \(only TPM 2\.0 is driven\)/);
  expectOutput(result, /AIOS tpm available=no extend=8 read=8 quote=8/);
});

test.run();
