// toolchain.ts — the host tools the build needs, and the Debian package that
// brings each, so a missing one is named precisely instead of failing obscurely.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

export interface Tool { command: string; debianPackage: string; purpose: string }

/** Shared with tools/setup.mjs, which installs them before node_modules exist. */
export const TOOLS: Record<string, Tool> = JSON.parse(readFileSync(new URL("./debian-tools.json", import.meta.url), "utf8"));

/** The wasm2c naming scheme the glue in linker/ is written against. */
export const SUPPORTED_WABT = "1.0.32";

function present(tool: Tool): boolean {
  if (tool.command.startsWith("/")) return existsSync(tool.command);
  try {
    execFileSync("sh", ["-c", `command -v ${tool.command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Throws an error naming every missing tool and the one apt-get line that fixes it. */
export function requireTools(names: string[]): void {
  const missing = names.map((name) => TOOLS[name]).filter((tool) => !present(tool));
  if (missing.length === 0) return;
  const lines = missing.map((t) => `  ${t.command} (${t.purpose}): Debian package ${t.debianPackage}`);
  const packages = [...new Set(missing.map((t) => t.debianPackage))].join(" ");
  throw new Error(`missing build tools:\n${lines.join("\n")}\ninstall them with: sudo apt-get install ${packages}`);
}

/** wabt 1.0.33 renamed wasm2c's symbols (w2c_ prefixes); linker/ is written for 1.0.32. */
export function checkWabtVersion(): void {
  const version = execFileSync("wasm2c", ["--version"]).toString().trim();
  if (version !== SUPPORTED_WABT) {
    throw new Error(`wasm2c ${version} found, but AIOS's glue in linker/ is written for wabt ${SUPPORTED_WABT} ` +
      `(Debian 12's wabt package); later versions renamed the generated symbols`);
  }
}
