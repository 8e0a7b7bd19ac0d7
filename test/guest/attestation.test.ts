// GET /api/attestation and tools/attest.ts: a running AIOS proves what it booted.
// Without a TPM: the measurement log (the kernel's text, read-only data, signed
// record table and record, and the modules checked so far) signed with the boot
// identity key over a fresh nonce verifies against build/aios.elf; a changed
// measurement, a replayed nonce or another build's expectations fail. With swtpm:
// the log was also extended into PCR 10, the TPM's quote of it over the nonce
// verifies, and a quote checked against a log with one changed measurement fails.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash, randomBytes } from "node:crypto";
import { expectStatus, scenario, STATUS_PASS } from "./harness.ts";
import { fetchReply, freePort, knock } from "./httpclient.ts";
import { withSwtpm } from "./swtpm.ts";
import { expectedFromImage, verifyAttestation, MEASURE_PCR, type Answer } from "../../tools/attest.ts";
import { verifyQuote } from "../../tools/tpmquote.ts";

const sha256 = (...parts: Uint8Array[]) => { const h = createHash("sha256"); for (const p of parts) h.update(p); return h.digest(); };

/** Boots net-serve (the kernel API; the log then holds the kernel's four
 *  measurements), runs `check` with the API's port once it serves, then lets it end. */
async function withApi(extra: string[], check: (port: number) => Promise<void>): Promise<string[]> {
  const [port, control] = [await freePort(), await freePort()];
  const failures: string[] = [];
  let work: Promise<void> | undefined;
  const result = await scenario("net-serve", "pvh", {
    append: "aios.net=on", timeoutMs: 90_000,
    extra: ["-nic", "none", "-netdev", `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:9000,hostfwd=tcp:127.0.0.1:${control}-:9999`,
      "-device", "virtio-net-pci,netdev=n0", ...extra],
    watch: (output) => {
      if (!work && /AIOS net serve ready/.test(output)) work = check(port).catch((e) => { failures.push(String(e.stack ?? e)); }).finally(() => knock(control));
    },
  });
  await work;
  expectStatus(result, STATUS_PASS);
  return failures;
}

async function ask(port: number, nonce: Buffer): Promise<Answer> {
  const reply = await fetchReply(port, `/api/attestation?nonce=${nonce.toString("hex")}`, { timeoutMs: 30_000 });
  if (reply.status !== 200) throw new Error(`attestation answered ${reply.status}: ${reply.body}`);
  return JSON.parse(reply.body.toString());
}

const throwsWith = (f: () => unknown, pattern: RegExp, what: string) => {
  try { f(); } catch (e) { assert.match(String((e as Error).message), pattern, what); return; }
  assert.unreachable(`${what}: verified, but should not have`);
};

test("without a TPM: the signed log verifies against the image; a changed measurement, a replay or another image does not", async () => {
  const expected = expectedFromImage("build/aios.elf");
  const failures = await withApi([], async (port) => {
    const nonce = randomBytes(32);
    const answer = await ask(port, nonce);
    const verdict = verifyAttestation(answer, nonce, expected);
    assert.ok(verdict.entries >= 4);
    assert.is(verdict.tpm, false);
    // one changed measurement
    const log = Buffer.from(answer.log, "hex");
    log[8 + 5] ^= 1;
    throwsWith(() => verifyAttestation({ ...answer, log: log.toString("hex") }, nonce, expected), /signature/, "a changed measurement");
    // the same answer for another nonce: a replay
    throwsWith(() => verifyAttestation(answer, randomBytes(32), expected), /nonce/, "a replay");
    // another build's kernel expects another text measurement
    const otherBuild = { ...expected, kernel: new Map(expected.kernel) };
    otherBuild.kernel.set(1, randomBytes(32));
    throwsWith(() => verifyAttestation(answer, nonce, otherBuild), /differs from the image's/, "another build");
    // bad nonces are refused
    assert.is((await fetchReply(port, "/api/attestation")).status, 400);
    assert.is((await fetchReply(port, "/api/attestation?nonce=abc")).status, 400);
    assert.is((await fetchReply(port, `/api/attestation?nonce=${"00".repeat(65)}`)).status, 400);
  });
  assert.equal(failures, []);
});

test("with a TPM: every measurement is in PCR 10, the quote over the nonce verifies, and fails against a changed log", async () => {
  const expected = expectedFromImage("build/aios.elf");
  const failures = await withSwtpm((tpm) => withApi(tpm, async (port) => {
    const nonce = randomBytes(32);
    const answer = await ask(port, nonce);
    assert.ok(answer.tpm, "a quote in the answer");
    const verdict = verifyAttestation(answer, nonce, expected);
    assert.is(verdict.tpm, true);
    // the PCR replayed from a log with one changed measurement does not match the quote
    const log = Buffer.from(answer.log, "hex");
    log[8] ^= 0x80;
    let pcr = Buffer.alloc(32);
    for (let i = 0; i < answer.entries; i++) pcr = sha256(pcr, log.subarray(i * 64 + 8, i * 64 + 40));
    throwsWith(() => verifyQuote(Buffer.from(answer.tpm!.quote, "hex"), nonce, new Map([[MEASURE_PCR, pcr]])), /PCR digest/, "a quote against a changed log");
  }));
  assert.equal(failures, []);
});

test.run();
