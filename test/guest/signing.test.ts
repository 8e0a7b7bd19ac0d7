// Scenarios modules-signed and modules-tampered (src/kernel/selftest/signing.ts):
// on the image as built every module's signed record verifies, counter and
// probe run, and the measurement log is signed with the boot identity key and
// verifies (a changed byte does not); on the images test/run.ts has the build
// make with AIOS_TAMPER_MODULE=counter — one byte of counter's code, or of its
// signature, flipped after signing — the kernel boots, refuses counter with the
// clear log line and an audit record, and probe still runs.
import { test } from "uvu";
import { existsSync } from "node:fs";
import { boot } from "../../tools/qemu.ts";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

const TAMPERED = { code: "build/test/aios-tampered-code.elf", signature: "build/test/aios-tampered-signature.elf" };

test("modules-signed: every module verifies at first use, the measurement log is signed and verifies", async () => {
  const result = await scenario("modules-signed", "pvh", { extra: ["-nic", "none"] });
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /measure: kernel text \d+ KiB, read-only data \d+ KiB and module signatures measured \(SHA-256\), the kernel's record checked, in \d+ us/);
  expectOutput(result, /module counter: signed record verified \(ML-DSA-65, code and data SHA-256\) in \d+ us/);
  expectOutput(result, /module probe: signed record verified/);
  expectOutput(result, /info  kernel: signed record verified \(ML-DSA-65, text and read-only data SHA-256\)/);
  expectOutput(result, /AIOS signing kernel-verified=1/);
  expectOutput(result, /AIOS signing log-entries=6/);
  expectOutput(result, /AIOS signing log-signed=1/);
});

// counter's code lies inside the kernel's text, so the kernel's own record fails
// too (logged, not refused: the kernel cannot refuse itself); its signature does not.
for (const [what, line, kernelLine] of [
  ["code", /warn  module counter: code differs from its signed record; refused/, /warn  kernel: text differs from its signed record[\s\S]*AIOS signing kernel-verified=0/],
  ["signature", /warn  module counter: signature invalid; refused/, /AIOS signing kernel-verified=1/]] as const) {
  test(`modules-tampered: counter's ${what} changed after signing is refused at boot, the rest boots and probe runs`, async () => {
    const kernel = TAMPERED[what];
    if (!existsSync(kernel)) throw new Error(`${kernel} is missing: npm test builds it (AIOS_TAMPER_MODULE=counter npx zx build.ts)`);
    const result = await boot({ kernel, append: "aios.test=modules-tampered", extra: ["-nic", "none"] }, 30_000);
    expectStatus(result, STATUS_PASS);
    expectOutput(result, line);
    expectOutput(result, /AIOS signing counter-refused=1/);
    expectOutput(result, kernelLine);
    expectOutput(result, /module probe: signed record verified/);
    expectOutput(result, /AIOS signing probe-runs=1/);
    expectOutput(result, /AIOS signing log-signed=1/);
  });
}

test.run();
