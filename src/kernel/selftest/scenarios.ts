// scenarios.ts — the guest test scenarios. Each returns whether it passed; the
// ones that provoke a fault on purpose must not return at all (the report they
// trigger stops the machine), so if they do, they report failure.
import { cpu } from "../../hal";
import * as panic from "../panic";

/** An address the boot page tables leave unmapped: 256 GiB, PML4 slot 0, PDPT slot 256. */
const UNMAPPED_ADDRESS: u64 = 0x40_0000_0000;

let sink: u32 = 0;

/** Reaching the ready line is the whole test. */
export function boot(): bool {
  return true;
}

export function pageFault(): bool {
  cpu.store64(UNMAPPED_ADDRESS, 0x5afe);
  return false;
}

export function invalidOpcode(): bool {
  cpu.provokeException(cpu.ProvokedException.InvalidOpcode);
  return false;
}

export function divideError(): bool {
  cpu.provokeException(cpu.ProvokedException.DivideError);
  return false;
}

/** #DF must arrive on its own IST stack, since the kernel stack is unusable. */
export function doubleFault(): bool {
  cpu.provokeException(cpu.ProvokedException.DoubleFault);
  return false;
}

/** A load just past the end of the kernel module's linear memory: the guard page
 *  beyond its size faults, reported as the kernel's wasm trap. */
export function wasmOutOfBounds(): bool {
  sink = load<u32>((<usize>memory.size() << 16) + 16 + <usize>sink);
  return false;
}

export function deliberatePanic(): bool {
  panic.panic("deliberate panic requested by the panic scenario");
  return false;
}
