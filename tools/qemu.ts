// qemu.ts — one way to start QEMU for `npm start`, the guest tests and the
// benchmarks: KVM when /dev/kvm is usable, TCG otherwise (and it says which),
// isa-debug-exit for the test protocol, serial on a pipe or the terminal.
import { spawn, spawnSync } from "node:child_process";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accessSync, constants, existsSync } from "node:fs";

export const OVMF = "/usr/share/ovmf/OVMF.fd";

export interface BootOptions {
  kernel?: string;            // boot by PVH (-kernel), or a Linux bzImage
  initrd?: string;            // with `kernel`: an initial ramdisk (-initrd)
  iso?: string;               // boot a GRUB ISO (BIOS, or UEFI with `uefi`)
  uefi?: boolean;
  append?: string;            // kernel command line (PVH only; ISOs carry their own)
  memory?: string;            // e.g. "128M"
  smp?: number | string;     // e.g. 2, or "2,maxcpus=4"
  machine?: string;           // q35 (default) or pc
  extra?: string[];
}

export function kvmUsable(): boolean {
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const PROBE_ELF = "build/aios.elf";
const PROBE_TIMEOUT_MS = 15_000;
let chosen: string | undefined;

/**
 * "kvm" or "tcg". AIOS_ACCEL forces one. Otherwise a /dev/kvm that opens is not
 * enough (nested setups refuse MSRs or fail to emulate SSE): KVM is used only if
 * the built kernel boots to its pass under it, tried once per process.
 */
export function accelerator(): string {
  if (chosen) return chosen;
  const forced = process.env.AIOS_ACCEL;
  if (forced === "kvm" || forced === "tcg") return (chosen = forced);
  if (!kvmUsable() || !existsSync(PROBE_ELF)) return (chosen = "tcg");
  const probe = spawnSync("qemu-system-x86_64", ["-machine", "q35", "-accel", "kvm", "-cpu", "host", "-m", "128M",
    "-display", "none", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x01", "-serial", "null",
    "-monitor", "none", "-kernel", PROBE_ELF, "-append", "aios.test=boot"], { timeout: PROBE_TIMEOUT_MS, stdio: "ignore" });
  chosen = probe.status === STATUS_PASS ? "kvm" : "tcg";
  if (chosen === "tcg") console.error("qemu: /dev/kvm is present but AIOS does not run under it here; using TCG");
  process.env.AIOS_ACCEL = chosen;            // children (test runners) inherit the verdict
  return chosen;
}

export function qemuArgs(options: BootOptions): string[] {
  const args = [
    "-machine", options.machine ?? "q35",
    "-accel", accelerator(),
    "-cpu", accelerator() === "kvm" ? "host" : "max",
    "-m", options.memory ?? "128M",
    "-smp", String(options.smp ?? 1),
    "-display", "none",
    "-no-reboot",
    "-device", "isa-debug-exit,iobase=0xf4,iosize=0x01",
  ];
  if (options.kernel) {
    args.push("-kernel", options.kernel);
    if (options.initrd) args.push("-initrd", options.initrd);
    if (options.append) args.push("-append", options.append);
  } else if (options.iso) {
    args.push("-cdrom", options.iso, "-boot", "d");
    if (options.uefi) args.push("-bios", OVMF);
  } else {
    throw new Error("qemuArgs: give a kernel or an ISO");
  }
  return [...args, ...(options.extra ?? [])];
}

/** QEMU exit statuses of the guest test protocol (isa-debug-exit value v → 2v+1). */
export const STATUS_PASS = 33;
export const STATUS_FAIL = 35;
export const STATUS_PANIC = 37;

export interface BootResult {
  status: number | null;
  output: string;
  timedOut: boolean;
  milliseconds: number;        // launch to exit
  matchedMilliseconds?: number; // launch to the moment `stopWhen` matched
}

/**
 * Boots, collecting serial output, until QEMU exits, `stopWhen` matches the
 * output (QEMU is then killed), or the hard timeout kills it.
 */
/** A QEMU monitor command sent once the guest's output matches `when`
 *  (e.g. "system_powerdown" or "nmi" after the scenario says it waits). */
export interface MonitorAction { when: RegExp; command: string }

let monitorSockets = 0;

/** Called with the whole output so far whenever more arrives (a test that talks
 *  to the guest from the host, e.g. through a forwarded port, once it is ready). */
export type OutputWatcher = (output: string) => void;

export function boot(options: BootOptions, timeoutMs: number, stopWhen?: RegExp, monitor?: MonitorAction, watcher?: OutputWatcher): Promise<BootResult> {
  const started = performance.now();
  const socket = join(tmpdir(), `aios-monitor-${process.pid}-${monitorSockets++}.sock`);
  const monitorArgs = monitor ? ["-monitor", `unix:${socket},server,nowait`] : ["-monitor", "none"];
  const child = spawn("qemu-system-x86_64", [...qemuArgs(options), "-serial", "stdio", ...monitorArgs], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let monitorSent = false;
  let output = "";
  let timedOut = false;
  let matchedMilliseconds: number | undefined;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, timeoutMs);
    const collect = (data: Buffer) => {
      output += data.toString("latin1");
      watcher?.(output);
      if (monitor && !monitorSent && monitor.when.test(output)) {
        monitorSent = true;
        const connection = createConnection(socket, () => connection.end(`${monitor.command}\n`));
        connection.on("error", () => {});
      }
      if (stopWhen && matchedMilliseconds === undefined && stopWhen.test(output)) {
        matchedMilliseconds = performance.now() - started;
        child.kill("SIGKILL");
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", (error) => { clearTimeout(timer); reject(error); });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, output, timedOut, milliseconds: performance.now() - started, matchedMilliseconds });
    });
  });
}
