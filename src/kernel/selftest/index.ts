// selftest — the guest side of the test protocol. With aios.test=<name> on the
// command line the kernel, once ready, runs that scenario and leaves QEMU through
// isa-debug-exit: 0x10 pass (status 33), 0x11 fail (35); a panic exits 0x12 (37).
// The host harness (test/guest/) reads the serial log and checks the report.
import { debugExit, cpu } from "../../hal";
import * as line from "../line";
import * as log from "../log";
import * as scenarios from "./scenarios";
import * as memoryScenarios from "./memory";
import * as bench from "./bench";
import * as acpidump from "./acpidump";
import * as timeScenarios from "./time";
import * as platformScenarios from "./platform";
import * as powerScenarios from "./power";
import * as benchPlatform from "./benchplatform";
import * as schedScenarios from "./sched";
import * as ipcScenarios from "./ipc";
import * as fabricScenarios from "./fabric";
import * as agentScenarios from "./agents";
import * as capsScenarios from "./capsabi";
import * as stateScenarios from "./statemoves";
import * as eventScenarios from "./events";
import * as pciScenarios from "./pci";
import * as auditScenarios from "./audit";
import * as netScenarios from "./net";
import * as blockAbiScenarios from "./blockabi";
import * as blockScenarios from "./block";
import * as deviceAgentScenarios from "./deviceagent";
import * as netStackScenarios from "./netstack";
import * as netServeScenarios from "./netserve";
import * as netAgentScenarios from "./netagent";
import * as pqcdScenarios from "./pqcd";
import * as nvmeScenarios from "./nvme";
import * as e1000Scenarios from "./e1000";
import * as ahciScenarios from "./ahci";
import * as iommuScenarios from "./iommu";
import * as cloneScenarios from "./clone";
import * as publisherScenarios from "./publishers";
import * as netFragmentScenarios from "./netfragments";
import * as netDnsScenarios from "./netdns";
import * as smpSchedScenarios from "./smpsched";
import * as capsSmpScenarios from "./capssmp";
import * as cryptoScenarios from "./crypto";
import * as fsScenarios from "./fs";
import * as fsAbiScenarios from "./fsabi";
import * as signingScenarios from "./signing";
import * as tpmScenarios from "./tpm";
import * as sealScenarios from "./seal";

type Scenario = () => bool;

function nameIs(source: usize, length: i32, name: string): bool {
  if (length != name.length) return false;
  for (let i = 0; i < length; i++) {
    if (<i32>load<u8>(source + <usize>i) != name.charCodeAt(i)) return false;
  }
  return true;
}

/** Scenarios are called through a function reference, so Binaryen cannot inline
 *  them into the runner and a report names the scenario's own function. */
