// memory.ts — guest scenarios for the memory system: page-table operations,
// W^X, stack guards, module memories (demand mapping, guard traps, quotas) and
// leak checks. Each returns true on success and logs why when it fails.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as line from "../line";
import * as log from "../log";
import * as mem from "../memory";
import { frames, heap, pagetable, pools, stacks } from "../memory";
import * as modules from "../modules";
import { probe } from "../modules";

/** Scratch virtual space for the paging scenario (PML4 416, otherwise unused). */
const SCRATCH: u64 = 0xffff_d000_0000_0000;
const WASM_PAGE: u32 = 65536;
const TRAP_OUT_OF_BOUNDS: u32 = 1;
const GROW_FAILED: u32 = 0xffffffff;
const CYCLES: i32 = 10_000;

function fail(what: string, got: u64, expected: u64): bool {
  log.begin(log.Level.Error);
  line.text("selftest: ");
  line.text(what);
  line.text(": got ");
  line.hex(got);
  line.text(", expected ");
  line.hex(expected);
  log.end();
  return false;
}

function expect(what: string, got: u64, expected: u64): bool {
  return got == expected ? true : fail(what, got, expected);
}

/** map / unmap / protect with 4 KiB, 2 MiB and 1 GiB pages on the live tables. */
export function paging(): bool {
  const root = mem.kernelspace.rootTable();
  const freeBefore = frames.freeFrameCount();
  const frame = frames.alloc(0, frames.Owner.Test);
  if (!expect("map 4 KiB", pagetable.map(root, SCRATCH, frame, pagetable.PageSize.Small, pagetable.Protection.ReadWrite), Errno.Ok)) return false;
  cpu.store64(SCRATCH + 8, 0x1234_5678_9abc_def0);
  if (!expect("read back through the new mapping", cpu.load64(SCRATCH + 8), 0x1234_5678_9abc_def0)) return false;
  if (!expect("same bytes through the direct map", cpu.load64(mem.layout.DIRECT_MAP_BASE + frame + 8), 0x1234_5678_9abc_def0)) return false;
  if (!expect("translate", pagetable.translate(root, SCRATCH + 0x10), frame + 0x10)) return false;
  if (!expect("map over a mapping", pagetable.map(root, SCRATCH, frame, pagetable.PageSize.Small, pagetable.Protection.Read), Errno.AlreadyExists)) return false;
  if (!expect("misaligned map", pagetable.map(root, SCRATCH + 0x1000 + 8, frame, pagetable.PageSize.Small, pagetable.Protection.Read), Errno.InvalidArgument)) return false;
  if (!expect("non-canonical map", pagetable.map(root, 0x0000_8000_0000_0000, frame, pagetable.PageSize.Small, pagetable.Protection.Read), Errno.InvalidArgument)) return false;
  if (!expect("protect read-only", pagetable.protect(root, SCRATCH, pagetable.Protection.Read), Errno.Ok)) return false;
  if (!expect("entry is read-only, no-execute", pagetable.protectionOf(pagetable.leafEntry(root, SCRATCH)), pagetable.Protection.Read)) return false;
  if (!expect("read after protect", cpu.load64(SCRATCH + 8), 0x1234_5678_9abc_def0)) return false;
  if (!expect("unmap returns the frame", pagetable.unmap(root, SCRATCH), frame)) return false;
  if (!expect("unmapped", pagetable.translate(root, SCRATCH), pagetable.NOT_MAPPED)) return false;
  if (!expect("protect unmapped", pagetable.protect(root, SCRATCH, pagetable.Protection.Read), Errno.NotFound)) return false;
  frames.free(frame);

  const large = frames.alloc(9, frames.Owner.Test);
  if (large == 0) return fail("2 MiB block", 0, 1);
  const at2m = SCRATCH + (1 << 30);
  if (!expect("map 2 MiB", pagetable.map(root, at2m, large, pagetable.PageSize.Large, pagetable.Protection.ReadWrite), Errno.Ok)) return false;
  cpu.store64(at2m + 0x1f_f000, 42);
  if (!expect("2 MiB page, last 4 KiB", cpu.load64(mem.layout.DIRECT_MAP_BASE + large + 0x1f_f000), 42)) return false;
  if (!expect("translate inside 2 MiB", pagetable.translate(root, at2m + 0x12_3456), large + 0x12_3456)) return false;
  if (!expect("unmap 2 MiB", pagetable.unmap(root, at2m), large)) return false;
  frames.free(large);

  if (mem.kernelspace.hugePagesSupported()) {
    const at1g = SCRATCH + (4 << 30);
    if (!expect("map 1 GiB (physical 0, read-only)", pagetable.map(root, at1g, 0, pagetable.PageSize.Huge, pagetable.Protection.Read), Errno.Ok)) return false;
    const probe: u64 = 0x10_0000;   // the image's first page, known non-zero
    if (!expect("1 GiB page reads physical memory", cpu.load64(at1g + probe), cpu.load64(mem.layout.DIRECT_MAP_BASE + probe))) return false;
    if (!expect("unmap 1 GiB", pagetable.unmap(root, at1g), 0)) return false;
  } else {
    log.info("selftest: this CPU has no 1 GiB pages; skipping that part");
  }
  // What stays are the scratch area's new tables: a PDPT, two PDs and a PT.
  return expect("frames back but the four new tables", freeBefore - frames.freeFrameCount(), 4);
}

