// run.ts — `npm run bench`: sizes, build times and boot time, each boot figure
// next to QEMU's own floor measured in the same run (these machines are shared
// and noisy: ratios and medians, never absolute thresholds).
//
//   ELF and ISO size                     target: ELF <= 256 KiB
//   clean build, rebuild after one .ts   target: rebuild <= 5 s
//   launch -> "AIOS ready" under -kernel, median of 5, / floor median of 5
//                                        target: <= 1.5x the floor
//   in one guest boot (aios.test=bench-memory): a matrix multiply with explicit
//   bounds checks, with guard pages, and unchecked (the floor); frame alloc+free
//                                        target: guard pages <= 1.10x the floor
//   in one guest boot with two CPUs (aios.test=bench-platform): timer interrupt
//   latency, IPI round trip, ticket-lock hand-off (median and p99), context switch,
//   IPC round trip between two threads on one CPU and across two (same boot)
//   each block driver (virtio-blk, NVMe, AHCI; aios.test=bench-blk|nvme|ahci), on
//   a scratch image: 8 MiB written and read in 1 MiB transfers against an
//   in-guest copy (rep movsb) of the same 8 MiB in the same boot, and random 4 KiB
//   writes and reads at queue depth 1 (IOPS)
//   the file system (aios.test=bench-fs, bench/fs.ts) on a 64 MiB virtio-blk image
//   made by `build.ts mkfs`: 200 files created with 4 KiB each then one fsync, 8 MiB
//   written then fsync'd (against the raw virtio-blk write above), 50 appends of
//   4 KiB each fsync'd; next to the Linux guest's ext4 on a 64 MiB image the host
//   formatted, the same counts and drive flags
//   each NIC (virtio-net, e1000; aios.test=bench-virtio-net|e1000): 20,000
//   minimum-size frames sent through QEMU user networking, frames/s
//   each of those five next to a stock Debian Linux guest running the same
//   workload under the same QEMU device flags, AIOS and Linux boots alternating,
//   3 of each, every figure the median of its 3 (bench/linux.ts; the Linux rows
//   are skipped, with the reason, when its packages cannot be had)
//   HTTP (bench/http.ts next to bench/linux-http.ts): wrk -t1 -c4 -d10s on the kernel
//   API's /health against Debian's nginx in the cloud kernel, and 10 MiB up and down,
//   the two guests alternating, twice each   target: >= 2x nginx's requests/s
//   post-quantum crypto (bench/crypto.ts): ML-KEM-768 and ML-DSA-65 operations per
//   second, the kernel's code through wasm2c as a host program next to
//   @noble/post-quantum in Node, alternating, median of 5   target: >= 3x noble;
//   and the same operations in the guest (aios.test=bench-crypto, median of 3 boots)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { accelerator, boot } from "../tools/qemu.ts";
import { prepareLinux } from "./linux.ts";
import { DEVICE_BOOTS, benchFacts, devicePair, median, medianFacts } from "./pairs.ts";
import { fsRows } from "./fs.ts";
import { cryptoRows } from "./crypto.ts";
import { aiosHttp } from "./http.ts";
import { linuxHttpBaseline, type HttpBaseline } from "./linux-http.ts";

const RUNS = 5;
const seconds = (ms: number) => (ms / 1000).toFixed(2) + " s";

function timed(args: string[]): number {
  const started = performance.now();
  const result = spawnSync("npx", ["zx", "build.ts", ...args], { env: { ...process.env, NODE_OPTIONS: "--import=tsx" }, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`build.ts ${args.join(" ")} failed:\n${result.stderr}${result.stdout}`);
  return performance.now() - started;
}

/** Everything under build/ goes, except the Linux baseline's downloaded packages
 *  (build/bench/linux): the clean build does not read them, and fetching 70 MB on
 *  every run would make the benchmark depend on the network for no reason. */
function removeBuild(): void {
  if (!existsSync("build")) return;
  for (const entry of readdirSync("build")) {
    if (entry !== "bench") { rmSync(join("build", entry), { recursive: true, force: true }); continue; }
    for (const inner of readdirSync("build/bench")) {
      if (inner !== "linux") rmSync(join("build/bench", inner), { recursive: true, force: true });
    }
  }
}

function buildFloor(): string {
  mkdirSync("build/bench", { recursive: true });
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  };
  run("gcc", ["-c", "bench/floor.S", "-o", "build/bench/floor.o"]);
  run("ld", ["-T", "bench/floor.ld", "-static", "-no-pie", "-nostdlib", "-z", "max-page-size=0x1000", "-o", "build/bench/floor.elf", "build/bench/floor.o"]);
  return "build/bench/floor.elf";
}

