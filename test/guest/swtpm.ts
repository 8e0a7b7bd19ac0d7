// swtpm.ts — a fresh software TPM (swtpm) for a guest test, and the QEMU
// arguments that attach it as tpm-tis. swtpm is required (tools/setup.mjs
// installs it); its absence fails the test loudly rather than skipping it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SOCKET_WAIT_MS = 5_000;

/** Runs `body` with a fresh swtpm (a TPM 2.0, or with `tpm12` a TPM 1.2) and the
 *  QEMU arguments that attach it as tpm-tis. With `stateDir` the TPM's state is
 *  kept there (and left for the caller): a later call with it is the same TPM
 *  after a power cycle. */
export async function withSwtpm<T>(body: (extra: string[]) => Promise<T>, tpm12 = false, stateDir?: string): Promise<T> {
  if (spawnSync("sh", ["-c", "command -v swtpm"]).status !== 0) {
    throw new Error("swtpm is not installed: the TPM tests need it (apt-get install swtpm; tools/setup.mjs installs it as root)");
  }
  const dir = stateDir ?? mkdtempSync(join(tmpdir(), "aios-tpm-"));
  const socket = join(dir, "swtpm.sock");
  let swtpm: ChildProcess | undefined;
  try {
    swtpm = spawn("swtpm", ["socket", ...(tpm12 ? [] : ["--tpm2"]), "--tpmstate", `dir=${dir}`, "--ctrl", `type=unixio,path=${socket}`, "--terminate"], { stdio: "ignore" });
    const start = Date.now();
    while (!existsSync(socket)) {
      if (Date.now() - start > SOCKET_WAIT_MS || swtpm.exitCode !== null) throw new Error("swtpm did not open its control socket");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return await body(["-chardev", `socket,id=chrtpm,path=${socket}`, "-tpmdev", "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-tis,tpmdev=tpm0"]);
  } finally {
    swtpm?.kill("SIGKILL");
    if (stateDir === undefined) rmSync(dir, { recursive: true, force: true });
    else rmSync(socket, { force: true });
  }
}

