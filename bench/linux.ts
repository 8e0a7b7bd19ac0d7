// linux.ts — the Linux baseline for the device benchmarks (bench/run.ts): a stock
// Debian kernel and a busybox initramfs that run AIOS's block, NIC and ext4
// file-system workloads (bench/linux/*.c, bench/linux/init) under the same QEMU
// device flags; ext4Image() formats the file-system workload's disk on the host.
//
// Everything comes from Debian packages fetched with `apt-get download` into
// build/bench/linux/ (never installed on the host) and is cached there: the kernel
// (vmlinuz and the few modules the five devices and ext4 need, with their dependencies) and
// busybox. The helpers are compiled and the initramfs is packed on every run (a
// second or two). When something is missing — no apt-get, no network, no static
// libc — prepareLinux() says why and the benchmark runs without the baseline.
//
// The kernel is Debian's generic `linux-image-amd64`, not `-cloud-amd64`: the cloud
// flavour is built without SATA_AHCI and E1000, so it cannot drive two of the five
// devices, and one kernel for all five keeps the rows comparable.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { BootOptions } from "../tools/qemu.ts";

const CACHE = "build/bench/linux";
const KERNEL_PACKAGE = "linux-image-amd64";     // depends on the versioned image package
const BUSYBOX_PACKAGE = "busybox-static";
const HELPERS = ["blk", "net", "fs"];            // bench/linux/<name>.c, static

/** The modules each workload loads, before their dependencies are added. The
 *  generic kernel builds all of these as modules (CONFIG_...=m), none built in. */
const WORKLOAD_MODULES: Record<string, string[]> = {
  blk: ["virtio_pci", "virtio_blk"],
  nvme: ["nvme"],
  ahci: ["ahci", "sd_mod"],
  "virtio-net": ["virtio_pci", "virtio_net"],
  e1000: ["e1000"],
  // ext4's metadata checksums ask the crypto API for "crc32c" at mount, a soft
  // dependency (no modprobe here to fetch it): the generic, table-driven one, as
  // AIOS's own CRC-32C is
  fs: ["virtio_pci", "virtio_blk", "crc32c_generic", "ext4"],
};

export interface LinuxGuest {
  kernel: string;      // vmlinuz (bzImage: QEMU boots it through its Linux loader, not PVH)
  initrd: string;      // gzip'd newc cpio
  release: string;     // e.g. 6.1.0-56-amd64
  version: string;     // the Debian package version, e.g. 6.1.192-2
}

export type LinuxPrepared = { guest: LinuxGuest } | { skipped: string };

/** The kernel command line for workload `name`; everything else is the kernel's default. */
export function linuxAppend(name: string): string {
  // ipv6.disable: no router solicitations or MLD reports counted in tx_packets
  return `console=ttyS0 quiet panic=-1 ipv6.disable=1 aios_bench=${name}`;
}

/** Boot options for workload `name` with the AIOS run's device flags `extra`. */
export function linuxBoot(guest: LinuxGuest, name: string, extra: string[]): BootOptions {
  return { kernel: guest.kernel, initrd: guest.initrd, append: linuxAppend(name), extra };
}

