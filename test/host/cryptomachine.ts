// cryptomachine.ts — a kernel instance for the crypto tests, with a bump
// allocator over memory grown past the kernel's own, and copy-in / copy-out
// helpers for the byte strings the primitives read and write.
import { boot, FakeMachine } from "./fakehal.ts";
import { random } from "./random.ts";

const WASM_PAGE = 65536;

export function cryptoMachine(size = 1 << 20, machine = new FakeMachine()) {
  const { k } = boot(machine);
  const memory = k.memory as WebAssembly.Memory;
  const base = memory.grow(Math.ceil(size / WASM_PAGE)) * WASM_PAGE;
  let next = base;
  const alloc = (length: number) => { const at = next; next += (length + 15) & ~15; if (next > base + size) throw new Error("test area full"); return at; };
  const bytes = () => new Uint8Array(memory.buffer);
  /** Copies `data` into fresh memory, returns its address. */
  const put = (data: Uint8Array) => { const at = alloc(Math.max(1, data.length)); bytes().set(data, at); return at; };
  const get = (at: number, length: number) => Uint8Array.from(bytes().subarray(at, at + length));
  const reset = () => { next = base; };
  return { k, alloc, put, get, reset };
}

export function seededBytes(length: number, seed: number): Uint8Array {
  const next = random(seed);
  return Uint8Array.from({ length }, () => Math.floor(next() * 256));
}

export const hex = (data: Uint8Array) => Buffer.from(data).toString("hex");
