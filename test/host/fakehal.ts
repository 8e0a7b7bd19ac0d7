// fakehal.ts — a fake machine behind the kernel's "hal" imports for host tests:
// physical memory regions (reached through the direct map, as the kernel does),
// kernel-virtual regions (the symbol table), COM1 captured as text, a PIT that is
// always done, a TSC that ticks, and the debug-exit port recorded.
import { readFileSync } from "node:fs";

export const DIRECT_MAP_BASE = 0xffff_8000_0000_0000n;
const BOOT_MAPPED_LIMIT = 4n << 30n;
const COM1 = 0x3f8;
const COM1_LINE_CONTROL = COM1 + 3;
const COM1_LINE_STATUS = COM1 + 5;
const COM1_SCRATCH = COM1 + 7;
const PIT_SPEAKER = 0x61;
const DEBUG_EXIT = 0xf4;

interface Region { base: bigint; bytes: Uint8Array }

export class FakeMachine {
  physical: Region[] = [];
  virtual: Region[] = [];
  serial = "";
  exitCode: number | null = null;
  tsc = 0n;
  scratch = 0;
  divisorLatch = false;            // DLAB: data-port writes set the baud divisor
  layout = new Map<number, bigint>();

  addPhysical(base: bigint | number, bytes: Uint8Array): void { this.physical.push({ base: BigInt(base), bytes }); }
  addVirtual(base: bigint, bytes: Uint8Array): void { this.virtual.push({ base, bytes }); }

  private byte(address: bigint): number {
    for (const r of this.virtual) {
      if (address >= r.base && address < r.base + BigInt(r.bytes.length)) return r.bytes[Number(address - r.base)];
    }
    if (address >= DIRECT_MAP_BASE && address < DIRECT_MAP_BASE + (1n << 46n)) {
      const physical = address - DIRECT_MAP_BASE;
      if (physical >= BOOT_MAPPED_LIMIT) throw new Error(`read of physical ${physical.toString(16)} outside the boot mapping`);
      for (const r of this.physical) {
        if (physical >= r.base && physical < r.base + BigInt(r.bytes.length)) return r.bytes[Number(physical - r.base)];
      }
      return 0;                           // RAM nobody wrote: zeros
    }
    throw new Error(`read of unmapped kernel address ${address.toString(16)}`);
  }

  private read(signedAddress: bigint, size: number): bigint {
    const address = BigInt.asUintN(64, signedAddress);   // wasm i64 arrives signed
    let value = 0n;
    for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(this.byte(address + BigInt(i)));
    return value;
  }

  imports(): WebAssembly.Imports {
    return {
      hal: {
        outb: (port: number, value: number) => {
          if (port === COM1_LINE_CONTROL) this.divisorLatch = (value & 0x80) !== 0;
          else if (port === COM1 && !this.divisorLatch) this.serial += String.fromCharCode(value);
          else if (port === COM1_SCRATCH) this.scratch = value;
          else if (port === DEBUG_EXIT) this.exitCode = value;
        },
        inb: (port: number) => {
          if (port === COM1_LINE_STATUS) return 0x20;
          if (port === COM1_SCRATCH) return this.scratch;
          if (port === PIT_SPEAKER) return 0x20;
          return 0xff;
        },
        load8: (a: bigint) => Number(this.read(a, 1)),
        load16: (a: bigint) => Number(this.read(a, 2)),
        load32: (a: bigint) => Number(this.read(a, 4)),
        load64: (a: bigint) => BigInt.asUintN(64, this.read(a, 8)),
        store64: () => { throw new Error("store64 in a host test"); },
        rdtsc: () => (this.tsc += 1000n),
        cpuid: () => 0,
        readCr0: () => 0n, readCr2: () => 0n, readCr3: () => 0n, readCr4: () => 0n,
        frameAddress: () => 0n,
        halt: () => { throw new Error("halt"); },
        disableInterrupts: () => {},
        loadGdt: () => {}, loadIdt: () => {}, loadTaskRegister: () => {},
        layoutAddress: (which: number) => BigInt.asIntN(64, this.layout.get(which) ?? 0n),
        provokeException: () => {},
      },
    };
  }
}

let compiled: WebAssembly.Module | null = null;

/** A fresh instance of the host-test build of the kernel on a fresh fake machine. */
export function boot(machine = new FakeMachine()) {
  compiled ??= new WebAssembly.Module(readFileSync("build/host/kernel-test.wasm"));
  const instance = new WebAssembly.Instance(compiled, machine.imports());
  const k = instance.exports as any;
  k.consoleInit();
  const memory = k.memory as WebAssembly.Memory;
  const bytes = (pointer: number, length: number) => Buffer.from(new Uint8Array(memory.buffer, pointer, length));
  return {
    k,
    machine,
    line: (): string => bytes(k.lineData(), k.lineSize()).toString("latin1"),
    text: (pointer: number, length: number): string => bytes(pointer, length).toString("latin1"),
    write: (pointer: number, data: Uint8Array | string): number => {
      const source = typeof data === "string" ? Buffer.from(data, "latin1") : data;
      new Uint8Array(memory.buffer, pointer, source.length).set(source);
      return source.length;
    },
  };
}