export function run(command: string, args: string[], cwd?: string): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    const said = `${result.stderr}${result.stdout}`.trim().split("\n").filter((l) => !l.startsWith("W: ")).pop() ?? "";
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}: ${said}`);
  }
  return result.stdout;
}

export function present(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

let listsUpdated = false;

/** `apt-get download package` into `directory`; the .deb's path. A root user whose
 *  package lists lack it (a fresh machine) gets one `apt-get update` and a retry. */
export function download(name: string, directory: string): string {
  // as root, apt would hand the download to the _apt user, who cannot write here
  const args = ["-q", "-o", "APT::Sandbox::User=root", "download", name];
  try {
    run("apt-get", args, directory);
  } catch (error) {
    if (listsUpdated || process.getuid?.() !== 0) throw error;
    listsUpdated = true;
    run("apt-get", ["update", "-qq"]);
    run("apt-get", args, directory);
  }
  const deb = readdirSync(directory).find((f) => f.startsWith(`${name}_`) && f.endsWith(".deb"));
  if (!deb) throw new Error(`apt-get download ${name} left no .deb`);
  return join(directory, deb);
}

/** The module name the kernel uses: file name without .ko, '-' read as '_'. */
export const moduleName = (file: string) => file.replace(/\.ko$/, "").replace(/-/g, "_");

/** A .ko's "depends=" from its .modinfo strings (NUL-separated key=value). */
export function dependsOf(ko: Buffer): string[] {
  const at = ko.indexOf("\0depends=");
  if (at < 0) return [];
  const end = ko.indexOf(0, at + 1);
  return ko.toString("latin1", at + "\0depends=".length, end).split(",").filter(Boolean).map(moduleName);
}

export function findFiles(directory: string, suffix: string, found: string[] = []): string[] {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) findFiles(path, suffix, found);
    else if (entry.name.endsWith(suffix)) found.push(path);
  }
  return found;
}

/** Runs `step` in an empty CACHE/download, removed afterwards whatever happens. */
export function inScratch(step: (work: string) => void): void {
  const work = join(CACHE, "download");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    step(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Downloads the kernel package once and keeps vmlinuz, the needed modules and
 *  their dependency lists in CACHE/kernel (the extracted package is ~400 MB). */
function prepareKernel(): void {
  const kernelDir = join(CACHE, "kernel");
  if (existsSync(join(kernelDir, "kernel.json"))) {
    // a cache from before a workload was added lacks its modules: fetch again
    const cached = JSON.parse(readFileSync(join(kernelDir, "kernel.json"), "utf8"));
    const has = (name: string) => name in cached.depends || (cached.builtin ?? []).includes(name);
    if (Object.values(WORKLOAD_MODULES).flat().every(has)) return;
  }
  inScratch((work) => {
    const meta = download(KERNEL_PACKAGE, work);
    const image = run("dpkg-deb", ["-f", meta, "Depends"]).split(/[,|]/).map((d) => d.trim().split(/\s/)[0])
      .find((d) => d.startsWith("linux-image-"));
    if (!image) throw new Error(`${KERNEL_PACKAGE} names no linux-image package`);
    const deb = download(image, work);
    const version = run("dpkg-deb", ["-f", deb, "Version"]).trim();
    const root = join(work, "root");
    run("dpkg-deb", ["-x", deb, root]);
    const vmlinuz = readdirSync(join(root, "boot")).find((f) => f.startsWith("vmlinuz-"));
    if (!vmlinuz) throw new Error(`${image} has no /boot/vmlinuz-*`);
    const release = vmlinuz.slice("vmlinuz-".length);
    const modules = join(root, "lib/modules", release);
    const files = new Map(findFiles(modules, ".ko").map((p) => [moduleName(p.split("/").pop()!), p]));
    // modules.builtin: one kernel/…/name.ko a line for what is compiled in
    const builtin = readFileSync(join(modules, "modules.builtin"), "utf8").split("\n").filter(Boolean)
      .map((p) => moduleName(p.split("/").pop()!));
    const needed: Record<string, string[]> = {};
    const add = (name: string) => {
      if (name in needed || builtin.includes(name)) return;
      const path = files.get(name);
      if (!path) throw new Error(`${image} has no module ${name}`);
      needed[name] = dependsOf(readFileSync(path));
      needed[name].forEach(add);
    };
    Object.values(WORKLOAD_MODULES).flat().forEach(add);
    rmSync(kernelDir, { recursive: true, force: true });
    mkdirSync(join(kernelDir, "modules"), { recursive: true });
    copyFileSync(join(root, "boot", vmlinuz), join(kernelDir, "vmlinuz"));
    for (const name of Object.keys(needed)) copyFileSync(files.get(name)!, join(kernelDir, "modules", `${name}.ko`));
    writeFileSync(join(kernelDir, "kernel.json"), JSON.stringify({ package: image, version, release, depends: needed,
      builtin: Object.values(WORKLOAD_MODULES).flat().filter((name) => builtin.includes(name)) }, null, 1));
  });
}

function prepareBusybox(): void {
  const busybox = join(CACHE, "busybox");
  if (existsSync(busybox)) return;
  inScratch((work) => {
    run("dpkg-deb", ["-x", download(BUSYBOX_PACKAGE, work), join(work, "root")]);
    copyFileSync(join(work, "root/bin/busybox"), busybox);
  });
}

/** Modules for `names` with every dependency before its user, each once. */
export function loadOrder(names: string[], depends: Record<string, string[]>): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    depends[name].forEach(visit);
    order.push(name);
  };
  names.forEach(visit);
  return order;
}

export interface CpioEntry { name: string; mode: number; data?: Buffer; device?: [number, number] }

export const S_IFDIR = 0o040000, S_IFREG = 0o100000, S_IFCHR = 0o020000;

/** The "newc" cpio format the kernel unpacks an initramfs from: per entry a
 *  110-byte ASCII header (magic 070701, 13 eight-digit hex fields), the name with
 *  its NUL, padded to 4 bytes, then the data padded to 4; "TRAILER!!!" last. */
export function cpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const pad = (length: number) => Buffer.alloc((4 - (length % 4)) % 4);
  const hex = (value: number) => value.toString(16).padStart(8, "0");
  [...entries, { name: "TRAILER!!!", mode: 0 }].forEach((entry, index) => {
    const data = entry.data ?? Buffer.alloc(0);
    const name = Buffer.from(entry.name + "\0");
    const [major, minor] = entry.device ?? [0, 0];
    const fields = [index + 1, entry.mode, 0, 0, entry.mode & S_IFDIR ? 2 : 1, 0, data.length, 0, 0, major, minor, name.length, 0];
    const header = Buffer.from("070701" + fields.map(hex).join(""), "latin1");
    parts.push(header, name, pad(header.length + name.length), data, pad(data.length));
  });
  return Buffer.concat(parts);
}

function buildInitramfs(kernel: { depends: Record<string, string[]>; builtin?: string[] }): string {
  for (const helper of HELPERS) {
    run("gcc", ["-O2", "-static", "-Wall", "-o", join(CACHE, helper), `bench/linux/${helper}.c`]);
  }
  const entries: CpioEntry[] = ["bin", "dev", "etc", "lib", "lib/modules", "mnt", "proc", "sys"].map((name) => ({ name, mode: S_IFDIR | 0o755 }));
  // the kernel opens /dev/console for init before init can mount devtmpfs
  entries.push({ name: "dev/console", mode: S_IFCHR | 0o600, device: [5, 1] });
  entries.push({ name: "init", mode: S_IFREG | 0o755, data: readFileSync("bench/linux/init") });
  entries.push({ name: "bin/busybox", mode: S_IFREG | 0o755, data: readFileSync(join(CACHE, "busybox")) });
  for (const helper of HELPERS) entries.push({ name: `bin/${helper}`, mode: S_IFREG | 0o755, data: readFileSync(join(CACHE, helper)) });
  for (const name of Object.keys(kernel.depends)) {
    entries.push({ name: `lib/modules/${name}.ko`, mode: S_IFREG | 0o644, data: readFileSync(join(CACHE, "kernel/modules", `${name}.ko`)) });
  }
  for (const [workload, modules] of Object.entries(WORKLOAD_MODULES)) {
    const order = loadOrder(modules.filter((m) => !(kernel.builtin ?? []).includes(m)), kernel.depends).map((m) => `${m}.ko`).join("\n") + "\n";
    entries.push({ name: `etc/modules.${workload}`, mode: S_IFREG | 0o644, data: Buffer.from(order) });
  }
  const initrd = join(CACHE, "initramfs.cpio.gz");
  writeFileSync(initrd, gzipSync(cpio(entries)));
  return initrd;
}

/** mkfs.ext4 from the host's e2fsprogs (a Debian system has it, often outside a
 *  user's PATH), or undefined. */
function mkfsExt4(): string | undefined {
  return ["mkfs.ext4", "/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4"].find((c) => c.includes("/") ? existsSync(c) : present(c));
}

/** A fresh raw image of `bytes` at `path` formatted ext4 for the fs workload, or
 *  why not. mke2fs would call a 64 MiB volume "small" (1 KiB blocks, an inode per
 *  4 KiB); this asks for its defaults for ordinary volumes instead — 4 KiB blocks
 *  as AIOS's, 256-byte inodes, one per 16 KiB — with Debian's ext4 features
 *  (journal, extents, flex_bg, metadata_csum, 64bit). The inode tables and the
 *  journal are zeroed now, so no lazy-init thread writes in the guest while it is
 *  measured. */
export function ext4Image(path: string, bytes: number): string | undefined {
  const mkfs = mkfsExt4();
  if (!mkfs) return "mkfs.ext4 (e2fsprogs) is not installed on the host";
  try {
    rmSync(path, { force: true });
    writeFileSync(path, "");
    truncateSync(path, bytes);
    run(mkfs, ["-F", "-q", "-b", "4096", "-I", "256", "-i", "16384", "-E", "lazy_itable_init=0,lazy_journal_init=0,nodiscard", path]);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The Linux guest, or why there is none. Downloads on the first run only. */
export function prepareLinux(): LinuxPrepared {
  try {
    for (const command of ["apt-get", "dpkg-deb", "gcc"]) {
      if (!present(command)) return { skipped: `${command} is not installed` };
    }
    mkdirSync(CACHE, { recursive: true });
    prepareKernel();
    prepareBusybox();
    const kernel = JSON.parse(readFileSync(join(CACHE, "kernel/kernel.json"), "utf8"));
    const initrd = buildInitramfs(kernel);
    if (statSync(initrd).size === 0) return { skipped: "the initramfs came out empty" };
    return { guest: { kernel: join(CACHE, "kernel/vmlinuz"), initrd, release: kernel.release, version: kernel.version } };
  } catch (error) {
    return { skipped: (error as Error).message };
  }
}
