// Scenario pqcd-keys: the kernel's key service used by an agent through Key
// capabilities (signing and verifying, encapsulating and decapsulating,
// attenuated and forged handles, rotation with an overlap, revocation). The
// public key and signature the agent made go to the serial line, and
// @noble/post-quantum verifies them here: AIOS's keys are standard ML-DSA-65.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

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

test.run();
