// scenarios.ts — the guest test scenarios that provoke a failure on purpose. Each
// one must not return: the report it triggers stops the machine. If it does
// return, the runner declares the scenario failed.
import { cpu } from "../../hal";
import * as panic from "../panic";

/** An address the boot page tables leave unmapped: 256 GiB, PML4 slot 0, PDPT slot 256. */
const UNMAPPED_ADDRESS: u64 = 0x40_0000_0000;
/** Far beyond the kernel module's linear memory (a few MiB). */
const OUT_OF_BOUNDS_OFFSET: usize = 0xfff0_0000;

export function pageFault(): void {
  cpu.store64(UNMAPPED_ADDRESS, 0x5afe);
}

export function invalidOpcode(): void {
  cpu.provokeException(cpu.ProvokedException.InvalidOpcode);
}

export function divideError(): void {
  cpu.provokeException(cpu.ProvokedException.DivideError);
}

/** A load outside the module's linear memory: wasm2c's bounds check traps. */
@inline(never) export function wasmOutOfBounds(offset: usize): u32 {
  return load<u32>(OUT_OF_BOUNDS_OFFSET + offset);
}

export function deliberatePanic(): void {
  panic.panic("deliberate panic requested by the panic scenario");
}
