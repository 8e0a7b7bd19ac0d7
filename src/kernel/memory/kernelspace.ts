// kernelspace.ts — the kernel's own page tables, replacing the boot stub's:
//   the image with W^X: text read+execute, rodata (and .ksyms) read-only, data
//   and bss read+write no-execute, and the guard page under every boot stack
//   left unmapped; the direct map of physical memory (1 GiB pages where the CPU
//   has them, else 2 MiB), no-execute; the kernel module's linear memory.
// The low half is left empty. Tables come from the frame allocator.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as frames from "./frames";
import * as pagetable from "./pagetable";
import * as physical from "../physical";
import { DIRECT_MAP_BASE, KERNEL_IMAGE_BASE, KERNEL_MEMORY_BASE, KERNEL_MEMORY_BOOT_WINDOW } from "./layout";

const LEAF_EXTENDED_FEATURES: u32 = 0x80000001;
const FEATURE_EDX_1GIB_PAGES: u32 = 1 << 26;
const GIB: u64 = 1 << 30;
const MIB2: u64 = 2 << 20;
const FRAME: u64 = 4096;

let root: u64 = 0;
let kernelMemoryMapped: u64 = 0;    // bytes of the kernel module's memory mapped
let arenaPhysical: u64 = 0;         // where the boot window's frames are

export function rootTable(): u64 { return root; }
export function hugePagesSupported(): bool {
  return (cpu.cpuid(LEAF_EXTENDED_FEATURES, 0, cpu.CpuidRegister.Edx) & FEATURE_EDX_1GIB_PAGES) != 0;
}

function isGuard(address: u64): bool {
  if (address == cpu.layoutAddress(cpu.Layout.KernelStackBottom) - cpu.STACK_GUARD_SIZE) return true;
  const ist = cpu.layoutAddress(cpu.Layout.IstStacksBottom);
  for (let i: u64 = 0; i < cpu.IST_STACK_COUNT; i++) {
    if (address == ist + i * (cpu.STACK_GUARD_SIZE + cpu.IST_STACK_SIZE)) return true;
  }
  return false;
}

/** True when `address` lies in the guard page under one of the boot stacks. */
export function inStackGuard(address: u64): bool {
  return isGuard(address & ~(FRAME - 1));
}

function mapImage(start: u64, end: u64, protection: pagetable.Protection): Errno {
  for (let at = start & ~(FRAME - 1); at < end; at += FRAME) {
    if (isGuard(at)) continue;
    const result = pagetable.map(root, at, at - KERNEL_IMAGE_BASE, pagetable.PageSize.Small, protection);
    if (result != Errno.Ok) return result;
  }
  return Errno.Ok;
}

/** Builds the tables and loads them. `physicalTop` bounds the direct map. */
export function init(physicalTop: u64): Errno {
  root = pagetable.newTable();
  if (root == 0) return Errno.ResourceExhausted;
  const text = cpu.layoutAddress(cpu.Layout.TextStart);
  const rodata = cpu.layoutAddress(cpu.Layout.RodataStart);
  const data = cpu.layoutAddress(cpu.Layout.DataStart);
  const end = cpu.layoutAddress(cpu.Layout.ImageEnd);
  const arena = cpu.layoutAddress(cpu.Layout.KernelMemoryArena);
  let result = mapImage(text, rodata, pagetable.Protection.ReadExecute);
  if (result == Errno.Ok) result = mapImage(rodata, data, pagetable.Protection.Read);
  if (result == Errno.Ok) result = mapImage(data, end, pagetable.Protection.ReadWrite);
  if (result != Errno.Ok) return result;

  const huge = hugePagesSupported();
  const step = huge ? GIB : MIB2;
  const top = (physicalTop + GIB - 1) & ~(GIB - 1);
  for (let at: u64 = 0; at < top; at += step) {
    result = pagetable.map(root, DIRECT_MAP_BASE + at, at, huge ? pagetable.PageSize.Huge : pagetable.PageSize.Large, pagetable.Protection.ReadWrite);
    if (result != Errno.Ok) return result;
  }

  // The kernel module's memory keeps the frames the boot tables gave it (the .bss
  // arena), so its data does not move; only its current size is mapped, the rest
  // of the window is the guard that catches its out-of-bounds accesses.
  arenaPhysical = arena - KERNEL_IMAGE_BASE;
  const size = <u64>memory.size() << 16;
  for (let at: u64 = 0; at < size; at += FRAME) {
    result = pagetable.map(root, KERNEL_MEMORY_BASE + at, arenaPhysical + at, pagetable.PageSize.Small, pagetable.Protection.ReadWrite);
    if (result != Errno.Ok) return result;
  }
  kernelMemoryMapped = size;
  cpu.writeCr3(root);
  physical.setMappedLimit(top);
  return Errno.Ok;
}

/** Grows the kernel module's memory to `newBytes`: the arena's frames within the
 *  boot window, zeroed fresh frames beyond it. Before the kernel's tables exist
 *  the boot tables map the whole window, so growth within it needs nothing. */
export function growKernelMemory(newBytes: u64): bool {
  if (root == 0) return newBytes <= KERNEL_MEMORY_BOOT_WINDOW;
  while (kernelMemoryMapped < newBytes && kernelMemoryMapped < KERNEL_MEMORY_BOOT_WINDOW) {
    if (pagetable.map(root, KERNEL_MEMORY_BASE + kernelMemoryMapped, arenaPhysical + kernelMemoryMapped, pagetable.PageSize.Small, pagetable.Protection.ReadWrite) != Errno.Ok) return false;
    kernelMemoryMapped += FRAME;
  }
  while (kernelMemoryMapped < newBytes) {
    const frame = frames.alloc(0, frames.Owner.Heap);
    if (frame == 0) return false;
    physical.zero(frame, FRAME);
    if (pagetable.map(root, KERNEL_MEMORY_BASE + kernelMemoryMapped, frame, pagetable.PageSize.Small, pagetable.Protection.ReadWrite) != Errno.Ok) {
      frames.free(frame);
      return false;
    }
    kernelMemoryMapped += FRAME;
  }
  return true;
}
