// controller.ts — the AHCI host bus adapter (AHCI 1.3.1 §10): found by PCI class
// (mass storage, SATA, AHCI 1.0 interface), its registers in ABAR (BAR5, memory),
// taken from firmware (§10.6), reset (§10.4.3) and put in AHCI mode; then every
// implemented port is offered to drives.probe. The first controller only.
import { Errno } from "../../../abi";
import { cpu, pci } from "../../../hal";
import * as clock from "../../clock";
import * as line from "../../line";
import * as log from "../../log";
import { DIRECT_MAP_BASE } from "../../memory/layout";
import * as physical from "../../physical";
import * as registry from "../registry";
import * as drives from "./drives";
import * as port from "./port";
import * as r from "./registers";

const CLASS_MASS_STORAGE: u8 = 0x01;
const SUBCLASS_SATA: u8 = 0x06;
const INTERFACE_AHCI: u8 = 0x01;
const ABAR: i32 = 5;
const DRIVER_ID: i32 = 4;
const PCI_COMMAND: u32 = 0x04;
const COMMAND_MEMORY_BUS_MASTER: u32 = (1 << 1) | (1 << 2);
const ABAR_MINIMUM: u64 = 0x100;                 // the generic host control block
const RESET_WAIT_NS: u64 = 1_000_000_000;        // GHC.HR clears within 1 s (§10.4.3)
const HANDOFF_WAIT_NS: u64 = 25_000_000;         // firmware drops BOS within 25 ms (§10.6.3)
const HANDOFF_BUSY_WAIT_NS: u64 = 2_000_000_000; // ... or sets BB and may take 2 s

/** The registry index of the first AHCI controller, or -1. */
function locate(): i32 {
  for (let i = registry.find(0xffff, 0xffff, CLASS_MASS_STORAGE, SUBCLASS_SATA); i >= 0;
    i = registry.find(0xffff, 0xffff, CLASS_MASS_STORAGE, SUBCLASS_SATA, i + 1)) {
    if (registry.interfaceCode(i) == INTERFACE_AHCI) return i;
  }
  return -1;
}

function refuse(index: i32, why: string, result: Errno): Errno { return registry.refuse("ahci", index, why, result); }

function waitClear(address: u64, bits: u32, timeout: u64): bool {
  const start = clock.nanoseconds();
  while ((cpu.load32(address) & bits) != 0) {
    if (clock.nanoseconds() - start > timeout) return false;
    cpu.pause();
  }
  return true;
}

/** BIOS/OS handoff (§10.6.3): ask for ownership and wait for firmware to let go. */
function takeOwnership(abar: u64): void {
  if ((cpu.load32(abar + r.HBA_CAP2) & r.CAP2_BOH) == 0) return;
  cpu.store32(abar + r.HBA_BOHC, cpu.load32(abar + r.HBA_BOHC) | r.BOHC_OOS);
  if (waitClear(abar + r.HBA_BOHC, r.BOHC_BOS, HANDOFF_WAIT_NS)) return;
  if ((cpu.load32(abar + r.HBA_BOHC) & r.BOHC_BB) != 0) waitClear(abar + r.HBA_BOHC, r.BOHC_BOS, HANDOFF_BUSY_WAIT_NS);
}

/** The ports among `implemented` that see a device (PxSSTS.DET not 0). */
function portsWithDevice(abar: u64, implemented: u32): u32 {
  let found: u32 = 0;
  for (let p: u32 = 0; p < r.MAX_PORTS; p++) {
    if ((implemented & (<u32>1 << p)) == 0) continue;
    if ((cpu.load32(r.portRegisters(abar, p) + r.PX_SSTS) & r.SSTS_DET_MASK) != 0) found |= <u32>1 << p;
  }
  return found;
}

/** Waits until every port in `ports` has its link back or LINK_WAIT_NS has
 *  passed: after the reset each port sends COMRESET and a drive answers within
 *  ~10 ms. */
function awaitLinks(abar: u64, ports: u32): void {
  const start = clock.nanoseconds();
  while (clock.nanoseconds() - start < port.LINK_WAIT_NS) {
    let pending = false;
    for (let p: u32 = 0; p < r.MAX_PORTS; p++) {
      if ((ports & (<u32>1 << p)) == 0) continue;
      if ((cpu.load32(r.portRegisters(abar, p) + r.PX_SSTS) & r.SSTS_DET_MASK) != r.SSTS_DET_PRESENT) pending = true;
    }
    if (!pending) return;
    cpu.pause();
  }
}

