// toolchain.ts — the host tools the build needs, and the Debian package that
// brings each, so a missing one is named precisely instead of failing obscurely.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export interface Tool { command: string; debianPackage: string; purpose: string }

export const TOOLS: Record<string, Tool> = {
  wasm2c: { command: "wasm2c", debianPackage: "wabt", purpose: "wasm to C" },
  gcc: { command: "gcc", debianPackage: "gcc", purpose: "C and assembly" },
  ld: { command: "ld", debianPackage: "binutils", purpose: "linking" },
  nm: { command: "nm", debianPackage: "binutils", purpose: "the kernel symbol table" },
  grubMkrescue: { command: "grub-mkrescue", debianPackage: "grub-common", purpose: "ISO images" },
  grubPc: { command: "/usr/lib/grub/i386-pc/modinfo.sh", debianPackage: "grub-pc-bin", purpose: "BIOS boot in the ISO" },
  grubEfi: { command: "/usr/lib/grub/x86_64-efi/modinfo.sh", debianPackage: "grub-efi-amd64-bin", purpose: "UEFI boot in the ISO" },
  xorriso: { command: "xorriso", debianPackage: "xorriso", purpose: "ISO images" },
  mformat: { command: "mformat", debianPackage: "mtools", purpose: "the ISO's EFI partition" },
  qemu: { command: "qemu-system-x86_64", debianPackage: "qemu-system-x86", purpose: "booting AIOS" },
  ovmf: { command: "/usr/share/ovmf/OVMF.fd", debianPackage: "ovmf", purpose: "UEFI firmware for QEMU" },
};

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
