// registry.ts — the modules linked into the image, looked up by name through
// the hardware gate (the table is generated from their manifests at build time).
import { cpu } from "../../hal";
import { linearToVirtual } from "../physical";

const NAME_CAPACITY = 64;
const scratch = memory.data(NAME_CAPACITY);

/** Copies an ASCII name into the scratch buffer; its length, or -1. */
function stage(name: string): i32 {
  if (name.length > NAME_CAPACITY) return -1;
  for (let i = 0; i < name.length; i++) store<u8>(scratch + <usize>i, <u8>name.charCodeAt(i));
  return name.length;
}

function scratchAddress(): u64 { return linearToVirtual(scratch); }

/** The module's id, or cpu.MODULE_NONE. */
export function find(name: string): u32 {
  const length = stage(name);
  return length < 0 ? cpu.MODULE_NONE : cpu.moduleFind(scratchAddress(), <u32>length);
}

/** The number of export `name` of `module`, or cpu.MODULE_NONE. */
export function exportIndex(module: u32, name: string): u32 {
  const length = stage(name);
  return length < 0 ? cpu.MODULE_NONE : cpu.moduleExportFind(module, scratchAddress(), <u32>length);
}

export function version(module: u32): u32 { return cpu.moduleVersion(module); }

/** Copies `module`'s name to `destination` (kernel memory, `capacity` bytes): its length, 0 for none. */
export function nameOf(module: u32, destination: usize, capacity: u32): u32 {
  return cpu.moduleName(module, linearToVirtual(destination), capacity);
}

/** The newest module of the same family with a higher version, or MODULE_NONE. */
export function newer(module: u32): u32 { return cpu.moduleNewer(module); }