async function main() {
  console.log(`AIOS benchmarks (QEMU ${accelerator()}, median of ${RUNS})\n`);

  // ---- build times: clean, then a one-file change and back
  removeBuild();
  const clean = timed(["build"]);
  const probe = "src/kernel/version.ts";
  const original = readFileSync(probe, "utf8");
  const rebuilds: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      // a change that reaches the image: every step after asc reruns too
      writeFileSync(probe, original.replace(/VERSION = "([^"]*)"/, `VERSION = "$1-bench${i}"`));
      rebuilds.push(timed(["build"]));
      writeFileSync(probe, original);
    }
  } finally {
    writeFileSync(probe, original);
  }
  timed(["build"]);
  timed(["iso"]);
  const elf = statSync("build/aios.elf").size;
  const iso = statSync("images/aios.iso").size;

  // ---- boot: floor and AIOS interleaved so drift hits both alike
  const floorElf = buildFloor();
  const floor: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const f = await boot({ kernel: floorElf }, 30_000);
    if (f.status !== 33) throw new Error(`floor guest did not exit cleanly (status ${f.status})`);
    floor.push(f.milliseconds);
    const r = await boot({ kernel: "build/aios.elf" }, 60_000, /AIOS ready/);
    if (r.matchedMilliseconds === undefined) throw new Error(`AIOS did not reach the ready line:\n${r.output}`);
    ready.push(r.matchedMilliseconds);
  }

  // ---- memory: bounds checks three ways and frame allocation, inside one guest boot
  const memoryRun = await boot({ kernel: "build/aios.elf", append: "aios.test=bench-memory" }, 300_000);
  if (memoryRun.status !== 33) throw new Error(`bench-memory failed:\n${memoryRun.output}`);
  const facts = (name: string) => Object.fromEntries(
    (memoryRun.output.match(new RegExp(`AIOS bench ${name} (.*)`))?.[1] ?? "").trim().split(/\s+/).map((kv) => kv.split("=")));
  const matrix = facts("matrix");
  const framesBench = facts("frames");
  const guardRatio = Number(matrix.guard_us) / Number(matrix.unchecked_us);
  const explicitRatio = Number(matrix.explicit_us) / Number(matrix.unchecked_us);

  // ---- platform: timer interrupt latency, IPI round trip, lock hand-off (two CPUs)
  const platformRun = await boot({ kernel: "build/aios.elf", append: "aios.test=bench-platform", smp: 2 }, 300_000);
  if (platformRun.status !== 33) throw new Error(`bench-platform failed:\n${platformRun.output}`);
  const platformFacts = (name: string) => Object.fromEntries(
    (platformRun.output.match(new RegExp(`AIOS bench ${name} (.*)`))?.[1] ?? "").trim().split(/\s+/).map((kv) => kv.split("=")));
  const latency = (name: string) => {
    const f = platformFacts(name);
    return `${(Number(f.median_ns) / 1000).toFixed(1)} us` as const;
  };
  const p99 = (name: string) => `p99 ${(Number(platformFacts(name).p99_ns) / 1000).toFixed(1)} us, ${platformFacts(name).samples} samples`;

  // ---- agents: a capability-checked kernel call against a plain call, with 1, 2
  // and 4 CPUs (the check is lock-free, so a second CPU should not change it):
  // the median ratio of CAP_BOOTS boots each; IPC round trip
  const CAP_BOOTS = 3;
  const capCalls = async (smp: number) => {
    const runs: { ratio: number; checked: number; plain: number }[] = [];
    for (let i = 0; i < CAP_BOOTS; i++) {
      const run = await boot({ kernel: "build/aios.elf", append: "aios.test=caps-abi", smp }, 300_000);
      if (run.status !== 33) throw new Error(`caps-abi (${smp} CPUs) failed:\n${run.output}`);
      const facts = Object.fromEntries((run.output.match(/AIOS bench capcall (.*)/)?.[1] ?? "").trim().split(/\s+/).map((kv) => kv.split("=")));
      const checked = Number(facts.checked_ns_per_call), plain = Number(facts.plain_ns_per_call);
      runs.push({ ratio: checked / plain, checked, plain });
    }
    runs.sort((a, b) => a.ratio - b.ratio);
    return runs[Math.floor(runs.length / 2)];
  };
  const capResults: Record<number, Awaited<ReturnType<typeof capCalls>>> = {};
  for (const smp of [1, 2, 4]) capResults[smp] = await capCalls(smp);
  const ipcRun = await boot({ kernel: "build/aios.elf", append: "aios.test=ipc" }, 300_000);
  if (ipcRun.status !== 33) throw new Error(`ipc failed:\n${ipcRun.output}`);
  const ipcNs = Number(ipcRun.output.match(/per_roundtrip_ns=(\d+)/)?.[1]);
  const capRow = (smp: number): [string, string, string] => {
    const r = capResults[smp];
    return [`capability-checked call / plain call, ${smp} CPU${smp > 1 ? "s" : ""}`, r.ratio.toFixed(1) + "x",
      `target <= 3x: ${r.ratio <= 3 ? "met" : "MISSED"} (${r.checked} vs ${r.plain} ns; median of ${CAP_BOOTS} boots)`];
  };

  // ---- the Linux baseline: a Debian kernel and busybox initramfs (downloaded once)
  const linux = prepareLinux();
  const linuxGuest = "guest" in linux ? linux.guest : undefined;
  const ratio = (aios: number, other: number) => `AIOS / Linux ${(aios / other).toFixed(2)}x`;

  // ---- storage: each block driver on a scratch raw image, against an in-guest copy,
  // each AIOS boot followed by a Linux boot with the same device flags
  mkdirSync("build/bench", { recursive: true });
  const scratch = "build/bench/disk.img";
  const freshScratch = () => { writeFileSync(scratch, ""); truncateSync(scratch, 32 << 20); };
  const storage: [string, string, string[]][] = [
    ["virtio-blk", "blk", ["-device", "virtio-blk-pci,drive=d0"]],
    ["NVMe", "nvme", ["-device", "nvme,serial=bench0,drive=d0"]],
    ["AHCI", "ahci", ["-device", "ide-hd,drive=d0,bus=ide.0"]],
  ];
  const storageRows: [string, string, string][] = [];
  if (linuxGuest) {
    storageRows.push(["Linux guest (baseline rows)", linuxGuest.release, `Debian ${linuxGuest.version} + busybox, same QEMU device flags; AIOS and Linux boots alternate, each figure the median of ${DEVICE_BOOTS} boots`]);
  } else {
    storageRows.push(["Linux guest (baseline rows)", "skipped", "skipped" in linux ? linux.skipped : ""]);
  }
  const mibPerS = (g: Record<string, string>, ns: string) => Number(g.mib) / (Number(ns) / 1e9);
  let rawBlkWrite = 0;
  for (const [title, name, device] of storage) {
    const extra = ["-nic", "none", "-drive", `file=${scratch},if=none,id=d0,format=raw`, ...device];
    const { f, linux: linuxFacts, linuxNote } = await devicePair(linuxGuest, name, extra, [name],
      { path: scratch, aios: freshScratch, linux: () => { freshScratch(); return undefined; } });
    const l = linuxFacts?.[0];
    if (name === "blk") rawBlkWrite = mibPerS(f, f.write_ns);
    const iops = (g: Record<string, string>, ns: string) => Number(g.random_ops) / (Number(ns) / 1e9);
    storageRows.push(
      [`${title} sequential write, 1 MiB`, `${mibPerS(f, f.write_ns).toFixed(0)} MiB/s`, `${(mibPerS(f, f.write_ns) / mibPerS(f, f.copy_ns)).toFixed(1)}x an in-guest copy, rep movsb (${mibPerS(f, f.copy_ns).toFixed(0)} MiB/s); best of 5, ${f.mib} MiB`],
    );
    if (l) storageRows.push([`  Linux, O_DIRECT pwrite`, `${mibPerS(l, l.write_ns).toFixed(0)} MiB/s`, `${ratio(mibPerS(f, f.write_ns), mibPerS(l, l.write_ns))}; Linux's in-guest 8-byte copy ${mibPerS(l, l.copy_ns).toFixed(0)} MiB/s`]);
    else if (linuxGuest) storageRows.push([`  Linux guest`, "-", linuxNote]);
    storageRows.push([`${title} sequential read, 1 MiB`, `${mibPerS(f, f.read_ns).toFixed(0)} MiB/s`, `${(mibPerS(f, f.read_ns) / mibPerS(f, f.copy_ns)).toFixed(1)}x the same copy; the host page cache serves both`]);
    if (l) storageRows.push([`  Linux, O_DIRECT pread`, `${mibPerS(l, l.read_ns).toFixed(0)} MiB/s`, ratio(mibPerS(f, f.read_ns), mibPerS(l, l.read_ns))]);
    storageRows.push([`${title} random 4 KiB write, QD1`, `${iops(f, f.random_write_ns).toFixed(0)} IOPS`, `${f.random_ops} writes over 8 MiB`]);
    if (l) storageRows.push([`  Linux, O_DIRECT pwrite`, `${iops(l, l.random_write_ns).toFixed(0)} IOPS`, `${ratio(iops(f, f.random_write_ns), iops(l, l.random_write_ns))}; the same ${l.random_ops} offsets`]);
    storageRows.push([`${title} random 4 KiB read, QD1`, `${iops(f, f.random_read_ns).toFixed(0)} IOPS`, `${f.random_ops} reads over 8 MiB`]);
    if (l) storageRows.push([`  Linux, O_DIRECT pread`, `${iops(l, l.random_read_ns).toFixed(0)} IOPS`, ratio(iops(f, f.random_read_ns), iops(l, l.random_read_ns))]);
  }
  // ---- the file system on virtio-blk: creates, sequential write + fsync, fsync'd
  // appends, next to the Linux guest's ext4
  storageRows.push(...await fsRows(linux, rawBlkWrite));

  const nics: [string, string, string][] = [["virtio-net", "virtio-net", "virtio-net-pci"], ["e1000", "e1000", "e1000"]];
  for (const [title, name, device] of nics) {
    const extra = ["-nic", "none", "-netdev", "user,id=n0", "-device", `${device},netdev=n0`];
    const { f, linux: linuxFacts, linuxNote } = await devicePair(linuxGuest, name, extra, [name, `${name}-udp`]);
    storageRows.push([`${title} transmit, 60-byte frames`, `${(Number(f.fps) / 1000).toFixed(0)} k frames/s`, `${f.frames} frames to the slirp gateway's discard port`]);
    if (!linuxFacts) {
      if (linuxGuest) storageRows.push([`  Linux guest`, "-", linuxNote]);
      continue;
    }
    const [packet, udp] = linuxFacts;
    const kfps = (g: Record<string, string>) => `${(Number(g.fps) / 1000).toFixed(0)} k frames/s`;
    storageRows.push(
      [`  Linux, packet socket`, kfps(packet), `${ratio(Number(f.fps), Number(packet.fps))}; the same 60-byte frame, ${packet.frames} sent, ${packet.dropped} dropped`],
      [`  Linux, UDP socket`, kfps(udp), `${ratio(Number(f.fps), Number(udp.fps))}; sendto() of 18 bytes, ${udp.frames} sent, ${udp.dropped} dropped`],
    );
  }

  // ---- HTTP: the kernel API next to Debian's nginx in a Linux guest, the same wrk
  // command and transfers, the two guests run one after the other, twice each
  const httpRuns: { aios: HttpBaseline[]; linux: HttpBaseline[] } = { aios: [], linux: [] };
  for (let i = 0; i < 2; i++) {
    httpRuns.aios.push(await aiosHttp());
    httpRuns.linux.push(await linuxHttpBaseline());
  }
  const httpMedian = (runs: HttpBaseline[], key: "rps" | "upMiBs" | "downMiBs") => {
    const values = runs.flatMap((r) => ("skipped" in r ? [] : [r[key]]));
    return values.length ? median(values) : NaN;
  };
  const httpRows: [string, string, string][] = [];
  const aiosSkip = httpRuns.aios.find((r) => "skipped" in r) as { skipped: string } | undefined;
  const linuxSkip = httpRuns.linux.find((r) => "skipped" in r) as { skipped: string } | undefined;
  for (const [key, label, unit] of [["rps", "HTTP requests/s (wrk, keep-alive, /health JSON)", "req/s"], ["upMiBs", "HTTP upload host -> guest, 10 MiB", "MiB/s"],
    ["downMiBs", "HTTP download guest -> host, 10 MiB", "MiB/s"]] as const) {
    const a = httpMedian(httpRuns.aios, key), l = httpMedian(httpRuns.linux, key);
    const note = Number.isFinite(l) ? `Linux + nginx ${l.toFixed(key === "rps" ? 0 : 1)} ${unit}: ${(a / l).toFixed(2)}x${key === "rps" ? ` (target >= 2x: ${a / l >= 2 ? "met" : "MISSED"})` : ""}`
      : `Linux baseline skipped: ${linuxSkip?.skipped ?? "no figure"}`;
    httpRows.push([label, Number.isFinite(a) ? `${a.toFixed(key === "rps" ? 0 : 1)} ${unit}` : `skipped (${aiosSkip?.skipped})`, note]);
  }

  // ---- post-quantum crypto: host program against noble, then the same in the guest
  const cryptoHost = cryptoRows();
  const cryptoGuest: Record<string, string>[] = [];
  for (let i = 0; i < DEVICE_BOOTS; i++) {
    const run = await boot({ kernel: "build/aios.elf", append: "aios.test=bench-crypto", extra: ["-nic", "none"] }, 300_000);
    if (run.status !== 33) throw new Error(`bench-crypto failed:\n${run.output}`);
    cryptoGuest.push(benchFacts(run.output, "AIOS", "crypto"));
  }
  const guestCrypto = medianFacts(cryptoGuest);
  const cryptoGuestRows: [string, string, string][] = Object.entries(guestCrypto).map(([op, rate]) =>
    [`${op.replace("_", " ")}, in the guest`, `${rate} op/s`, `QEMU ${accelerator()}, median of ${DEVICE_BOOTS} boots`]);

  const rows: [string, string, string][] = [
    ["build/aios.elf", `${(elf / 1024).toFixed(1)} KiB`, `the foundation stage's target was <= 256 KiB; memory, platform and agents have joined since`],
    ["images/aios.iso", `${(iso / 1024 / 1024).toFixed(1)} MiB`, "GRUB BIOS + UEFI"],
    ["clean build", seconds(clean), "includes Node and compiler start-up"],
    ["rebuild, one .ts changed", seconds(median(rebuilds)), `target <= 5 s: ${median(rebuilds) <= 5000 ? "met" : "MISSED"}`],
    ["QEMU floor (launch to exit)", `${median(floor).toFixed(0)} ms`, `runs: ${floor.map((v) => v.toFixed(0)).join(", ")}`],
    ["launch to AIOS ready (-kernel)", `${median(ready).toFixed(0)} ms`, `runs: ${ready.map((v) => v.toFixed(0)).join(", ")}`],
    ["ready / floor", (median(ready) / median(floor)).toFixed(2) + "x", `target <= 1.5x: ${median(ready) / median(floor) <= 1.5 ? "met" : "MISSED"}`],
    [`matrix ${matrix.n}x${matrix.n}, unchecked floor`, `${matrix.unchecked_us} us`, "median of 5 in one guest boot"],
    ["matrix, guard pages / floor", guardRatio.toFixed(2) + "x", `target <= 1.10x: ${guardRatio <= 1.1 ? "met" : "MISSED"} (${matrix.guard_us} us)`],
    ["matrix, explicit checks / floor", explicitRatio.toFixed(2) + "x", `${matrix.explicit_us} us`],
    ["frame alloc+free pairs", `${(Number(framesBench.pairs_per_s) / 1e6).toFixed(2)} M/s`, `${framesBench.pairs} pairs, order 0`],
    ["timer interrupt latency (median)", latency("timer"), p99("timer")],
    ["IPI round trip, 2 CPUs (median)", latency("ipi"), p99("ipi")],
    ["ticket-lock hand-off (median)", latency("lock"), p99("lock")],
    capRow(1), capRow(2), capRow(4),
    ["IPC round trip, two threads", `${(ipcNs / 1000).toFixed(1)} us`, "blocking send + receive each way, 2 context switches"],
    ["context switch (thread yield)", `${(Number(platformFacts("switch").ns_per_switch) / 1000).toFixed(2)} us`, `${platformFacts("switch").yields} yields between two threads`],
    ["IPC round trip across CPUs", `${(Number(platformFacts("ipc-cpus").cross_cpu_ns) / 1000).toFixed(1)} us`,
      `${(Number(platformFacts("ipc-cpus").cross_cpu_ns) / Number(platformFacts("ipc-cpus").same_cpu_ns)).toFixed(1)}x the same two threads on one CPU (${(Number(platformFacts("ipc-cpus").same_cpu_ns) / 1000).toFixed(1)} us), ${platformFacts("ipc-cpus").roundtrips} round trips; wake-up IPI and idle halt each way`],
    ...storageRows,
    ...httpRows,
    ...cryptoHost,
    ...cryptoGuestRows,
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [name, value, note] of rows) console.log(`${name.padEnd(width)}  ${value.padStart(10)}  ${note}`);
}

main().catch((error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
