// pairs.ts — one workload booted in AIOS and in the Linux baseline guest
// (bench/linux.ts) by turns, for bench/run.ts's device rows and bench/fs.ts: the
// "<PREFIX> bench NAME key=value …" lines both guests print, and their medians.
import { rmSync } from "node:fs";
import { boot, type BootResult } from "../tools/qemu.ts";
import { linuxBoot, type LinuxGuest } from "./linux.ts";

export const DEVICE_BOOTS = 3;      // boots per device benchmark, AIOS and Linux alternating
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** "key=value …" after "<prefix> bench <name> " in a guest's output, as an object. */
export function benchFacts(output: string, prefix: string, name: string): Record<string, string> {
  return Object.fromEntries((output.match(new RegExp(`${prefix} bench ${name} (.*)`))?.[1] ?? "")
    .trim().split(/\s+/).map((kv) => kv.split("=")));
}

/** Each field's median over several boots' facts (every field is a number). */
export function medianFacts(runs: Record<string, string>[]): Record<string, string> {
  return Object.fromEntries(Object.keys(runs[0] ?? {}).map((key) => [key, String(median(runs.map((r) => Number(r[key]))))]));
}

/** A Linux run that did not exit cleanly: its status and last line, for the table. */
export function linuxFailure(run: BootResult): string {
  const last = run.output.trim().split("\n").pop() ?? "";
  return `failed (${run.timedOut ? "timed out" : `status ${run.status}`}): ${last.slice(0, 100)}`;
}

/** The disk image a workload's boots share (`extra` names `path`): made afresh
 *  before each boot, for AIOS and for Linux (which may say why it cannot be),
 *  removed after the last. */
export interface Disk {
  path: string;
  aios: () => void;
  linux: () => string | undefined;
}

export interface PairResult {
  f: Record<string, string>;                     // AIOS's medians
  linux?: Record<string, string>[];              // per Linux line, its medians
  linuxNote: string;                             // why there are none ("" when there are)
}

/** DEVICE_BOOTS boots of AIOS's `aios.test=bench-NAME` with `extra`, each followed
 *  by one of the Linux guest's `aios_bench=NAME` with the same flags: the median
 *  of each AIOS field, and of each Linux line's fields (or why there are none). */
export async function devicePair(linuxGuest: LinuxGuest | undefined, name: string, extra: string[],
  linuxLines: string[], disk?: Disk): Promise<PairResult> {
  const aios: Record<string, string>[] = [];
  const linuxRuns: Record<string, string>[][] = linuxLines.map(() => []);
  let linuxNote = linuxGuest ? "" : "skipped";
  try {
    for (let i = 0; i < DEVICE_BOOTS; i++) {
      disk?.aios();
      const run = await boot({ kernel: "build/aios.elf", append: `aios.test=bench-${name}`, extra }, 300_000);
      if (run.status !== 33) throw new Error(`bench-${name} failed:\n${run.output}`);
      aios.push(benchFacts(run.output, "AIOS", name));
      if (!linuxGuest || linuxNote) continue;
      const unprepared = disk?.linux();
      if (unprepared) { linuxNote = `skipped: ${unprepared}`; continue; }
      const linuxRun = await boot(linuxBoot(linuxGuest, name, extra), 300_000);
      if (linuxRun.status === 33) linuxLines.forEach((line, j) => linuxRuns[j].push(benchFacts(linuxRun.output, "LINUX", line)));
      else linuxNote = linuxFailure(linuxRun);
    }
  } finally {
    if (disk) rmSync(disk.path, { force: true });
  }
  return { f: medianFacts(aios), linux: linuxNote ? undefined : linuxRuns.map(medianFacts), linuxNote };
}
