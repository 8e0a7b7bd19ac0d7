// clone.ts — guest scenario for copy-on-write clone: an agent whose memory holds a
// pattern is cloned; both read the same data; a write by either (module code, a
// kernel store, an IPC receive into the clone's memory) leaves the other's view
// alone; the clone grows; the clone costs far fewer frames than the pages it
// shares; killing the parent first leaves the clone whole, and once both are gone
// free memory is exactly where it started.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as agents from "../agents";
import * as caps from "../caps";
import * as clock from "../clock";
import { endpoints } from "../ipc";
import * as line from "../line";
import * as report from "./report";
import * as log from "../log";
import { frames, modulememory, sharing } from "../memory";
import * as modules from "../modules";
import { probe } from "../modules";
import * as scheduler from "../sched/scheduler";
import { linearToVirtual } from "../physical";
import * as probeAgent from "./probeagent";

const message = memory.data(8);
const WASM_PAGE: u32 = 65536;
const PAGES: u32 = 16;                 // 1 MiB of pattern: 256 frames to share
const FRAMES_PER_WASM_PAGE: u32 = 16;
const QUOTA_PAGES: u64 = 1024;
const SEED: u32 = 0x5eed;
const OFFSET_CLONE: u32 = 3 * WASM_PAGE + 100;     // written by the clone's code
const OFFSET_PARENT: u32 = 5 * WASM_PAGE + 200;    // written by the parent's code
const OFFSET_KERNEL: u32 = 7 * WASM_PAGE + 300;    // a kernel store into the clone
const OFFSET_LAST: u32 = 9 * WASM_PAGE + 400;      // written by the clone once alone
const WAIT_STEP_NS: u64 = 1_000_000;
const WAIT_STEPS: i32 = 200;

function spec(): agents.lifecycle.Spec { return probeAgent.idleSpec(probe.id(), probe.ProbeFunction.Size, <u32>QUOTA_PAGES); }

function fail(what: string, value: i64): bool { return report.failure("clone", what, value); }

/** Waits until the agent's entry has returned, so its instance is the test's alone. */
function settle(agent: i32): void {
  for (let i = 0; i < WAIT_STEPS && agents.registry.state(agent) == agents.registry.State.Running; i++) scheduler.sleep(WAIT_STEP_NS);
}

function call(agent: i32, what: probe.ProbeFunction, a: u32 = 0, b: u32 = 0): u32 {
  return modules.call(agents.registry.instanceOf(agent), what, a, b);
}

/** The pattern probe's fill writes at `offset`. */
function pattern(offset: u32): u32 { return (offset / 4) * 2654435761 ^ SEED; }

