// debugexit.ts — QEMU's isa-debug-exit device (iobase 0xf4, 1 byte). Writing v makes
// QEMU exit with status (v << 1) | 1. Without the device the write is ignored, so
// callers must still stop the CPU afterwards.
import { outb } from "./primitives";

const DEBUG_EXIT_PORT: u16 = 0xf4;

/** The values the guest test protocol uses (QEMU statuses 33, 35, 37). */
export const enum ExitCode {
  Pass = 0x10,
  Fail = 0x11,
  Panic = 0x12,
}

export function exit(code: ExitCode): void {
  outb(DEBUG_EXIT_PORT, <u8>code);
}
