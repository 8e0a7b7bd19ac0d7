// steps.ts — named build steps that are skipped when their inputs have not
// changed. A step's key is a SHA-256 over its input files' contents and any
// extra strings (flags, tool versions); the key is stored next to the outputs.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const STAMP_DIR = "build/.stamps";

export interface StepSpec {
  name: string;
  inputs: string[];          // files whose contents decide whether to rerun
  extra?: string[];          // flags and versions that also decide it
  outputs: string[];         // files that must exist for a skip
  run: () => Promise<void> | void;
}

export function hashInputs(inputs: string[], extra: string[] = []): string {
  const hash = createHash("sha256");
  for (const file of [...inputs].sort()) {
    hash.update(file);
    hash.update("\0");
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  for (const value of extra) hash.update(value + "\0");
  return hash.digest("hex");
}

export async function step(spec: StepSpec): Promise<boolean> {
  const stamp = join(STAMP_DIR, spec.name.replace(/[^a-z0-9-]/gi, "_") + ".sha256");
  const key = hashInputs(spec.inputs, spec.extra);
  const upToDate = existsSync(stamp) && readFileSync(stamp, "utf8") === key && spec.outputs.every((f) => existsSync(f));
  if (upToDate) {
    console.log(`  skip  ${spec.name}`);
    return false;
  }
  const started = performance.now();
  await spec.run();
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, key);
  console.log(`  done  ${spec.name} (${((performance.now() - started) / 1000).toFixed(2)} s)`);
  return true;
}
