// frame.ts — the interrupt frame asm/isr.S builds on the stack, as offsets from
// the frame address it passes to the kernel (keep in step with isr_common):
//   +0 r15 … +112 rax | +120 vector | +128 error code | +136 rip cs rflags rsp ss (CPU-pushed)
import { cpu } from "../../hal";

export const FRAME_R15: u64 = 0;
export const FRAME_RBP: u64 = 64;
export const FRAME_RAX: u64 = 112;
export const FRAME_VECTOR: u64 = 120;
export const FRAME_ERROR_CODE: u64 = 128;
export const FRAME_RIP: u64 = 136;
export const FRAME_CS: u64 = 144;
export const FRAME_RFLAGS: u64 = 152;
export const FRAME_RSP: u64 = 160;
export const FRAME_SS: u64 = 168;

export function read(frame: u64, offset: u64): u64 { return cpu.load64(frame + offset); }
