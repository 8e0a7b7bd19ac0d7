// The kernel module's exports: the only entry points the C glue calls.
//   kmain(magic, info)             once, from linker/start.c
//   interrupt(frame) -> action     every vector, from asm/isr.S via isr_dispatch
//   trap(kind, rip, rbp)           a wasm trap in this module, via wasm_rt_trap
//   memoryCreate/Grow/Destroy      module linear memories, from linker/runtime.c
//   kernelMemoryGrow               this module's own memory.grow past its boot window
//   apMain(index)                  an application processor, from linker/start.c
//   abi*                           the "aios" imports of service modules
import * as interrupts from "./interrupts";
import * as mem from "./memory";
import * as trapReport from "./trap";
import * as smp from "./platform/smp";
import * as syscalls from "./syscalls";
import * as blockCalls from "./syscalls/block";
import * as fileCalls from "./syscalls/fs";
import * as deviceCalls from "./syscalls/device";
import * as netCalls from "./syscalls/net";
import * as keyCalls from "./syscalls/pqcd";
import * as scheduler from "./sched/scheduler";
import * as modules from "./modules";
import * as caps from "./caps";
export { kmain } from "./kmain";

export function interrupt(frame: u64): u32 {
  return interrupts.dispatch(frame);
}

export function trap(kind: u32, returnAddress: u64, framePointer: u64): void {
  trapReport.report(kind, returnAddress, framePointer);
}

// Module memories change on a module's behalf too (its memory.grow, from agent
// code without the kernel lock): kernel code, entered like an ABI call.
export function memoryCreate(initialPages: u32, maxPages: u32): u64 {
  const caller = modules.enterKernel();
  const base = mem.modulememory.create(initialPages, maxPages);
  modules.leaveKernel(caller);
  return base;
}

export function memoryGrow(base: u64, oldPages: u32, delta: u32): u32 {
  const caller = modules.enterKernel();
  const grown = mem.modulememory.grow(base, oldPages, delta);
  modules.leaveKernel(caller);
  return grown ? 1 : 0;
}

/** The memory may have been used on any CPU: releasing its range has every CPU
 *  drop its translations before the slot can be handed out again (memory/pagetable.ts). */
export function memoryDestroy(base: u64): void {
  const caller = modules.enterKernel();
  mem.modulememory.destroy(base);
  modules.leaveKernel(caller);
}

export function kernelMemoryGrow(oldBytes: u64, newBytes: u64): u32 {
  return mem.kernelspace.growKernelMemory(newBytes) ? 1 : 0;
}

/** An application processor, from linker/start.c's ap_entry: set up, then it
 *  runs threads with the others; never returns. */
export function apMain(index: u32): void {
  smp.apMain(index);
  scheduler.runOn(index);
}

// ---- the "aios" ABI of service modules (tools/abi.ts), called by the generated
// bindings in build/modules.gen.c with the caller's instance slot first.
// While the kernel serves a call it is kernel code again: not preempted, and a
// fault in it is the kernel's.
export function abiLog(slot: u32, pointer: u32, length: u32): void {
  const caller = modules.enterKernel();
  syscalls.log_(slot, pointer, length);
  modules.leaveKernel(caller);
}
/** Without the kernel lock: the clock is the TSC and a calibration fixed before a
 *  second CPU starts (kmain), so this is a pure read with nothing to guard. Still
 *  kernel code to an interrupt: the import stub has cleared the unwind target
 *  (modules.agentCodeRunning), so it is neither preempted nor ended half way. */
export function abiClockNs(slot: u32): u64 {
  return syscalls.clockNs(slot);
}

/** A new kernel thread's first AssemblyScript, from linker/threads.c. */
export function threadMain(thread: u32): void { scheduler.threadMain(thread); }
export function abiIpcSend(slot: u32, handle: u32, pointer: u32, length: u32, flags: u32): i32 {
  const caller = modules.enterKernel();
  const result = syscalls.ipcSend(slot, handle, pointer, length, flags);
  modules.leaveKernel(caller);
  return result;
}
export function abiIpcReceive(slot: u32, handle: u32, pointer: u32, capacity: u32, flags: u32): i32 {
  const caller = modules.enterKernel();
  const result = syscalls.ipcReceive(slot, handle, pointer, capacity, flags);
  modules.leaveKernel(caller);
  return result;
}
export function abiCapCheck(slot: u32, handle: u32, rights: u32): i32 {
  const caller = modules.enterKernel();
  const result = syscalls.capCheck(slot, handle, rights);
  modules.leaveKernel(caller);
  return result;
}
/** aios.cap_check without the kernel lock or the kernel's way in (no enterKernel):
 *  the import stub calls it inside the capability tables' seqlock and falls back
 *  to abiCapCheck (caps/version.ts, syscalls.capCheckUnlocked). */
