// grown.ts — buffers grown onto the kernel module's linear memory after boot, for
// the life of the kernel: large static buffers (network stages, the HTTP
// server's arena) taken this way do not count against the kernel's initial
// memory, which must fit the 2 MiB boot window the boot stub maps. Growth past
// the window is backed by frames (kernelspace.ts), so this works once
// memory.init() has run. wasm memory never shrinks: what is grown stays.
const PAGE_SHIFT: usize = 16;
const GROW_FAILED: i32 = -1;

/** `bytes` of fresh zeroed linear memory (whole 64 KiB pages): its address, or 0
 *  when memory is exhausted. */
export function take(bytes: usize): usize {
  const pages = <i32>((bytes + (<usize>1 << PAGE_SHIFT) - 1) >> PAGE_SHIFT);
  const previous = memory.grow(pages);
  return previous == GROW_FAILED ? 0 : <usize>previous << PAGE_SHIFT;
}