function lookup(source: usize, length: i32): Scenario | null {
  if (nameIs(source, length, "boot")) return scenarios.boot;
  if (nameIs(source, length, "pagefault")) return scenarios.pageFault;
  if (nameIs(source, length, "invalid-opcode")) return scenarios.invalidOpcode;
  if (nameIs(source, length, "divide-error")) return scenarios.divideError;
  if (nameIs(source, length, "double-fault")) return scenarios.doubleFault;
  if (nameIs(source, length, "wasm-trap")) return scenarios.wasmOutOfBounds;
  if (nameIs(source, length, "panic")) return scenarios.deliberatePanic;
  if (nameIs(source, length, "paging")) return memoryScenarios.paging;
  if (nameIs(source, length, "write-kernel-text")) return memoryScenarios.writeKernelText;
  if (nameIs(source, length, "stack-guard")) return memoryScenarios.stackGuard;
  if (nameIs(source, length, "module-trap")) return memoryScenarios.moduleTrap;
  if (nameIs(source, length, "memory-quota")) return memoryScenarios.memoryQuota;
  if (nameIs(source, length, "grow-destroy-cycles")) return memoryScenarios.growDestroyCycles;
  if (nameIs(source, length, "kernel-heap")) return memoryScenarios.kernelHeap;
  if (nameIs(source, length, "module-abi")) return memoryScenarios.moduleAbi;
  if (nameIs(source, length, "sleep")) return timeScenarios.sleepAccuracy;
  if (nameIs(source, length, "timers")) return timeScenarios.timerQueue;
  if (nameIs(source, length, "smp")) return platformScenarios.smpScenario;
  if (nameIs(source, length, "preempt")) return schedScenarios.preemption;
  if (nameIs(source, length, "edf")) return schedScenarios.deadlines;
  if (nameIs(source, length, "priority-inheritance")) return schedScenarios.priorityInheritance;
  if (nameIs(source, length, "ipc")) return ipcScenarios.pingPong;
  if (nameIs(source, length, "fabric")) return fabricScenarios.sharedPage;
  if (nameIs(source, length, "agents")) return agentScenarios.lifecycle;
  if (nameIs(source, length, "watchdog")) return agentScenarios.watchdog;
  if (nameIs(source, length, "caps-abi")) return capsScenarios.capabilityCalls;
  if (nameIs(source, length, "state-moves")) return stateScenarios.stateMoves;
  if (nameIs(source, length, "events")) return eventScenarios.eventBus;
  if (nameIs(source, length, "pci")) return pciScenarios.listDevices;
  if (nameIs(source, length, "virtio-rng")) return pciScenarios.virtioRng;
  if (nameIs(source, length, "virtio-blk")) return pciScenarios.virtioBlk;
  if (nameIs(source, length, "virtio-blk-readonly")) return pciScenarios.virtioBlkReadOnly;
  if (nameIs(source, length, "bench-blk")) return pciScenarios.virtioBlkBenchmark;
  if (nameIs(source, length, "shutdown")) return powerScenarios.shutdown;
  if (nameIs(source, length, "reset")) return powerScenarios.reset;
  if (nameIs(source, length, "power-button")) return powerScenarios.powerButton;
  if (nameIs(source, length, "nmi")) return powerScenarios.nmi;
  if (nameIs(source, length, "bench-memory")) return bench.memoryBenchmarks;
  if (nameIs(source, length, "bench-platform")) return benchPlatform.platformBenchmarks;
  if (nameIs(source, length, "acpi-dump")) return acpidump.run;
  if (nameIs(source, length, "audit-tamper")) return auditScenarios.auditTamper;
  if (nameIs(source, length, "virtio-net")) return netScenarios.virtioNet;
  if (nameIs(source, length, "virtio-net-tap")) return netScenarios.virtioNetTap;
  if (nameIs(source, length, "virtio-net-link")) return netScenarios.virtioNetLink;
  if (nameIs(source, length, "bench-virtio-net")) return netScenarios.virtioNetBenchmark;
  if (nameIs(source, length, "nvme")) return nvmeScenarios.nvmeReadWrite;
  if (nameIs(source, length, "bench-nvme")) return nvmeScenarios.nvmeBenchmark;
  if (nameIs(source, length, "e1000")) return e1000Scenarios.arpAndPing;
  if (nameIs(source, length, "e1000-link")) return e1000Scenarios.linkDown;
  if (nameIs(source, length, "bench-e1000")) return e1000Scenarios.transmitBenchmark;
  if (nameIs(source, length, "block-abi")) return blockAbiScenarios.blockAbi;
  if (nameIs(source, length, "disks")) return blockScenarios.listDisks;
  if (nameIs(source, length, "verify-disks")) return blockScenarios.verifyAllDisks;
  if (nameIs(source, length, "device-agent")) return deviceAgentScenarios.deviceAgent;
  if (nameIs(source, length, "net-udp-echo")) return netStackScenarios.udpEcho;
  if (nameIs(source, length, "net-serve")) return netServeScenarios.serve;
  if (nameIs(source, length, "net-flood")) return netServeScenarios.flood;
  if (nameIs(source, length, "net-agent-echo")) return netAgentScenarios.agentEcho;
  if (nameIs(source, length, "net-service-http")) return netAgentScenarios.serviceHttp;
  if (nameIs(source, length, "pqcd-keys")) return pqcdScenarios.keys;
  if (nameIs(source, length, "pqcd-keep")) return pqcdScenarios.keep;
  if (nameIs(source, length, "pqcd-restore")) return pqcdScenarios.restoreKeys;
  if (nameIs(source, length, "ahci")) return ahciScenarios.verify;
  if (nameIs(source, length, "ahci-error")) return ahciScenarios.errorRecovery;
  if (nameIs(source, length, "bench-ahci")) return ahciScenarios.benchmark;
  if (nameIs(source, length, "iommu")) return iommuScenarios.iommuScenario;
  if (nameIs(source, length, "clone-cow")) return cloneScenarios.cloneCopyOnWrite;
  if (nameIs(source, length, "event-publishers")) return publisherScenarios.publishers;
  if (nameIs(source, length, "smp-sched")) return smpSchedScenarios.smpScheduling;
  if (nameIs(source, length, "net-udp-fragments")) return netFragmentScenarios.udpFragments;
  if (nameIs(source, length, "net-dns")) return netDnsScenarios.dnsLookups;
  if (nameIs(source, length, "caps-smp")) return capsSmpScenarios.revokeRace;
  if (nameIs(source, length, "crypto-kat")) return cryptoScenarios.knownAnswers;
  if (nameIs(source, length, "crypto-random")) return cryptoScenarios.randomSources;
  if (nameIs(source, length, "bench-crypto")) return cryptoScenarios.benchmark;
  if (nameIs(source, length, "fs-persist")) return fsScenarios.persist;
  if (nameIs(source, length, "fs-verify")) return fsScenarios.verify;
  if (nameIs(source, length, "fs-powercut")) return fsScenarios.powercut;
  if (nameIs(source, length, "fs-full")) return fsScenarios.full;
  if (nameIs(source, length, "fs-badblock")) return fsScenarios.badBlock;
  if (nameIs(source, length, "fs-status")) return fsScenarios.status;
  if (nameIs(source, length, "bench-fs")) return fsScenarios.benchmark;
  if (nameIs(source, length, "fs-abi")) return fsAbiScenarios.fileAbi;
  if (nameIs(source, length, "fs-telemetry")) return fsScenarios.telemetry;
  if (nameIs(source, length, "fs-abi-concurrent")) return fsAbiScenarios.concurrentAgents;
  if (nameIs(source, length, "modules-signed")) return signingScenarios.signed;
  if (nameIs(source, length, "modules-tampered")) return signingScenarios.tampered;
  if (nameIs(source, length, "tpm-pcr")) return tpmScenarios.pcrChain;
  if (nameIs(source, length, "tpm-quote")) return tpmScenarios.quote;
  if (nameIs(source, length, "tpm-absent")) return tpmScenarios.absent;
  if (nameIs(source, length, "seal-tpm")) return sealScenarios.tpm;
  if (nameIs(source, length, "seal-absent")) return sealScenarios.absent;
  if (nameIs(source, length, "seal-store")) return sealScenarios.storeBlob;
  if (nameIs(source, length, "seal-restore")) return sealScenarios.restoreBlob;
  return null;
}

function verdict(passed: bool, source: usize, length: i32): void {
  line.reset();
  line.text(passed ? "AIOS test pass: " : "AIOS test fail: ");
  line.bytes(source, length);
  log.publish();
  debugExit.exit(passed ? debugExit.ExitCode.Pass : debugExit.ExitCode.Fail);
  cpu.disableInterrupts();
  while (true) cpu.halt();
}

/** Runs the named scenario; never returns. */
export function run(source: usize, length: i32): void {
  line.reset();
  line.text("AIOS test start: ");
  line.bytes(source, length);
  log.publish();
  const scenario = lookup(source, length);
  if (scenario == null) {
    log.error("selftest: no such scenario");
    verdict(false, source, length);
    return;
  }
  verdict(scenario(), source, length);
}