export function abiCapCheckUnlocked(slot: u32, handle: u32, rights: u32): u32 {
  return syscalls.capCheckUnlocked(slot, handle, rights);
}
/** Where the capability tables' sequence counter is, for the import stubs (linker/modules.c). */
export function capsVersionAddress(): u32 { return <u32>caps.versionAddress(); }
export function abiEventSubscribe(slot: u32, topic: u32, endpoint: u32): i32 {
  const caller = modules.enterKernel();
  const result = syscalls.eventSubscribe(slot, topic, endpoint);
  modules.leaveKernel(caller);
  return result;
}
export function abiBlockRead(slot: u32, handle: u32, sector: u64, pointer: u32, count: u32): i32 {
  const caller = modules.enterKernel();
  const result = blockCalls.transfer(slot, handle, false, sector, pointer, count);
  modules.leaveKernel(caller);
  return result;
}
export function abiBlockWrite(slot: u32, handle: u32, sector: u64, pointer: u32, count: u32): i32 {
  const caller = modules.enterKernel();
  const result = blockCalls.transfer(slot, handle, true, sector, pointer, count);
  modules.leaveKernel(caller);
  return result;
}
export function abiBlockFlush(slot: u32, handle: u32): i32 {
  const caller = modules.enterKernel();
  const result = blockCalls.flush(slot, handle);
  modules.leaveKernel(caller);
  return result;
}
export function abiBlockInfo(slot: u32, handle: u32, what: u32): i64 {
  const caller = modules.enterKernel();
  const result = blockCalls.info(slot, handle, what);
  modules.leaveKernel(caller);
  return result;
}
export function abiFileOpen(slot: u32, handle: u32, pointer: u32, length: u32, flags: u32): i32 {
  const caller = modules.enterKernel();
  fileCalls.enter();
  const result = fileCalls.open(slot, handle, pointer, length, flags);
  fileCalls.leave();
  modules.leaveKernel(caller);
  return result;
}
export function abiFileRead(slot: u32, fd: u32, pointer: u32, length: u32): i32 {
  const caller = modules.enterKernel();
  fileCalls.enter();
  const result = fileCalls.read(slot, fd, pointer, length);
  fileCalls.leave();
  modules.leaveKernel(caller);
  return result;
}
export function abiFileWrite(slot: u32, fd: u32, pointer: u32, length: u32): i32 {
  const caller = modules.enterKernel();
  fileCalls.enter();
  const result = fileCalls.write(slot, fd, pointer, length);
  fileCalls.leave();
  modules.leaveKernel(caller);
  return result;
}
export function abiFileSeek(slot: u32, fd: u32, offset: i64, whence: u32): i64 {
  const caller = modules.enterKernel();
  fileCalls.enter();
  const result = fileCalls.seek(slot, fd, offset, whence);
  fileCalls.leave();
  modules.leaveKernel(caller);
  return result;
}
export function abiFileStat(slot: u32, fd: u32, pointer: u32): i32 {
  const caller = modules.enterKernel();
  fileCalls.enter();
  const result = fileCalls.stat(slot, fd, pointer);
  fileCalls.leave();
  modules.leaveKernel(caller);
  return result;
}
export function abiDirRead(slot: u32, fd: u32, position: u32, pointer: u32): i64 {
  const caller = modules.enterKernel();
  fileCalls.enter();
  const result = fileCalls.dirRead(slot, fd, position, pointer);
  fileCalls.leave();
  modules.leaveKernel(caller);
  return result;
}
export function abiDirMake(slot: u32, handle: u32, pointer: u32, length: u32): i32 {
  const caller = modules.enterKernel();
  fileCalls.enter();
  const result = fileCalls.makeDirectory(slot, handle, pointer, length);
  fileCalls.leave();
  modules.leaveKernel(caller);
  return result;
}
export function abiFileRename(slot: u32, handle: u32, from: u32, fromLength: u32, to: u32, toLength: u32): i32 {
  const caller = modules.enterKernel();
  fileCalls.enter();
  const result = fileCalls.rename(slot, handle, from, fromLength, to, toLength);
  fileCalls.leave();
  modules.leaveKernel(caller);
  return result;
}
export function abiFileUnlink(slot: u32, handle: u32, pointer: u32, length: u32): i32 {
  const caller = modules.enterKernel();
  fileCalls.enter();
  const result = fileCalls.unlink(slot, handle, pointer, length);
  fileCalls.leave();
  modules.leaveKernel(caller);
  return result;
}
export function abiFileSync(slot: u32, fd: u32): i32 {
  const caller = modules.enterKernel();
  fileCalls.enter();
  const result = fileCalls.sync(slot, fd);
  fileCalls.leave();
  modules.leaveKernel(caller);
  return result;
}
export function abiFileClose(slot: u32, fd: u32): i32 {
  const caller = modules.enterKernel();
  fileCalls.enter();
  const result = fileCalls.close(slot, fd);
  fileCalls.leave();
  modules.leaveKernel(caller);
  return result;
}
export function abiDeviceRead32(slot: u32, handle: u32, bar: u32, offset: u32): i64 {
  const caller = modules.enterKernel();
  const result = deviceCalls.read32(slot, handle, bar, offset);
  modules.leaveKernel(caller);
  return result;
}
export function abiDeviceWrite32(slot: u32, handle: u32, bar: u32, offset: u32, value: u32): i32 {
  const caller = modules.enterKernel();
  const result = deviceCalls.write32(slot, handle, bar, offset, value);
  modules.leaveKernel(caller);
  return result;
}

