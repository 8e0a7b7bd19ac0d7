// Scenarios crypto-kat, crypto-random and bench-crypto (src/kernel/selftest/crypto.ts):
// the kernel's SHA-512 / SHA-3 / SHAKE, ML-KEM-768 and ML-DSA-65 give in the guest
// the answers Node's crypto and @noble/post-quantum computed on the host; the
// kernel DRBG gives non-repeating output reseeded from RDRAND alone (QEMU's -cpu
// max offers it under TCG) and from virtio-rng alone, and with RDRAND/RDSEED
// hidden from CPUID the kernel says it falls back to virtio-rng.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

const KATS = ["sha512", "sha3-256", "sha3-512", "shake128", "shake256", "ml-kem-768 keygen", "ml-kem-768 encapsulate",
  "ml-kem-768 decapsulate", "ml-kem-768 implicit-rejection", "ml-dsa-65 keygen", "ml-dsa-65 sign", "ml-dsa-65 verify",
  "ml-dsa-65 verify-changed-message"];

test("crypto-kat: known answers from the host, in the guest", async () => {
  const result = await scenario("crypto-kat", "pvh", { extra: ["-nic", "none"] });
  expectStatus(result, STATUS_PASS);
  for (const name of KATS) expectOutput(result, new RegExp(`AIOS crypto kat ${name} ok`));
});

test("crypto-random: RDRAND (-cpu max) and virtio-rng each reseed the DRBG", async () => {
  const result = await scenario("crypto-random", "pvh", { extra: ["-nic", "none", "-device", "virtio-rng-pci"] });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /random: HMAC-SHA-512 DRBG seeded from RDRAND \+ virtio-rng/);
  expectOutput(result, /AIOS crypto random source=rdrand outputs=8 distinct=yes/);
  expectOutput(result, /AIOS crypto random source=virtio-rng outputs=8 distinct=yes/);
});

test("crypto-random: without RDRAND/RDSEED in CPUID, virtio-rng alone, and the log says so", async () => {
  // a second -cpu overrides the harness's "max"
  const result = await scenario("crypto-random", "pvh", { extra: ["-nic", "none", "-device", "virtio-rng-pci", "-cpu", "max,rdrand=off,rdseed=off"] });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /random: no RDRAND\/RDSEED \(CPUID\); falling back to virtio-rng/);
  expectOutput(result, /random: HMAC-SHA-512 DRBG seeded from virtio-rng\r?\n/);
  expectOutput(result, /AIOS crypto random source=rdrand absent/);
  expectOutput(result, /AIOS crypto random source=virtio-rng outputs=8 distinct=yes/);
});

test("bench-crypto: every operation runs and reports a rate", async () => {
  const result = await scenario("bench-crypto", "pvh", { extra: ["-nic", "none"] });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS bench crypto mlkem768_keygen=\d+ mlkem768_encaps=\d+ mlkem768_decaps=\d+ mldsa65_keygen=\d+ mldsa65_sign=\d+ mldsa65_verify=\d+/);
});

test.run();
