// harness.ts — boots one guest test scenario in QEMU and returns what happened.
// The guest reports over COM1 and leaves through isa-debug-exit; every boot has a
// hard timeout, and any failed expectation prints the whole guest log.
import { existsSync } from "node:fs";
import * as assert from "uvu/assert";
import { boot, BootResult, MonitorAction, OutputWatcher, STATUS_FAIL, STATUS_PANIC, STATUS_PASS } from "../../tools/qemu.ts";

export { STATUS_FAIL, STATUS_PANIC, STATUS_PASS };

export const ELF = "build/aios.elf";
/** Built by test/run.ts: a GRUB ISO whose command line is aios.test=boot. */
export const BOOT_ISO = "build/test/aios-boot.iso";

export type Via = "pvh" | "bios" | "uefi";

const TIMEOUT_MS: Record<Via, number> = { pvh: 30_000, bios: 45_000, uefi: 90_000 };

export interface ScenarioOptions { memory?: string; append?: string; smp?: number | string; machine?: string; extra?: string[]; monitor?: MonitorAction; watch?: OutputWatcher; timeoutMs?: number }

export async function scenario(name: string, via: Via = "pvh", options: ScenarioOptions = {}): Promise<BootResult> {
  const image = via === "pvh" ? ELF : BOOT_ISO;
  if (!existsSync(image)) throw new Error(`${image} is missing: run the tests with npm test, which builds it`);
  if (via !== "pvh" && name !== "boot") throw new Error("the test ISO only carries aios.test=boot");
  return boot({
    kernel: via === "pvh" ? ELF : undefined,
    iso: via === "pvh" ? undefined : BOOT_ISO,
    uefi: via === "uefi",
    append: [`aios.test=${name}`, options.append].filter(Boolean).join(" "),
    memory: options.memory,
    smp: options.smp,
    machine: options.machine,
    extra: options.extra,
  }, options.timeoutMs ?? TIMEOUT_MS[via], undefined, options.monitor, options.watch);
}

function withLog(result: BootResult, message: string): string {
  return `${message}\n--- guest log (status ${result.status}${result.timedOut ? ", killed at the timeout" : ""}) ---\n${result.output}`;
}

export function expectStatus(result: BootResult, status: number): void {
  if (result.status !== status || result.timedOut) assert.unreachable(withLog(result, `expected QEMU status ${status}`));
}

export function expectOutput(result: BootResult, pattern: RegExp): void {
  if (!pattern.test(result.output)) assert.unreachable(withLog(result, `expected the guest log to match ${pattern}`));
}

/** The ready line's key=value facts. */
export function readyFacts(result: BootResult): Record<string, string> {
  const line = result.output.split(/\r?\n/).find((l) => l.startsWith("AIOS ready"));
  if (!line) assert.unreachable(withLog(result, "no 'AIOS ready' line"));
  return Object.fromEntries(line!.slice("AIOS ready".length).trim().split(/\s+/).map((kv) => kv.split("=", 2)));
}

/** The full CPU exception report: header, a detail line, registers, and a stack
 *  trace whose first two frames are the faulting gate primitive and the scenario
 *  (`scenarioFunction` relative to src/kernel/selftest/, e.g. "scenarios/pageFault"). */
export function expectExceptionReport(result: BootResult, header: RegExp, detail: RegExp, scenarioFunction: string): void {
  expectStatus(result, STATUS_PANIC);
  expectOutput(result, header);
  expectOutput(result, detail);
  expectOutput(result, /rsp=0x[0-9a-f]{16} rbp=0x[0-9a-f]{16}/);
  expectOutput(result, /cr2=0x[0-9a-f]{16}/);
  expectOutput(result, new RegExp(String.raw`stack trace:\r?\n  #0 0x[0-9a-f]{16} Z_halZ_\w+\+0x[0-9a-f]+\r?\n  #1 0x[0-9a-f]{16} src/kernel/selftest/${scenarioFunction}\+0x`));
}