/** Finds and starts the first AHCI controller and its drives: Ok with at least
 *  one drive ready, NotFound without a controller or without drives. */
export function init(): Errno {
  const index = locate();
  if (index < 0) return Errno.NotFound;
  if (!registry.claim(index, DRIVER_ID)) return Errno.NotReady;
  const size = registry.barSize(index, ABAR);
  const base = registry.barAddress(index, ABAR);
  if (size < ABAR_MINIMUM || registry.barIsIo(index, ABAR)) return refuse(index, "BAR5 (ABAR) is not a memory BAR", Errno.NotSupported);
  if (base == 0 || !physical.readable(base, size)) return refuse(index, "ABAR is unassigned or outside the direct map", Errno.NotSupported);
  const bus = registry.bus(index), slot = registry.slot(index), fn = registry.fn(index);
  pci.write32(bus, slot, fn, PCI_COMMAND, (pci.read32(bus, slot, fn, PCI_COMMAND) | COMMAND_MEMORY_BUS_MASTER) & 0xffff);
  const abar = DIRECT_MAP_BASE + base;
  cpu.store32(abar + r.HBA_GHC, cpu.load32(abar + r.HBA_GHC) | r.GHC_AE);   // AHCI mode before any other register
  takeOwnership(abar);
  const capabilities = cpu.load32(abar + r.HBA_CAP);                       // CAP and PI survive the reset (HwInit)
  const implemented = cpu.load32(abar + r.HBA_PI);
  if (size < r.PORT_BASE + <u64>(32 - clz(implemented)) * r.PORT_STRIDE) return refuse(index, "ABAR is smaller than its implemented ports", Errno.NotSupported);
  // Which ports had a device before the reset: only those are waited for after it,
  // so empty ports cost no time (a drive plugged in meanwhile is not looked for).
  const seen = portsWithDevice(abar, implemented);
  cpu.store32(abar + r.HBA_GHC, r.GHC_AE | r.GHC_HR);                      // a clean slate: every port stopped
  if (!waitClear(abar + r.HBA_GHC, r.GHC_HR, RESET_WAIT_NS)) return refuse(index, "HBA reset did not finish", Errno.Timeout);
  cpu.store32(abar + r.HBA_GHC, r.GHC_AE);                                  // the reset cleared AE; interrupts stay off
  if ((capabilities & r.CAP_SSS) != 0) {                                    // staggered spin-up: spin each port up
    for (let p: u32 = 0; p < r.MAX_PORTS; p++) {
      if ((implemented & (<u32>1 << p)) == 0) continue;
      const command = r.portRegisters(abar, p) + r.PX_CMD;
      cpu.store32(command, cpu.load32(command) | r.CMD_SUD);
    }
  }
  awaitLinks(abar, (capabilities & r.CAP_SSS) != 0 ? implemented : seen);   // spun-down drives show no presence yet
  drives.useController(index, capabilities);
  let ready = 0;
  for (let p: u32 = 0; p < r.MAX_PORTS; p++) {
    if ((implemented & (<u32>1 << p)) != 0 && drives.probe(abar, p) == Errno.Ok) ready++;
  }
  log.begin(log.Level.Info);
  line.text("ahci: ");
  registry.appendAddress(index);
  line.text(" AHCI ");
  const version = cpu.load32(abar + r.HBA_VS);
  line.decimal(version >> 16);
  line.text(".");
  line.decimal((version >> 8) & 0xff);
  line.text(", ");
  line.decimal(popcnt(implemented));
  line.text(" ports, ");
  line.decimal(((capabilities >> r.CAP_NCS_SHIFT) & r.CAP_NCS_MASK) + 1);
  line.text(" slots, ncq ");
  line.text((capabilities & r.CAP_SNCQ) != 0 ? "yes" : "no");
  line.text(", 64-bit ");
  line.text((capabilities & r.CAP_S64A) != 0 ? "yes" : "no");
  line.text("; ");
  line.decimal(ready);
  line.text(ready == 1 ? " drive" : " drives");
  log.end();
  drives.registerDisk();
  return ready > 0 ? Errno.Ok : Errno.NotFound;
}
