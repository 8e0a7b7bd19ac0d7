// idle.ts — halting a CPU until an interrupt, with the time it spent halted
// counted per CPU (the performance samples' idle share). Every idle loop (the
// scheduler's, the boot flow's, the other CPUs') halts through here. Each CPU
// writes only its own slots; readers take a possibly slightly stale view, which is
// all a statistic needs. The handler of the waking interrupt runs inside the
// halt and so counts as idle: a small overcount on a busy interrupt line.
import { cpu, x86 } from "../../hal";
import * as clock from "../clock";

const MAX_CPUS = <i32>x86.MAX_CPUS;
const idleTotal = memory.data(MAX_CPUS * 8);      // nanoseconds halted, finished halts
const haltedSince = memory.data(MAX_CPUS * 8);    // when the current halt began; 0 = running

function at(base: usize, index: u32): usize { return base + <usize>(index % <u32>MAX_CPUS) * 8; }

/** Halts this CPU until an interrupt (enabling interrupts first), counting the time. */
export function waitForInterrupt(): void {
  const index = cpu.cpuIndex();
  const start = clock.nanoseconds();
  store<u64>(at(haltedSince, index), start);
  cpu.waitForInterrupt();
  store<u64>(at(haltedSince, index), 0);
  store<u64>(at(idleTotal, index), load<u64>(at(idleTotal, index)) + (clock.nanoseconds() - start));
}

/** Nanoseconds CPU `index` has spent halted since boot, its current halt included. */
export function idleNanoseconds(index: u32): u64 {
  const since = load<u64>(at(haltedSince, index));
  const now = clock.nanoseconds();
  return load<u64>(at(idleTotal, index)) + (since != 0 && now > since ? now - since : 0);
}
