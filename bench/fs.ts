// fs.ts — the file-system rows of `npm run bench`: AIOS's bench-fs (src/kernel/selftest/fs.ts)
// on a 64 MiB virtio-blk image made by `build.ts mkfs`, each boot followed by the
// Linux baseline guest's ext4 on a 64 MiB image the host formatted (bench/linux.ts
// ext4Image, bench/linux/fs.c), the same QEMU drive flags (raw, QEMU's default
// cache=writeback, so both guests see a volatile write cache and flush it).
// Median of DEVICE_BOOTS boots each.
//
// Run alone (after `npx zx build.ts`): `npx tsx bench/fs.ts`.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { accelerator } from "../tools/qemu.ts";
import { ext4Image, prepareLinux, type LinuxPrepared } from "./linux.ts";
import { DEVICE_BOOTS, devicePair } from "./pairs.ts";

const IMAGE = "build/bench/fs.img";
const IMAGE_BYTES = 64 << 20;

/** `build.ts mkfs` of a fresh AIOS file system in IMAGE. */
function aiosImage(): void {
  rmSync(IMAGE, { force: true });
  const result = spawnSync("npx", ["zx", "build.ts", "mkfs", IMAGE, "--size", `${IMAGE_BYTES >> 20}M`],
    { env: { ...process.env, NODE_OPTIONS: "--import=tsx" }, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`build.ts mkfs failed:\n${result.stderr}${result.stdout}`);
}

/** The three file-system rows, each with its Linux ext4 line under it (or why
 *  not). `rawBlkWrite`: the virtio-blk raw sequential write rate measured in the
 *  same run, MiB/s, if it was. */
export async function fsRows(linux: LinuxPrepared, rawBlkWrite?: number): Promise<[string, string, string][]> {
  mkdirSync("build/bench", { recursive: true });
  const linuxGuest = "guest" in linux ? linux.guest : undefined;
  const extra = ["-nic", "none", "-drive", `file=${IMAGE},if=none,id=d0,format=raw`, "-device", "virtio-blk-pci,drive=d0"];
  const { f, linux: linuxFacts, linuxNote } = await devicePair(linuxGuest, "fs", extra, ["fs"],
    { path: IMAGE, aios: aiosImage, linux: () => ext4Image(IMAGE, IMAGE_BYTES) });
  const l = linuxFacts?.[0];
  const perSecond = (count: string, ns: string) => Number(count) / (Number(ns) / 1e9);
  const ratio = (aios: number, other: number) => `AIOS / Linux ${(aios / other).toFixed(2)}x`;
  const files = (g: Record<string, string>) => perSecond(g.files, g.create_ns);
  const mibs = (g: Record<string, string>) => perSecond(g.mib, g.write_ns);
  const syncs = (g: Record<string, string>) => perSecond(g.syncs, g.append_sync_ns);
  const rows: [string, string, string][] = [];
  rows.push(["fs: create + 4 KiB write, one fsync", `${files(f).toFixed(0)} files/s`, `${f.files} files in one directory, then one fsync; median of ${DEVICE_BOOTS} boots`]);
  if (l) rows.push(["  Linux ext4, open+write+close, syncfs", `${files(l).toFixed(0)} files/s`, `${ratio(files(f), files(l))}; ${l.files} files, then one syncfs()`]);
  else if (linuxGuest) rows.push(["  Linux ext4", "-", linuxNote]);
  const raw = rawBlkWrite ? `; ${(mibs(f) / rawBlkWrite).toFixed(2)}x raw virtio-blk writes above` : "";
  rows.push(["fs: sequential write + fsync", `${mibs(f).toFixed(0)} MiB/s`, `${f.mib} MiB in 64 KiB calls${raw}`]);
  if (l) rows.push(["  Linux ext4, write() + fsync", `${mibs(l).toFixed(0)} MiB/s`, `${ratio(mibs(f), mibs(l))}; the same ${l.mib} MiB in 64 KiB write() calls`]);
  rows.push(["fs: 4 KiB append + fsync", `${syncs(f).toFixed(0)} fsyncs/s`,
    `${f.syncs} appends; each fsync a journal commit: 3 flushes (data, journal, checkpoint); ${f.flushes} flushes in all three`]);
  if (l) rows.push(["  Linux ext4, pwrite + fsync", `${syncs(l).toFixed(0)} fsyncs/s`,
    `${ratio(syncs(f), syncs(l))}; data=ordered, jbd2 commit per fsync; ${l.flushes} flushes in all three`]);
  return rows;
}

if (process.argv[1]?.endsWith("bench/fs.ts")) {
  const linux = prepareLinux();
  const header: [string, string, string] = "guest" in linux
    ? ["Linux guest", linux.guest.release, `Debian ${linux.guest.version} + busybox; QEMU ${accelerator()}`]
    : ["Linux guest", "skipped", linux.skipped];
  fsRows(linux).then((rows) => {
    const all = [header, ...rows];
    const width = Math.max(...all.map((r) => r[0].length));
    for (const [name, value, note] of all) console.log(`${name.padEnd(width)}  ${value.padStart(14)}  ${note}`);
  }).catch((error) => {
    console.error(`bench fs: ${error.message}`);
    process.exit(1);
  });
}
