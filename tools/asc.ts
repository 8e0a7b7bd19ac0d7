// asc.ts — compiles AssemblyScript modules in this one Node process (the
// compiler's start-up is most of a small build's time), and checks each module
// imports only what its layer allows.
import asc from "assemblyscript/asc";
import { readFileSync } from "node:fs";

export interface ModuleSpec {
  entry: string;              // the module's index.ts
  output: string;             // .wasm path
  allowedImportModules: string[];
}

/** The flags every AIOS module is built with (the kernel: no GC, names kept for traces). */
export const ASC_FLAGS = ["-O3", "--runtime", "stub", "--debug", "--noAssert"];

export async function compile(spec: ModuleSpec): Promise<void> {
  const { error, stderr } = await asc.main([spec.entry, ...ASC_FLAGS, "-o", spec.output], {});
  if (error) throw new Error(`asc failed for ${spec.entry}:\n${stderr.toString()}`);
  checkImports(spec);
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
