// smp.ts — bringing the other CPUs online. For each enabled CPU the MADT lists,
// one at a time: a guarded kernel stack and three IST stacks, the trampoline's
// data slots filled, INIT, then SIPI (twice if need be, per the MP spec), and a
// bounded wait for the CPU to say it is up. A CPU that never answers is logged
// and left out; the system runs on those that came.
import { Errno } from "../../abi";
import { cpu, lapic, x86 } from "../../hal";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import { kernelspace, pagetable, stacks } from "../memory";
import { DIRECT_MAP_BASE } from "../memory/layout";
import * as physical from "../physical";
import * as vectors from "../interrupts/vectors";
import * as ipi from "./ipi";
import * as topology from "./topology";
import * as cmdline from "../cmdline";
import * as kernelLock from "../sync/kernellock";

const TRAMPOLINE_BASE: u64 = 0x8000;          // asm/layout.h
const SIPI_VECTOR: u32 = <u32>(TRAMPOLINE_BASE >> 12);
const SLOT_CR3: u64 = 8;
const SLOT_STACK: u64 = 16;
const SLOT_CPU: u64 = 24;
const SLOT_ENTRY: u64 = 32;
const STACK_PAGES: u32 = 16;
const IST_PAGES: u32 = 4;
const INIT_WAIT_NS: u64 = 10_000_000;
const SIPI_WAIT_NS: u64 = 200_000;
const ONLINE_WAIT_NS: u64 = 200_000_000;
/** The local timer's first shot on a new CPU: proof that it takes timer interrupts. */
const FIRST_TIMER_TICKS: u32 = 10_000;

const MAX_CPUS = <i32>x86.MAX_CPUS;
const online = memory.data(MAX_CPUS);
const apicIds = memory.data(MAX_CPUS * 4);
const istTops = memory.data(MAX_CPUS * 3 * 8);
let onlineCount: u32 = 1;

function waitNanoseconds(ns: u64): void {
  const start = clock.nanoseconds();
  while (clock.nanoseconds() - start < ns) cpu.pause();
}

export function onlineCpus(): u32 { return onlineCount; }
export function isOnline(index: i32): bool { return load<u8>(online + <usize>index) != 0; }
export function apicIdOf(index: i32): u32 { return load<u32>(apicIds + <usize>index * 4); }

function startOne(index: i32, apicId: u32): bool {
  const stack = stacks.allocate(STACK_PAGES);
  if (stack == 0) return false;
  for (let i = 0; i < 3; i++) {
    const top = stacks.allocate(IST_PAGES);
    if (top == 0) return false;
    store<u64>(istTops + <usize>(index * 3 + i) * 8, top);
  }
  store<u32>(apicIds + <usize>index * 4, apicId);
  physical.write64(TRAMPOLINE_BASE + SLOT_STACK, stack);
  physical.write64(TRAMPOLINE_BASE + SLOT_CPU, <u64>index);
  lapic.sendIpi(apicId, lapic.DELIVERY_INIT | lapic.ICR_LEVEL_ASSERT);
  waitNanoseconds(INIT_WAIT_NS);
  for (let attempt = 0; attempt < 2 && !isOnline(index); attempt++) {
    lapic.sendIpi(apicId, lapic.DELIVERY_STARTUP | SIPI_VECTOR);
    waitNanoseconds(SIPI_WAIT_NS);
  }
  const start = clock.nanoseconds();
  while (!isOnline(index) && clock.nanoseconds() - start < ONLINE_WAIT_NS) cpu.pause();
  return isOnline(index);
}

/** A kernel translation changed: drop `address` (INVALIDATE_ALL: all) on the
 *  other CPUs, now or when each next enters the kernel. */
function invalidateOthers(address: u64, when: pagetable.Remote): void {
  if (when == pagetable.Remote.BeforeReuse) kernelLock.flushOthersOnEntry();
  else ipi.shootdown(address);
}

/** Starts every other CPU the MADT lists as enabled. */
export function startAll(bootApicId: u32): void {
  store<u8>(online, 1);
  store<u32>(apicIds, bootApicId);
  ipi.init();
  const count = topology.cpuCount();
  if (count <= 1 && cmdline.phantomCpu() < 0) return;
  const root = kernelspace.rootTable();
  const start = cpu.layoutAddress(cpu.Layout.TrampolineStart);
  const length = cpu.layoutAddress(cpu.Layout.TrampolineEnd) - start;
  for (let i: u64 = 0; i < length; i++) physical.write8(TRAMPOLINE_BASE + i, cpu.load8(start + i));
  physical.write64(TRAMPOLINE_BASE + SLOT_CR3, root);
  physical.write64(TRAMPOLINE_BASE + SLOT_ENTRY, cpu.layoutAddress(cpu.Layout.ApEntry));
  if (pagetable.map(root, TRAMPOLINE_BASE, TRAMPOLINE_BASE, pagetable.PageSize.Small, pagetable.Protection.ReadExecute) != Errno.Ok) {
    log.error("smp: cannot map the AP trampoline; running on the boot CPU only");
    return;
  }
  kernelLock.share();                              // from now on another CPU may enter the kernel
  pagetable.setRemoteInvalidate(invalidateOthers);  // and cache the kernel's translations
  let next = 1;
  const phantom = cmdline.phantomCpu();
  const attempts = phantom >= 0 ? count + 1 : count;
  for (let i = 0; i < attempts && next < MAX_CPUS; i++) {
    const apicId = i < count ? topology.cpuApicId(i) : <u32>phantom;
    if (apicId == bootApicId || (i < count && !topology.cpuEnabled(i))) continue;
    const started = startOne(next, apicId);
    // A CPU that misses the deadline keeps its index and stacks: should it wake
    // late, it must not share them with the next one.
    next++;
    if (!started) {
      log.begin(log.Level.Warn);
      line.text("smp: the CPU with APIC id ");
      line.decimal(apicId);
      line.text(" did not answer its SIPI; going on without it");
      log.end();
    }
  }
  ipi.setOthers(onlineCount - 1);
  pagetable.unmap(root, TRAMPOLINE_BASE);           // the APs ran through it: theirs go too
  if (onlineCount > 1) log.setConcurrent(true);
  log.begin(log.Level.Info);
  line.text("smp: ");
  line.decimal(onlineCount);
  line.text(" of ");
  line.decimal(count);
  line.text(" CPUs online");
  log.end();
}

/** An application processor's first AssemblyScript: its tables, its APIC, online.
 *  Runs without the kernel lock (the boot CPU holds it, waiting for this one), so it
 *  touches only this CPU's own state; the scheduler then takes the CPU in. */
export function apMain(index: u32): void {
  const ist = istTops + <usize>index * 3 * 8;
  x86.installGdt(index, load<u64>(ist), load<u64>(ist + 8), load<u64>(ist + 16));
  x86.loadSharedIdt();
  lapic.enable(DIRECT_MAP_BASE + topology.localApicPhysical(), true, vectors.SPURIOUS_VECTOR, vectors.ERROR_VECTOR);
  lapic.timerOneShot(vectors.TIMER_VECTOR, FIRST_TIMER_TICKS);
  onlineCount++;                                   // the boot CPU waits for us alone
  store<u8>(online + <usize>index, 1);
}
