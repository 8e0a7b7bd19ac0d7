// asc.ts — compiles AssemblyScript modules, all in one Node process, and checks
// that each module imports only what its layer allows.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface ModuleSpec {
  entry: string;              // the module's index.ts
  output: string;             // .wasm path
  allowedImportModules: string[];
  extraFlags?: string[];      // e.g. --use HEAP_DEBUG=1 for a debug kernel
}

/** The flags every AIOS module is built with (no GC, names kept for traces); the
 *  optimisation level comes with each module (extraFlags). */
export const ASC_FLAGS = ["--runtime", "stub", "--debug", "--noAssert"];

/** Compiles every module given in one Node process (tools/asc-worker.mjs), then
 *  checks each one's imports. */
export function compile(...specs: ModuleSpec[]): void {
  const request = specs.map((s) => ({ entry: s.entry, output: s.output, flags: [...ASC_FLAGS, ...(s.extraFlags ?? [])] }));
  const worker = fileURLToPath(new URL("./asc-worker.mjs", import.meta.url));
  const result = spawnSync(process.execPath, [worker, JSON.stringify(request)], {
    encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" },
  });
  if (result.status !== 0) throw new Error(result.stderr || `asc worker exited with ${result.status}`);
  specs.forEach(checkImports);
}

/** Refuses a module that imports from a module its layer may not use. */
export function checkImports(spec: ModuleSpec): void {
  const module = new WebAssembly.Module(readFileSync(spec.output));
  const bad = WebAssembly.Module.imports(module).filter((i) => !spec.allowedImportModules.includes(i.module));
  if (bad.length > 0) {
    const names = bad.map((i) => `${i.module}.${i.name}`).join(", ");
    throw new Error(`${spec.entry} imports ${names}, outside its allowed modules ` +
      `(${spec.allowedImportModules.join(", ")}); an allocation or throw pulls in env.abort`);
  }
}
