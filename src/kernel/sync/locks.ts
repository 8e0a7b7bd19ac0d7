// locks.ts — spin locks for AssemblyScript code running on several CPUs. A lock
// is a few words of the kernel module's linear memory; the atomic read-modify-
// write goes through the hardware gate on its real address, and each gate call
// is an opaque call, so the compiler reloads memory around it.
//   ticket lock (8 bytes): +0 next ticket, +4 now serving — FIFO, fair hand-off
//   spin lock   (4 bytes): 0 free, 1 held
import { cpu } from "../../hal";

let memoryBase: u64 = 0;          // this module's linear memory, where the locks live

function real(address: usize): u64 {
  if (memoryBase == 0) memoryBase = cpu.layoutAddress(cpu.Layout.LinearMemoryBase);
  return memoryBase + <u64>address;
}

export const TICKET_LOCK_BYTES: i32 = 8;

/** Waits for its turn, in arrival order. */
export function ticketAcquire(lock: usize): void {
  const ticket = cpu.atomicFetchAdd32(real(lock), 1);
  while (load<u32>(lock + 4) != ticket) cpu.pause();
}

export function ticketRelease(lock: usize): void {
  cpu.atomicFetchAdd32(real(lock + 4), 1);
}

/** Takes the lock only if nobody holds or waits for it; true when taken. */
export function ticketTryAcquire(lock: usize): bool {
  const serving = load<u32>(lock + 4);
  return cpu.atomicCompareExchange32(real(lock), serving, serving + 1) == serving;
}

/** True when nobody holds or waits for the lock. */
export function ticketIdle(lock: usize): bool { return load<u32>(lock) == load<u32>(lock + 4); }

export function spinTryAcquire(lock: usize): bool {
  return cpu.atomicCompareExchange32(real(lock), 0, 1) == 0;
}

export function spinAcquire(lock: usize): void {
  while (!spinTryAcquire(lock)) {
    while (load<u32>(lock) != 0) cpu.pause();
  }
}

export function spinRelease(lock: usize): void {
  cpu.atomicCompareExchange32(real(lock), 1, 0);
}
