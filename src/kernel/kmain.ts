// kmain.ts — the boot sequence, in order. Each step is one line; nothing runs
// by registration or constructor. Entered once, on the boot CPU, from
// linker/start.c with the loader's magic and the physical address of its info.
import { Errno } from "../abi";
import { uart, tsc, x86, cpu, pci } from "../hal";
import * as devices from "./devices";
import * as crypto from "./crypto";
import * as bootinfo from "./bootinfo";
import * as clock from "./clock";
import * as cmdline from "./cmdline";
import * as line from "./line";
import * as log from "./log";
import * as mem from "./memory";
import * as acpi from "./acpi";
import * as apic from "./platform/apic";
import * as smp from "./platform/smp";
import * as power from "./platform/power";
import * as scheduler from "./sched/scheduler";
import * as kernelLock from "./sync/kernellock";
import * as events from "./events";
import * as fabric from "./fabric";
import * as fs from "./fs";
import * as platformTime from "./platform/time";
import * as panic from "./panic";
import * as api from "./api";
import * as net from "./net";
import * as netCalls from "./syscalls/net";
import * as seal from "./seal";
import * as pqcd from "./pqcd";
import * as selftest from "./selftest";
import * as symbols from "./symbols";
import { VERSION } from "./version";

const NANOS_PER_MILLI: u64 = 1_000_000;
const JOIN_WAIT_NS: u64 = 100_000_000;

function devicesInit(): void {
  if (acpi.mcfg.count() > 0) {
    pci.useEcam(mem.layout.DIRECT_MAP_BASE + acpi.mcfg.base(0), acpi.mcfg.startBus(0), acpi.mcfg.endBus(0));
  }
  const found = devices.pci.enumerate();
  devices.iommu.init();                                // DMA remapping (VT-d), when the DMAR names a unit: before any driver
  log.begin(log.Level.Info);
  line.text("pci: ");
  line.decimal(found);
  line.text(" functions, through ");
  line.text(pci.usingEcam() ? "ECAM" : "the legacy ports");
  log.end();
}

/** Drivers bind once interrupts are live, so their queues can use MSI-X. */
function driversInit(): void {
  devices.virtio.rng.init();                           // an entropy source, when QEMU gives one
  devices.virtio.blk.init();                           // the first virtio disk, if any
  devices.virtio.net.init();                           // the first virtio NIC, if any
  devices.nvme.init();                                 // the first NVMe controller, namespace 1
  devices.ahci.init();                                 // the AHCI controller and its SATA drives, if any
  devices.e1000.init();                                // the first Intel 8254x NIC, if any
  devices.tpm.init();                                  // the TPM 2.0 at 0xfed40000 (TIS), if any
  seal.init();                                         // sealing: the TPM's backend, or none
}

function readyLine(): void {
  line.reset();
  line.text("AIOS ready version=");
  line.text(VERSION);
  line.text(" boot=");
  line.text(bootinfo.info.protocolName());
  line.text(" cpus=");
  line.decimal(smp.onlineCpus());
  line.text(" mem_total_mib=");
  line.decimal(bootinfo.memorymap.usableBytes() >> 20);
  line.text(" mem_free_mib=");
  line.decimal(mem.freeBytes() >> 20);
  line.text(" boot_ms=");
  line.decimal(clock.nanoseconds() / NANOS_PER_MILLI);
  log.publish();
}

export function kmain(magic: u32, infoAddress: u64): void {
  kernelLock.enter();                                  // kernel code runs under the kernel lock
  clock.markEntry();                                   // boot time counts from here
  uart.init();                                         // the console, first
  x86.installGdt(0, x86.bootIstTop(0), x86.bootIstTop(1), x86.bootIstTop(2));   // GDT, TSS, IST stacks
  x86.installIdt();                                    // all 256 vectors: faults get reported
  const haveSymbols = symbols.init(cpu.layoutAddress(cpu.Layout.SymbolsStart), cpu.layoutAddress(cpu.Layout.SymbolsEnd));
  clock.setFrequency(tsc.measureFrequency());          // timestamps for the log
  log.info("AIOS kernel starting");
  if (!haveSymbols) log.warn("symbols: no kernel symbol table; stack traces show addresses only");
  bootinfo.parse(magic, infoAddress);                  // memory map, cmdline, RSDP, modules
  cmdline.parse(bootinfo.info.cmdlineData(), bootinfo.info.cmdlineSize());
  if (cmdline.requestedLogLevel() >= 0) log.setThreshold(<log.Level>cmdline.requestedLogLevel());
  bootinfo.report();
  if (mem.init() != Errno.Ok) panic.panic("memory: could not set up the frame allocator and page tables");
  acpi.init(bootinfo.info.rsdp());                     // tables checked; the rest falls back to PC defaults
  acpi.report();
  devicesInit();                                       // PCI functions, by ECAM or the legacy ports
  apic.init();                                         // PICs off, local APIC on, I/O APICs masked
  if (platformTime.init() != Errno.Ok) log.error("time: no timer interrupts");
  scheduler.init();                                    // this flow becomes thread 0
  fabric.regions.init();                               // shared regions, detached when memories go
  cpu.enableInterrupts();                              // from here on, interrupts are live
  driversInit();                                       // virtio and the rest, on MSI-X where offered
  crypto.random.init();                                // the kernel DRBG, seeded from RDSEED/RDRAND and virtio-rng
  fs.disk.mountFirst();                                // the first disk with the AIOS file system, if any
  if (seal.available()) pqcd.keystore.useSealing(seal.seal, seal.unseal, seal.sealedLength);   // keys kept sealed to the TPM
  pqcd.restore();                                      // pqcd's kept keys and revocation list, when there are any
  smp.startAll(apic.bootCpuApicId());                  // the other CPUs, one by one
  if (!scheduler.awaitCpus(<i32>smp.onlineCpus(), JOIN_WAIT_NS)) log.warn("sched: not every CPU took its share of threads");
  power.init();                                        // S5, reset, the power button
  log.begin(log.Level.Debug);
  line.text("tsc: ");
  line.decimal(clock.frequency() / 1000);
  line.text(" kHz from ");
  line.text(tsc.sourceName());
  log.end();
  readyLine();
  // after the ready line, whose mem_free is the boot's own cost: the publisher's
  // thread (a 64 KiB stack) is the first thing the booted kernel runs
  if (!events.monitor.start()) log.warn("events: no thread for the interrupt and performance publisher");
  if (cmdline.networkEnabled()) net.service.start(api.route, api.PORT);   // DHCP, then the kernel API on :9000
  netCalls.init();                                     // agents' sockets: the sweep of owners gone
  if (cmdline.testScenarioLength() > 0) {
    selftest.run(cmdline.testScenario(), cmdline.testScenarioLength());
  }
  scheduler.exit();                                    // the boot flow ends; the CPU's idle thread halts
}
