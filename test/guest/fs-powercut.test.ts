// The power-cut test: the fs-powercut scenario (selftest/fs.ts) creates, writes
// and fsyncs files w0, w1… on a small virtio-blk image, printing each fsync's
// acknowledgement as it returns; the host SIGKILLs QEMU at a random moment of that
// workload, CYCLES times over the same image. Each boot first mounts (replaying the
// journal), runs fsck and reads back what the last cycle left: fsck must be clean
// and every acknowledged file there, whole. QEMU writes the image with pwrite as it
// completes each request, so what a killed QEMU had acknowledged is in the image.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { qemuArgs } from "../../tools/qemu.ts";
import { fsckImage, mkfsImage } from "../../tools/fs.ts";
import { ELF } from "./harness.ts";
import { random } from "../host/random.ts";

const CYCLES = 50;
const MAX_DELAY_MS = 300;
const BOOT_TIMEOUT_MS = 30_000;

interface Cycle { output: string; acked: number; found?: { files: number; bad: number; fsck: number; readOnly: boolean }; killed: boolean }

/** One boot: the report of what was found, then the workload until a random delay after it starts. */
function cycle(image: string, delayMs: number): Promise<Cycle> {
  const child = spawn("qemu-system-x86_64", [
    ...qemuArgs({ kernel: ELF, append: "aios.test=fs-powercut", memory: "128M", smp: 1,
      extra: ["-nic", "none", "-drive", `file=${image},if=none,id=d0,format=raw,cache=unsafe`, "-device", "virtio-blk-pci,drive=d0"] }),
    "-serial", "stdio", "-monitor", "none",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  const result: Cycle = { output: "", acked: 0, killed: false };
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => child.kill("SIGKILL"), BOOT_TIMEOUT_MS);
    let armed = false;
    const collect = (data: Buffer) => {
      result.output += data.toString("latin1");
      const found = /AIOS fs-found files=(\d+) bad=(\d+) fsck=(\d+) (read-only|read-write)/.exec(result.output);
      if (found && !result.found) result.found = { files: +found[1], bad: +found[2], fsck: +found[3], readOnly: found[4] === "read-only" };
      if (!armed && result.output.includes("AIOS fs-workload start")) {
        armed = true;
        setTimeout(() => { result.killed = true; child.kill("SIGKILL"); }, delayMs);
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(timeout);
      // acknowledgements the host saw before the kill (a line cut short is not one)
      for (const m of result.output.matchAll(/AIOS fs-ack (\d+)\r?\n/g)) result.acked = Math.max(result.acked, +m[1] + 1);
      resolve(result);
    });
  });
}

test(`${CYCLES} power cuts during fsync'd writes: fsck clean and every acknowledged write there after each`, async () => {
  const dir = mkdtempSync(join(tmpdir(), "aios-powercut-"));
  const image = join(dir, "disk.img");
  const seed = Number(process.env.AIOS_POWERCUT_SEED ?? Date.now() % 100000);
  const rand = random(seed);
  try {
    mkfsImage(image, 16 << 20, undefined);     // 4096 inodes: more files than a cycle writes before its kill
    let acked = 0;
    let totalAcked = 0, replays = 0;
    for (let i = 0; i <= CYCLES; i++) {
      const c = await cycle(image, Math.floor(rand() * MAX_DELAY_MS));
      const context = `cycle ${i} (seed ${seed}), ${acked} acknowledged before\n${c.output}`;
      assert.ok(c.found, `no report of what was found: ${context}`);
      assert.is(c.found!.fsck, 0, `fsck: ${context}`);
      assert.is(c.found!.bad, 0, `damaged files: ${context}`);
      assert.not.ok(c.found!.readOnly, `mounted read-only: ${context}`);
      assert.ok(c.found!.files >= acked, `only ${c.found!.files} of ${acked} acknowledged files: ${context}`);
      if (/dirty journal: replayed/.test(c.output)) replays++;
      if (i < CYCLES) assert.ok(c.killed, `the workload ended before the kill: ${context}`);
      acked = c.acked;
      totalAcked += c.acked;
    }
    assert.is(fsckImage(image).problems, 0);
    console.log(`  power cuts: ${CYCLES} cycles, ${totalAcked} acknowledged files checked, ${replays} journal replays (seed ${seed})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