/** W^X: a write to kernel text must fault (the report ends the scenario). */
export function writeKernelText(): bool {
  cpu.store64(cpu.layoutAddress(cpu.Layout.TextStart), 0);
  return false;
}

/** The boot stack's guard page: unbounded recursion must be reported, not run into .bss. */
export function stackGuard(): bool {
  cpu.provokeException(cpu.ProvokedException.StackOverflow);
  return false;
}

/** The module region's top-level table (a PDPT per 512 GiB) is made on first use
 *  and kept: one instance made and destroyed before any frame count is taken. */
function warmUp(): void {
  const instance = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  modules.call(instance, probe.ProbeFunction.Grow, 1);
  modules.call(instance, probe.ProbeFunction.Write, 0, 1);
  modules.destroy(instance);
}

/** Two instances: one reads past its memory and traps; the kernel and the other
 *  carry on, and the trapped one still answers. Then the explicit-check build. */
export function moduleTrap(): bool {
  warmUp();
  const freeBefore = frames.freeFrameCount();
  const a = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  const b = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  if (a == modules.NO_INSTANCE || b == modules.NO_INSTANCE) return fail("instantiate", a, 0);
  if (modules.call(a, probe.ProbeFunction.Grow, 1) == GROW_FAILED) return fail("grow a", GROW_FAILED, 0);
  if (modules.call(b, probe.ProbeFunction.Grow, 1) == GROW_FAILED) return fail("grow b", GROW_FAILED, 0);
  modules.call(a, probe.ProbeFunction.Write, 100, 7);
  modules.call(b, probe.ProbeFunction.Write, 100, 9);
  if (!expect("a sees its own memory", modules.call(a, probe.ProbeFunction.Read, 100), 7)) return false;
  const size = modules.call(a, probe.ProbeFunction.Size) * WASM_PAGE;
  modules.call(a, probe.ProbeFunction.Read, size + 16);
  if (!expect("a traps reading past its memory", modules.trapOf(a), TRAP_OUT_OF_BOUNDS)) return false;
  log.info("selftest: instance a trapped out of bounds; the kernel carries on");
  if (!expect("b keeps running", modules.call(b, probe.ProbeFunction.Read, 100), 9)) return false;
  if (!expect("b had no trap", modules.trapOf(b), 0)) return false;
  if (!expect("a still answers after its trap", modules.call(a, probe.ProbeFunction.Read, 100), 7)) return false;

  const c = modules.instantiate(probe.checkedId(), pools.KERNEL_POOL);
  if (c == modules.NO_INSTANCE) return fail("instantiate the explicit-check build", c, 0);
  modules.call(c, probe.ProbeFunction.Read, 0xffff_fff0);
  if (!expect("explicit bounds check traps too", modules.trapOf(c), TRAP_OUT_OF_BOUNDS)) return false;
  modules.destroy(a);
  modules.destroy(b);
  modules.destroy(c);
  return expect("every frame returned", frames.freeFrameCount(), freeBefore);
}

/** A pool's quota: memory.grow returns -1 at it, cleanly, and nothing leaks. */
export function memoryQuota(): bool {
  const quotaWasmPages: u32 = 4;
  const pool = pools.create(<u64>quotaWasmPages * 16);
  const instance = modules.instantiate(probe.id(), pool);
  if (instance == modules.NO_INSTANCE) return fail("instantiate within quota", instance, 0);
  let grown: u32 = 0;
  while (modules.call(instance, probe.ProbeFunction.Grow, 1) != GROW_FAILED) grown++;
  const size = modules.call(instance, probe.ProbeFunction.Size);
  if (!expect("size stops at the quota", size, quotaWasmPages)) return false;
  if (!expect("a failed grow is not a trap", modules.trapOf(instance), 0)) return false;
  modules.call(instance, probe.ProbeFunction.Fill, size, 1);
  if (!expect("frames mapped on touch, charged to the pool", pools.mappedFrames(pool), <u64>size * 16)) return false;
  modules.destroy(instance);
  if (!expect("pool empty after destroy", pools.mappedFrames(pool) + pools.committedPages(pool), 0)) return false;
  // probe's data needs one page at instantiation: a pool with no quota cannot have it
  const tiny = pools.create(0);
  const freeBefore = frames.freeFrameCount();
  if (!expect("instantiation past the quota fails cleanly", modules.instantiate(probe.id(), tiny), modules.NO_INSTANCE)) return false;
  if (!expect("and takes nothing", pools.committedPages(tiny) + pools.mappedFrames(tiny), 0)) return false;
  if (!expect("no frame lost", frames.freeFrameCount(), freeBefore)) return false;
  const huge = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  if (!expect("a grow larger than memory is refused", modules.call(huge, probe.ProbeFunction.Grow, 65535), GROW_FAILED)) return false;
  modules.destroy(huge);
  if (!expect("an allocation larger than memory", frames.alloc(frames.MAX_ORDER + 1, frames.Owner.Test), 0)) return false;
  return expect("pools end", pools.destroy(pool) == Errno.Ok && pools.destroy(tiny) == Errno.Ok ? 1 : 0, 1);
}

