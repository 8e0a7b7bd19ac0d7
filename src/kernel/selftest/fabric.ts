// fabric.ts — guest scenario for the memory fabric: one frame mapped into two
// agents' memories (written by one, read by the other), a read-only mapping that
// traps its writer, versions, a lease that reclaims its region, and everything
// back when the agents end.
import { Errno } from "../../abi";
import * as line from "../line";
import * as log from "../log";
import { frames, pools } from "../memory";
import { regions } from "../fabric";
import * as modules from "../modules";
import { probe } from "../modules";
import * as scheduler from "../sched/scheduler";

const TAG: u32 = 0x5eed;
const TRAP_OUT_OF_BOUNDS: u32 = 1;

function fail(what: string): bool {
  log.begin(log.Level.Error);
  line.text("selftest: fabric: ");
  line.text(what);
  log.end();
  return false;
}

export function sharedPage(): bool {
  const a = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  const b = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  modules.call(a, probe.ProbeFunction.Grow, 1);
  modules.call(b, probe.ProbeFunction.Grow, 1);
  const warm = frames.freeFrameCount();
  const offsetA: u32 = 0x1_0000;            // the second wasm page of each
  const offsetB: u32 = 0x1_4000;
  const region = regions.create(1, regions.Kind.Shared, TAG, 0, <i32>a);
  if (region < 0) return fail("create");
  if (regions.map(region, <i32>a, modules.memoryBase(a), offsetA, true) != Errno.Ok) return fail("map into a");
  if (regions.map(region, <i32>b, modules.memoryBase(b), offsetB, false) != Errno.Ok) return fail("map into b");
  modules.call(a, probe.ProbeFunction.Write, offsetA + 8, 0xc0ffee);
  if (modules.call(b, probe.ProbeFunction.Read, offsetB + 8) != 0xc0ffee) return fail("b does not see a's write");
  regions.publish(region);
  if (regions.version(region) != 1 || regions.tag(region) != TAG) return fail("version or tag");
  modules.call(b, probe.ProbeFunction.Write, offsetB + 8, 1);
  if (modules.trapOf(b) != TRAP_OUT_OF_BOUNDS) return fail("a write to b's read-only mapping did not trap b");
  if (modules.call(a, probe.ProbeFunction.Read, offsetA + 8) != 0xc0ffee) return fail("the read-only page changed");

  const leased = regions.create(1, regions.Kind.Ephemeral, TAG, 50_000_000, -1);
  if (regions.map(leased, <i32>b, modules.memoryBase(b), 0x1_8000, true) != Errno.Ok) return fail("map leased");
  modules.call(b, probe.ProbeFunction.Write, 0x1_8000, 77);
  scheduler.sleep(100_000_000);
  if (regions.valid(leased)) return fail("the lease did not reclaim its region");
  if (modules.call(b, probe.ProbeFunction.Read, 0x1_8000) != 0) return fail("the expired page still holds data");

  modules.destroy(a);                       // ends a's region too: b's mapping goes
  if (regions.valid(region)) return fail("a's region outlived a");
  modules.destroy(b);
  line.reset();
  line.text("AIOS fabric shared=yes readonly_trap=yes lease=yes frames_before=");
  line.decimal(warm);
  line.text(" frames_after=");
  line.decimal(frames.freeFrameCount());
  log.publish();
  return frames.freeFrameCount() >= warm;
}
