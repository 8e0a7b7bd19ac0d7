// device.ts — the calls a driver agent uses on a PCI function it was granted
// (devices/grants.ts): 32-bit reads and writes of its BARs' registers, memory
// or I/O, each checked against its Device capability (Read or Write), the BAR's
// size and alignment. No other way from an agent to a device exists.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as agents from "../agents";
import * as caps from "../caps";
import * as clock from "../clock";
import { grants, registry } from "../devices";
import { DIRECT_MAP_BASE } from "../memory/layout";
import * as physical from "../physical";

const BARS: u32 = 6;

/** The register's physical address (memory BAR) or port (I/O BAR, flagged by
 *  IO_FLAG), after every check; or -Errno. (Physical, so never negative: the
 *  direct map's kernel addresses are, as i64.) */
const IO_FLAG: i64 = 1 << 62;

function register(slot: u32, handle: u32, rights: u32, bar: u32, offset: u32): i64 {
  const agent = agents.registry.agentOfInstance(slot);
  if (agent < 0) return -(<i64>Errno.AgentNotFound);
  const index = caps.check(agent, handle, caps.ObjectKind.Device, rights, clock.nanoseconds());
  if (index < 0) return <i64>index;
  const device = grants.deviceOfObject(caps.objectAt(index));
  if (device < 0) return -(<i64>Errno.PermissionDenied);        // not a device granted to an agent
  if (bar >= BARS || (offset & 3) != 0) return -(<i64>Errno.InvalidArgument);
  const size = registry.barSize(device, <i32>bar);
  if (size < 4 || <u64>offset > size - 4) return -(<i64>Errno.InvalidArgument);
  const base = registry.barAddress(device, <i32>bar);
  if (registry.barIsIo(device, <i32>bar)) return IO_FLAG | <i64>(base + <u64>offset);
  if (!physical.readable(base + <u64>offset, 4)) return -(<i64>Errno.InvalidArgument);
  return <i64>(base + <u64>offset);
}

/** device_read32(handle, bar, offset): the register's value, or -Errno. */
export function read32(slot: u32, handle: u32, bar: u32, offset: u32): i64 {
  const at = register(slot, handle, caps.Rights.Read, bar, offset);
  if (at < 0) return at;
  if ((at & IO_FLAG) != 0) return <i64>cpu.inl(<u16>(at & 0xffff));
  return <i64>cpu.load32(DIRECT_MAP_BASE + <u64>at);
}

/** device_write32(handle, bar, offset, value): 0 or an Errno. */
export function write32(slot: u32, handle: u32, bar: u32, offset: u32, value: u32): i32 {
  const at = register(slot, handle, caps.Rights.Write, bar, offset);
  if (at < 0) return <i32>(-at);
  if ((at & IO_FLAG) != 0) cpu.outl(<u16>(at & 0xffff), value);
  else cpu.store32(DIRECT_MAP_BASE + <u64>at, value);
  return <i32>Errno.Ok;
}
