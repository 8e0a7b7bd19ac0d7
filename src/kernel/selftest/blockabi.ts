// blockabi.ts — guest scenario for disks through the agent ABI: an agent holding
// a Device capability for vda writes a sector and reads it back; a read-only
// attenuation cannot write; a revoked, a wrong-kind and a forged handle, a
// pointer past its memory and a sector past the end are refused and write
// nothing; an I/O rate of 20 requests/s (burst 5) makes 25 reads take at least
// (25 - 5) / 20 = 1 s, where unlimited they take far less.
import { Errno } from "../../abi";
import * as agents from "../agents";
import * as probeAgent from "./probeagent";
import { expectEqual } from "./report";
import * as block from "../block";
import * as caps from "../caps";
import * as clock from "../clock";
import * as devices from "../devices";
import { endpoints } from "../ipc";
import * as line from "../line";
import * as log from "../log";
import * as modules from "../modules";
import { probe } from "../modules";

const READ_WRITE: u32 = caps.Rights.Read | caps.Rights.Write | caps.Rights.Revoke;
const SECTOR: u32 = 4096;
const READS: i32 = 25;
const RATE: u32 = 20;
const BURST: u32 = 5;

function expect(name: string, got: u32, wanted: u32): bool { return expectEqual("block-abi", name, got, wanted); }

function timedReads(instance: u32, handle: u32): u64 {
  const start = clock.nanoseconds();
  for (let i = 0; i < READS; i++) modules.call(instance, probe.ProbeFunction.DiskRead, handle, SECTOR);
  return clock.nanoseconds() - start;
}

export function blockAbi(): bool {
  if (!devices.virtio.blk.available()) return false;
  const disk = devices.virtio.blk.diskIndex();
  const agent = probeAgent.spawnIdle();
  if (agent < 0) return false;
  const instance = agents.registry.instanceOf(agent);
  const now = clock.nanoseconds();
  const handle = <u32>caps.createRoot(agent, caps.ObjectKind.Device, block.objectOf(disk), READ_WRITE, caps.NO_EXPIRY, now);
  const completedBefore = block.queue.completed(disk);

  let ok = expect("write", modules.call(instance, probe.ProbeFunction.DiskWrite, handle, SECTOR), Errno.Ok);
  ok = expect("read back", modules.call(instance, probe.ProbeFunction.DiskRead, handle, SECTOR), Errno.Ok) && ok;
  const readOnly = <u32>caps.attenuate(agent, handle, caps.Rights.Read, caps.NO_EXPIRY, clock.nanoseconds());
  ok = expect("read-only handle writes", modules.call(instance, probe.ProbeFunction.DiskWrite, readOnly, SECTOR + 1), Errno.PermissionDenied) && ok;
  ok = expect("read-only handle reads", modules.call(instance, probe.ProbeFunction.DiskRead, readOnly, SECTOR), Errno.Ok) && ok;
  ok = expect("forged handle", modules.call(instance, probe.ProbeFunction.DiskWrite, handle ^ 0x40, SECTOR + 1), Errno.InvalidCapability) && ok;
  const endpoint = <u32>caps.createRoot(agent, caps.ObjectKind.IpcEndpoint, <u64>endpoints.create(), READ_WRITE, caps.NO_EXPIRY, clock.nanoseconds());
  ok = expect("wrong kind", modules.call(instance, probe.ProbeFunction.DiskWrite, endpoint, SECTOR + 1), Errno.InvalidCapability) && ok;
  const notADisk = <u32>caps.createRoot(agent, caps.ObjectKind.Device, 0x7777, READ_WRITE, caps.NO_EXPIRY, clock.nanoseconds());
  ok = expect("a device that is no disk", modules.call(instance, probe.ProbeFunction.DiskWrite, notADisk, SECTOR + 1), Errno.NotFound) && ok;
  ok = expect("pointer past memory", modules.call(instance, probe.ProbeFunction.DiskWrite, handle, 0xffffffff), Errno.InvalidArgument) && ok;
  ok = expect("past the end", modules.call(instance, probe.ProbeFunction.DiskWrite, handle, <u32>block.queue.capacity(disk)), Errno.InvalidArgument) && ok;
  const derived = <u32>caps.duplicate(agent, handle, clock.nanoseconds());
  // only the first write and the reads reached the disk: nothing refused did
  const reached = block.queue.completed(disk) - completedBefore;
  ok = expect("requests that reached the disk", <u32>reached, 3) && ok;

  const free = timedReads(instance, derived);
  caps.quota.setIoRate(agent, RATE, BURST, clock.nanoseconds());
  const limited = timedReads(instance, derived);
  caps.revoke(agent, handle, clock.nanoseconds());
  ok = expect("revoked (derived) handle", modules.call(instance, probe.ProbeFunction.DiskRead, derived, SECTOR), Errno.Revoked) && ok;
  const floor = <u64>(READS - <i32>BURST) * 1_000_000_000 / <u64>RATE;
  agents.lifecycle.kill(agent);
  line.reset();
  line.text("AIOS block-abi checks=");
  line.text(ok ? "ok" : "failed");
  line.text(" unlimited_ms=");
  line.decimal(free / 1_000_000);
  line.text(" limited_ms=");
  line.decimal(limited / 1_000_000);
  line.text(" floor_ms=");
  line.decimal(floor / 1_000_000);
  log.publish();
  return ok && limited >= floor && free < floor;
}
