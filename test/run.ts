// run.ts — `npm test`: checks the tools, builds what the tests need (the ELF, a
// test ISO whose command line is aios.test=boot, the host-test wasm), then runs
// both tiers with uvu and ends with one "N passed, N failed" line.
import { spawnSync } from "node:child_process";
import { requireTools } from "../tools/toolchain.ts";
import { accelerator } from "../tools/qemu.ts";

const started = performance.now();

function build(args: string[], env: Record<string, string> = {}): void {
  const result = spawnSync("npx", ["zx", "build.ts", ...args], {
    stdio: "inherit", env: { ...process.env, NODE_OPTIONS: "--import=tsx", ...env },
  });
  if (result.status !== 0) {
    console.error(`npm test: build.ts ${args.join(" ")} failed`);
    process.exit(1);
  }
}

interface Tally { passed: number; failed: number; skipped: number }

function tier(name: string, dir: string): Tally {
  console.log(`\n== ${name} tests (${dir})`);
  const result = spawnSync("npx", ["uvu", "-r", "tsx", dir, "\\.test\\.ts$"], {
    encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" }, maxBuffer: 64 << 20,
  });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  const count = (label: string) => Number(result.stdout.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
  const total = count("Total"), passed = count("Passed"), skipped = count("Skipped");
  // A runner that crashed before its summary counts as one failure.
  const failed = result.status !== 0 && total === passed ? 1 : total - passed - skipped;
  return { passed, failed, skipped };
}

try {
  requireTools(["wasm2c", "gcc", "ld", "nm", "grubMkrescue", "grubPc", "grubEfi", "xorriso", "mformat", "qemu", "ovmf"]);
} catch (error) {
  console.error(`npm test: ${(error as Error).message}`);
  process.exit(1);
}

// the ELF, and copies with one module changed after signing (test/guest/signing.test.ts)
build(["build"], { AIOS_TAMPER_MODULE: "counter" });
build(["host"]);
build(["iso", "--cmdline", "aios.test=boot", "--out", "build/test/aios-boot.iso"]);
console.log(`guest tests run QEMU with ${accelerator()}`);

const tallies = [tier("host", "test/host"), tier("guest", "test/guest")];
const passed = tallies.reduce((n, t) => n + t.passed, 0);
const failed = tallies.reduce((n, t) => n + t.failed, 0);
const skipped = tallies.reduce((n, t) => n + t.skipped, 0);
console.log(`\nnpm test: ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