/** 10,000 × (instantiate, grow, touch, destroy): free memory ends where it started. */
export function growDestroyCycles(): bool {
  warmUp();
  const freeBefore = frames.freeFrameCount();
  const pool = pools.create(64);
  for (let i = 0; i < CYCLES; i++) {
    const instance = modules.instantiate(probe.id(), pool);
    if (instance == modules.NO_INSTANCE) return fail("instantiate in cycle", <u64>i, 0);
    const old = modules.call(instance, probe.ProbeFunction.Grow, 2);
    modules.call(instance, probe.ProbeFunction.Write, old * WASM_PAGE + 70000, <u32>i);
    if (modules.call(instance, probe.ProbeFunction.Read, old * WASM_PAGE + 70000) != <u32>i) return fail("cycle read-back", <u64>i, 0);
    modules.destroy(instance);
  }
  log.begin(log.Level.Info);
  line.text("selftest: ");
  line.decimal(CYCLES);
  line.text(" grow/destroy cycles done; free frames ");
  line.decimal(frames.freeFrameCount());
  line.text(", before ");
  line.decimal(freeBefore);
  log.end();
  if (!expect("live module memories", mem.modulememory.live(), 0)) return false;
  if (!expect("pool empty", pools.mappedFrames(pool) + pools.committedPages(pool), 0)) return false;
  pools.destroy(pool);
  return expect("free frames back where they started", frames.freeFrameCount(), freeBefore);
}

/** The kernel heap in the real kernel: 8 MiB of 2 KiB objects (past the memory's
 *  2 MiB boot window, so the kernel's own memory.grow maps frames), contents kept,
 *  all freed, a double free refused; and a guarded stack from the stack region. */
export function kernelHeap(): bool {
  const count = 4096;
  const size: usize = 2048;
  const objects = memory.data(4096 * 4);
  for (let i = 0; i < count; i++) {
    const object = heap.alloc(size);
    if (object == 0) return fail("heap alloc", <u64>i, 1);
    store<usize>(objects + <usize>i * 4, object);
    store<u32>(object, <u32>i * 2654435761);
    store<u32>(object + size - 4, <u32>i);
  }
  if (!expect("linear memory grew past the boot window", <u64>memory.size() * 65536 > mem.layout.KERNEL_MEMORY_BOOT_WINDOW ? 1 : 0, 1)) return false;
  for (let i = 0; i < count; i++) {
    const object = load<usize>(objects + <usize>i * 4);
    if (load<u32>(object) != <u32>i * 2654435761 || load<u32>(object + size - 4) != <u32>i) return fail("heap contents", <u64>i, 0);
  }
  for (let i = 0; i < count; i++) {
    if (heap.free(load<usize>(objects + <usize>i * 4)) != Errno.Ok) return fail("heap free", <u64>i, 0);
  }
  if (!expect("double free refused", heap.free(load<usize>(objects)), Errno.InvalidArgument)) return false;
  if (!expect("heap consistent", heap.check(), Errno.Ok)) return false;
  if (!expect("no objects left", heap.objectsInUse(), 0)) return false;
  if (!expect("too large for the heap", heap.alloc(1 << 20), 0)) return false;

  const freeBefore = frames.freeFrameCount();
  const top = stacks.allocate(4);
  if (top == 0) return fail("stack allocate", 0, 1);
  cpu.store64(top - 8, 0xfeed);
  if (!expect("stack top writable", cpu.load64(top - 8), 0xfeed)) return false;
  if (!expect("guard page unmapped", pagetable.translate(mem.kernelspace.rootTable(), stacks.guardOf(top, 4)), pagetable.NOT_MAPPED)) return false;
  if (!expect("stack release", stacks.release(top), Errno.Ok)) return false;
  return expect("stack frames back (its page tables stay)", freeBefore - frames.freeFrameCount() <= 3 ? 1 : 0, 1);
}

/** The module model: modules found by name, exports numbered by the manifest, a
 *  call through the generated "aios" binding, and a bad pointer refused. */
export function moduleAbi(): bool {
  if (!expect("probe is linked", probe.id() != modules.NO_INSTANCE ? 1 : 0, 1)) return false;
  if (!expect("no such module", modules.registry.find("nonexistent"), modules.NO_INSTANCE)) return false;
  if (!expect("export numbering follows the manifest", probe.numberingMatches() ? 1 : 0, 1)) return false;
  if (!expect("manifest version", modules.registry.version(probe.id()), 1)) return false;
  const instance = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  if (!expect("hello through aios.log and aios.clock_ns", modules.call(instance, probe.ProbeFunction.Hello), 1)) return false;
  modules.call(instance, probe.ProbeFunction.Say, 0xffff_0000, 16);
  if (!expect("a bad pointer is refused, not a trap", modules.trapOf(instance), 0)) return false;
  modules.destroy(instance);
  return true;
}
