// grants.ts — PCI functions handed to agents to drive. A device the kernel has
// no driver for can be granted to one agent: the registry marks it claimed by
// AGENT_DRIVER (so no kernel driver and no second agent takes it), its memory
// decoding and bus mastering are turned on, and the agent gets a root Device
// capability naming it (object PCI_OBJECT | registry index). From then on the
// agent reaches the device's registers only through that capability
// (syscalls/device.ts): Read to read them, Write to write them.
import { Errno } from "../../abi";
import { pci } from "../../hal";
import * as caps from "../caps";
import * as clock from "../clock";
import * as registry from "./registry";

/** The registry's owner id for a device an agent drives. */
export const AGENT_DRIVER: i32 = 7;
const PCI_OBJECT: u64 = 1 << 32;
const REG_COMMAND: u32 = 0x04;
const COMMAND_IO_MEMORY_MASTER: u32 = (1 << 0) | (1 << 1) | (1 << 2);

export function objectOf(pciIndex: i32): u64 { return PCI_OBJECT | <u64>pciIndex; }

/** The registry index a Device capability's object names, or -1 (not a PCI
 *  function, or one no agent was granted). */
export function deviceOfObject(object: u64): i32 {
  if ((object & ~<u64>0xffff_ffff) != PCI_OBJECT) return -1;
  const i = <i32>(object & 0xffff_ffff);
  return i < registry.count() && registry.owner(i) == AGENT_DRIVER ? i : -1;
}

/** Gives device `pciIndex` to `agent` with `rights`: the capability handle, or
 *  -Errno (NotFound: no such device; PermissionDenied: a driver already has it). */
export function grant(agent: i32, pciIndex: i32, rights: u32): i32 {
  if (pciIndex < 0 || pciIndex >= registry.count()) return -(<i32>Errno.NotFound);
  if (!registry.claim(pciIndex, AGENT_DRIVER)) return -(<i32>Errno.PermissionDenied);
  const b = registry.bus(pciIndex), s = registry.slot(pciIndex), f = registry.fn(pciIndex);
  pci.write32(b, s, f, REG_COMMAND, (pci.read32(b, s, f, REG_COMMAND) | COMMAND_IO_MEMORY_MASTER) & 0xffff);
  return caps.createRoot(agent, caps.ObjectKind.Device, objectOf(pciIndex), rights, caps.NO_EXPIRY, clock.nanoseconds());
}