/** One clone cycle with every check; `report` prints the figures. */
function cycle(report: bool): bool {
  const parent = agents.lifecycle.spawn(spec());
  if (parent < 0) return fail("spawn", parent);
  settle(parent);
  const size = call(parent, probe.ProbeFunction.Size);
  if (size < PAGES && call(parent, probe.ProbeFunction.Grow, PAGES - size) == 0xffffffff) return fail("grow the parent", size);
  const sum = call(parent, probe.ProbeFunction.Fill, PAGES, SEED);

  const freeBefore = frames.freeFrameCount();
  const moduleFramesBefore = frames.framesOwnedBy(frames.Owner.ModuleMemory);
  const joinsBefore = sharing.joinCount();
  const started = clock.nanoseconds();
  const child = agents.lifecycle.clone(parent, spec());
  const took = clock.nanoseconds() - started;
  if (child < 0) return fail("clone", child);
  const allocated = <i64>freeBefore - <i64>frames.freeFrameCount();
  const moduleFrames = <i64>frames.framesOwnedBy(frames.Owner.ModuleMemory) - <i64>moduleFramesBefore;
  const sharedPages = sharing.joinCount() - joinsBefore;
  settle(child);

  // the same data on both sides
  if (call(child, probe.ProbeFunction.Sum, PAGES) != sum) return fail("the clone reads other data", 0);
  if (call(parent, probe.ProbeFunction.Sum, PAGES) != sum) return fail("the parent's data changed", 0);
  if (sharedPages < <u64>(PAGES * FRAMES_PER_WASM_PAGE)) return fail("pages shared", <i64>sharedPages);

  // a write by the clone's code: the parent keeps the old value
  const copiesBefore = sharing.copyCount();
  call(child, probe.ProbeFunction.Write, OFFSET_CLONE, 0xc10e);
  if (call(child, probe.ProbeFunction.Read, OFFSET_CLONE) != 0xc10e) return fail("the clone's write", 0);
  if (call(parent, probe.ProbeFunction.Read, OFFSET_CLONE) != pattern(OFFSET_CLONE)) return fail("the clone's write reached the parent", 0);
  // a write by the parent's code: the clone keeps the old value
  call(parent, probe.ProbeFunction.Write, OFFSET_PARENT, 0xa1);
  if (call(child, probe.ProbeFunction.Read, OFFSET_PARENT) != pattern(OFFSET_PARENT)) return fail("the parent's write reached the clone", 0);
  // the parent writes the page the clone already copied: it is the last holder, no copy
  const reclaimsBefore = sharing.reclaimCount();
  call(parent, probe.ProbeFunction.Write, OFFSET_CLONE + 4, 0xa2);
  if (sharing.reclaimCount() != reclaimsBefore + 1) return fail("the last holder's write was not a reclaim", <i64>(sharing.reclaimCount() - reclaimsBefore));
  if (call(child, probe.ProbeFunction.Read, OFFSET_CLONE + 4) != pattern(OFFSET_CLONE + 4)) return fail("reclaimed page leaked into the clone", 0);
  // a kernel store into the clone's memory (no module running) breaks the share too
  cpu.store32(modules.memoryBase(agents.registry.instanceOf(child)) + <u64>OFFSET_KERNEL, 0x4e);
  if (call(child, probe.ProbeFunction.Read, OFFSET_KERNEL) != 0x4e) return fail("the kernel's store", 0);
  if (call(parent, probe.ProbeFunction.Read, OFFSET_KERNEL) != pattern(OFFSET_KERNEL)) return fail("the kernel's store reached the parent", 0);
  // an IPC receive: the kernel copies the message into the clone's (shared) static data
  const inbox = endpoints.create();
  const handle = <u32>caps.createRoot(child, caps.ObjectKind.IpcEndpoint, <u64>inbox, caps.Rights.Receive, caps.NO_EXPIRY, clock.nanoseconds());
  store<u32>(message, 0x1bc);
  endpoints.send(inbox, linearToVirtual(message), 4, endpoints.Wait.NoWait);
  const copiesBeforeReceive = sharing.copyCount();
  if (call(child, probe.ProbeFunction.Receive, handle) != 0x1bc) return fail("the clone's receive", 0);
  if (sharing.copyCount() == copiesBeforeReceive) return fail("the receive did not break a share", 0);
  endpoints.destroy(inbox);
  const parentSum = sum - pattern(OFFSET_PARENT) + 0xa1 - pattern(OFFSET_CLONE + 4) + 0xa2;
  if (call(parent, probe.ProbeFunction.Sum, PAGES) != parentSum) return fail("the parent's data after the clone's writes", 0);
  const copies = sharing.copyCount() - copiesBefore;

  // memory.grow on the clone, with its pages shared
  if (call(child, probe.ProbeFunction.Grow, 1) != PAGES) return fail("grow the clone", 0);
  call(child, probe.ProbeFunction.Write, PAGES * WASM_PAGE + 8, 0x9e);
  if (call(child, probe.ProbeFunction.Read, PAGES * WASM_PAGE + 8) != 0x9e) return fail("the clone's grown page", 0);
  if (call(parent, probe.ProbeFunction.Size) != PAGES) return fail("the parent grew too", 0);

  // the parent goes first: the clone's frames stay, and its writes need no copies now
  const childSum = call(child, probe.ProbeFunction.Sum, PAGES);
  if (agents.lifecycle.kill(parent) != Errno.Ok) return fail("kill the parent", 0);
  if (call(child, probe.ProbeFunction.Sum, PAGES) != childSum) return fail("the clone's data after the parent died", 0);
  const moduleFramesAlone = frames.framesOwnedBy(frames.Owner.ModuleMemory);
  call(child, probe.ProbeFunction.Write, OFFSET_LAST, 0x1a57);
  if (frames.framesOwnedBy(frames.Owner.ModuleMemory) != moduleFramesAlone) return fail("a lone holder's write took a frame", 0);
  if (call(child, probe.ProbeFunction.Read, OFFSET_LAST) != 0x1a57) return fail("the lone holder's write", 0);
  if (agents.lifecycle.kill(child) != Errno.Ok) return fail("kill the clone", 0);

  if (report) {
    line.reset();
    line.text("AIOS clone shared_pages=");
    line.decimal(sharedPages);
    line.text(" frames_allocated=");
    line.signed(allocated);
    line.text(" module_frames_allocated=");
    line.signed(moduleFrames);
    line.text(" ratio_permille=");
    line.decimal(<u64>(allocated < 0 ? 0 : allocated) * 1000 / sharedPages);
    line.text(" copies=");
    line.decimal(copies);
    line.text(" clone_us=");
    line.decimal(took / 1000);
    log.publish();
    if (allocated * 4 >= <i64>sharedPages) return fail("the clone cost too many frames", allocated);
    if (moduleFrames > 0) return fail("the clone copied module memory", moduleFrames);
  }
  return true;
}

export function cloneCopyOnWrite(): bool {
  if (!cycle(false)) return false;       // warm-up: stacks' and slots' page tables, heap, audit
  const freeBefore = frames.freeFrameCount();
  const liveBefore = modulememory.live();
  if (!cycle(true)) return false;
  const freeAfter = frames.freeFrameCount();
  line.reset();
  line.text("AIOS clone free_frames_before=");
  line.decimal(freeBefore);
  line.text(" after=");
  line.decimal(freeAfter);
  log.publish();
  if (modulememory.live() != liveBefore) return fail("module memories left", modulememory.live() - liveBefore);
  return freeAfter == freeBefore ? true : fail("free frames not back where they started", <i64>freeBefore - <i64>freeAfter);
}
