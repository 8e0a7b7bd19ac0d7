// platform.ts — guest scenarios for SMP: every CPU online and taking timer
// interrupts, IPIs reaching every CPU, and a TLB shootdown making a changed
// mapping visible everywhere.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as timers from "../time/timers";
import * as interrupts from "../interrupts";
import * as line from "../line";
import * as log from "../log";
import { frames, kernelspace, pagetable } from "../memory";
import { DIRECT_MAP_BASE } from "../memory/layout";
import * as ipi from "../platform/ipi";
import * as smp from "../platform/smp";
import * as topology from "../platform/topology";

const MAX_CPUS = 64;
const SCRATCH: u64 = 0xffff_d100_0000_0000;
const seen = memory.data(MAX_CPUS * 8);

function recordCall(argument: u64): void {
  store<u64>(seen + <usize>cpu.cpuIndex() * 8, argument);
}

function readScratch(argument: u64): void {
  store<u64>(seen + <usize>cpu.cpuIndex() * 8, cpu.load64(SCRATCH));
}

function everyOtherSaw(value: u64): bool {
  for (let c = 1; c < MAX_CPUS; c++) {
    if (!smp.isOnline(c)) continue;       // indices of CPUs that never answered stay empty
    if (load<u64>(seen + <usize>c * 8) != value) {
      log.begin(log.Level.Error);
      line.text("selftest: CPU ");
      line.decimal(c);
      line.text(" saw ");
      line.hex(load<u64>(seen + <usize>c * 8));
      line.text(", expected ");
      line.hex(value);
      log.end();
      return false;
    }
  }
  return true;
}

export function smpScenario(): bool {
  let enabled: u32 = 0;
  for (let i = 0; i < topology.cpuCount(); i++) if (topology.cpuEnabled(i)) enabled++;
  if (enabled == 0) enabled = 1;
  const online = smp.onlineCpus();
  // each CPU's local timer: the boot CPU's queue, and the first shot every AP arms
  timers.sleep(20_000_000);
  let timersOk = true;
  line.reset();
  line.text("AIOS smp cpus=");
  line.decimal(online);
  line.text("/");
  line.decimal(enabled);
  line.text(" timer_irqs=");
  for (let c: u32 = 0; c < <u32>MAX_CPUS; c++) {
    if (!smp.isOnline(<i32>c)) continue;
    const n = interrupts.countOn(c, interrupts.vectors.TIMER_VECTOR);
    if (c > 0) line.text(",");
    line.decimal(n);
    if (n == 0 && c > 0) timersOk = false;
  }
  log.publish();
  if (online != enabled || !timersOk) return false;

  // call-function IPI reaches every other CPU
  if (ipi.callOthers(recordCall, 0x1234) != online - 1 || !everyOtherSaw(0x1234)) return false;

  // TLB shootdown: every CPU caches SCRATCH -> A, then SCRATCH is remapped to B
  const root = kernelspace.rootTable();
  const a = frames.alloc(0, frames.Owner.Test);
  const b = frames.alloc(0, frames.Owner.Test);
  cpu.store64(DIRECT_MAP_BASE + a, 0xaaaa);
  cpu.store64(DIRECT_MAP_BASE + b, 0xbbbb);
  if (pagetable.map(root, SCRATCH, a, pagetable.PageSize.Small, pagetable.Protection.Read) != Errno.Ok) return false;
  if (ipi.callOthers(readScratch, 0) != online - 1 || !everyOtherSaw(0xaaaa)) return false;
  pagetable.unmap(root, SCRATCH);       // invalidates this CPU only
  pagetable.map(root, SCRATCH, b, pagetable.PageSize.Small, pagetable.Protection.Read);
  const answered = ipi.shootdown(SCRATCH);
  if (ipi.callOthers(readScratch, 0) != online - 1 || !everyOtherSaw(0xbbbb)) return false;
  pagetable.unmap(root, SCRATCH);
  ipi.shootdown(SCRATCH);
  frames.free(a);
  frames.free(b);
  log.begin(log.Level.Info);
  line.text("selftest: IPIs reached ");
  line.decimal(online - 1);
  line.text(" other CPU(s); shootdown answered by ");
  line.decimal(answered);
  log.end();
  return answered == online - 1;
}