export function abiNetListen(slot: u32, handle: u32, port: u32): i32 {
  const caller = modules.enterKernel();
  const result = netCalls.listen(slot, handle, port);
  modules.leaveKernel(caller);
  return result;
}
export function abiNetAccept(slot: u32, socket: i32, timeoutMs: u32): i32 {
  const caller = modules.enterKernel();
  const result = netCalls.accept(slot, socket, timeoutMs);
  modules.leaveKernel(caller);
  return result;
}
export function abiNetConnect(slot: u32, handle: u32, ip: u32, port: u32, timeoutMs: u32): i32 {
  const caller = modules.enterKernel();
  const result = netCalls.connect(slot, handle, ip, port, timeoutMs);
  modules.leaveKernel(caller);
  return result;
}
export function abiNetSend(slot: u32, socket: i32, pointer: u32, length: u32, timeoutMs: u32): i32 {
  const caller = modules.enterKernel();
  const result = netCalls.send(slot, socket, pointer, length, timeoutMs);
  modules.leaveKernel(caller);
  return result;
}
export function abiNetReceive(slot: u32, socket: i32, pointer: u32, capacity: u32, timeoutMs: u32): i32 {
  const caller = modules.enterKernel();
  const result = netCalls.receive(slot, socket, pointer, capacity, timeoutMs);
  modules.leaveKernel(caller);
  return result;
}
export function abiNetClose(slot: u32, socket: i32): i32 {
  const caller = modules.enterKernel();
  const result = netCalls.close(slot, socket);
  modules.leaveKernel(caller);
  return result;
}
export function abiNetWait(slot: u32, list: u32, count: u32, timeoutMs: u32): i32 {
  const caller = modules.enterKernel();
  const result = netCalls.wait(slot, list, count, timeoutMs);
  modules.leaveKernel(caller);
  return result;
}
export function abiKeyCreate(slot: u32, ring: u32, algorithm: u32): i32 {
  const caller = modules.enterKernel();
  const result = keyCalls.create(slot, ring, algorithm);
  modules.leaveKernel(caller);
  return result;
}
export function abiKeyPublic(slot: u32, handle: u32, pointer: u32, capacity: u32): i32 {
  const caller = modules.enterKernel();
  const result = keyCalls.publicKey(slot, handle, pointer, capacity);
  modules.leaveKernel(caller);
  return result;
}
export function abiKeySign(slot: u32, handle: u32, message: u32, length: u32, signature: u32): i32 {
  const caller = modules.enterKernel();
  const result = keyCalls.sign(slot, handle, message, length, signature);
  modules.leaveKernel(caller);
  return result;
}
export function abiKeyVerify(slot: u32, handle: u32, message: u32, length: u32, signature: u32): i32 {
  const caller = modules.enterKernel();
  const result = keyCalls.verify(slot, handle, message, length, signature);
  modules.leaveKernel(caller);
  return result;
}
export function abiKeyEncapsulate(slot: u32, handle: u32, ciphertext: u32, secret: u32): i32 {
  const caller = modules.enterKernel();
  const result = keyCalls.encapsulate(slot, handle, ciphertext, secret);
  modules.leaveKernel(caller);
  return result;
}
export function abiKeyDecapsulate(slot: u32, handle: u32, ciphertext: u32, secret: u32): i32 {
  const caller = modules.enterKernel();
  const result = keyCalls.decapsulate(slot, handle, ciphertext, secret);
  modules.leaveKernel(caller);
  return result;
}
export function abiKeyRotate(slot: u32, handle: u32, overlapMs: u32): i32 {
  const caller = modules.enterKernel();
  const result = keyCalls.rotate(slot, handle, overlapMs);
  modules.leaveKernel(caller);
  return result;
}
export function abiKeyRevoke(slot: u32, handle: u32): i32 {
  const caller = modules.enterKernel();
  const result = keyCalls.revoke(slot, handle);
  modules.leaveKernel(caller);
  return result;
}
export function abiKeyOpen(slot: u32, ring: u32, id: u32): i32 {
  const caller = modules.enterKernel();
  const result = keyCalls.open(slot, ring, id);
  modules.leaveKernel(caller);
  return result;
}
