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

/** A device's registers at a physical range: loads and stores there reach the model, not RAM. */
export interface Mmio { read(offset: number, size: number): bigint; write(offset: number, size: number, value: bigint): void }

const PAGE = 4096n;

export class FakeMachine {
  pages = new Map<bigint, Uint8Array>();   // physical memory, 4 KiB pages, made on first write
  virtual: Region[] = [];
  serial = "";
  exitCode: number | null = null;
  tsc = 0n;
  randomState = 0x2545f491;        // the fake RDRAND / RDSEED stream (xorshift32)
  rdrandReady = true;
  rdseedReady = true;
  /** CPUID answers by "leaf:register" (register 0 EAX … 3 EDX); everything else reads 0. */
  cpuidRegisters = new Map<string, number>();
  nextRandom(): number {
    let x = this.randomState;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return (this.randomState = x);
  }
  scratch = 0;
  flushedBytes = 0n;               // bytes passed to flushCacheLines
  mmio: { base: bigint; length: bigint; model: Mmio }[] = [];
  divisorLatch = false;            // DLAB: data-port writes set the baud divisor
  layout = new Map<number, bigint>();
  linear: WebAssembly.Memory | null = null;   // the instance's memory, for atomics
  /** A block disk for the file-system tests (4 KiB blocks moved to and from linear memory). */
  disk: { read(block: number, count: number, to: Uint8Array): number; write(block: number, count: number, from: Uint8Array): number; flush(): number } | null = null;

  addPhysical(base: bigint | number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.writePhysical(BigInt(base) + BigInt(i), bytes[i]);
  }
  addVirtual(base: bigint, bytes: Uint8Array): void { this.virtual.push({ base, bytes }); }
  addMmio(base: bigint | number, length: bigint | number, model: Mmio): void { this.mmio.push({ base: BigInt(base), length: BigInt(length), model }); }

  private mmioAt(physical: bigint) {
    for (const m of this.mmio) if (physical >= m.base && physical < m.base + m.length) return m;
    return undefined;
  }

  private physicalOf(address: bigint): bigint {
    if (address >= DIRECT_MAP_BASE && address < DIRECT_MAP_BASE + (1n << 46n)) {
      const physical = address - DIRECT_MAP_BASE;
      if (physical >= this.mappedLimit) throw new Error(`access to physical ${physical.toString(16)} outside the mapping`);
      return physical;
    }
    return -1n;
  }

  /** How much physical memory the direct map covers (the boot tables: 4 GiB). */
  mappedLimit = BOOT_MAPPED_LIMIT;

  writePhysical(physical: bigint, value: number): void {
    const index = physical / PAGE;
    let page = this.pages.get(index);
    if (!page) this.pages.set(index, (page = new Uint8Array(Number(PAGE))));
    page[Number(physical % PAGE)] = value;
  }

  private byte(address: bigint): number {
    for (const r of this.virtual) {
      if (address >= r.base && address < r.base + BigInt(r.bytes.length)) return r.bytes[Number(address - r.base)];
    }
    const physical = this.physicalOf(address);
    if (physical < 0n) throw new Error(`read of unmapped kernel address ${address.toString(16)}`);
    return this.pages.get(physical / PAGE)?.[Number(physical % PAGE)] ?? 0;   // RAM nobody wrote: zeros
  }

  private read(signedAddress: bigint, size: number): bigint {
    const address = BigInt.asUintN(64, signedAddress);   // wasm i64 arrives signed
    const device = this.mmio.length > 0 ? this.mmioAt(this.physicalOf(address)) : undefined;
    if (device) return device.model.read(Number(this.physicalOf(address) - device.base), size);
    let value = 0n;
    for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(this.byte(address + BigInt(i)));
    return value;
  }

  private write(signedAddress: bigint, size: number, value: bigint): void {
    const physical = this.physicalOf(BigInt.asUintN(64, signedAddress));
    if (physical < 0n) throw new Error(`write to unmapped kernel address ${BigInt.asUintN(64, signedAddress).toString(16)}`);
    const device = this.mmio.length > 0 ? this.mmioAt(physical) : undefined;
    if (device) { device.model.write(Number(physical - device.base), size, BigInt.asUintN(64, value)); return; }
    for (let i = 0; i < size; i++) this.writePhysical(physical + BigInt(i), Number((BigInt.asUintN(64, value) >> BigInt(8 * i)) & 0xffn));
  }

  private zero(signedAddress: bigint, length: bigint): void {
    const start = this.physicalOf(BigInt.asUintN(64, signedAddress));
    if (start < 0n) throw new Error("zero of unmapped kernel memory");
    for (let at = start; at < start + BigInt.asUintN(64, length);) {
      const page = this.pages.get(at / PAGE);
      const inPage = PAGE - (at % PAGE);
      if (page) page.fill(0, Number(at % PAGE), Number(at % PAGE + inPage));
      at += inPage;
    }
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
        store8: (a: bigint, v: number) => this.write(a, 1, BigInt(v)),
        store16: (a: bigint, v: number) => this.write(a, 2, BigInt(v)),
        store32: (a: bigint, v: number) => this.write(a, 4, BigInt(v)),
        store64: (a: bigint, v: bigint) => this.write(a, 8, v),
        zero: (a: bigint, n: bigint) => this.zero(a, n),
        copy: (to: bigint, from: bigint, n: bigint) => { for (let i = 0n; i < n; i++) this.write(to + i, 1, this.read(from + i, 1)); },
        flushCacheLines: (_a: bigint, n: bigint) => { this.flushedBytes += BigInt.asUintN(64, n); },
        writeCr3: () => {}, invalidatePage: () => {},
        rdtsc: () => (this.tsc += 1000n),
        cpuid: (leaf: number, _subleaf: number, which: number) => this.cpuidRegisters.get(`${leaf}:${which}`) ?? 0,
        // a fake CPU's RDRAND / RDSEED: distinct values (xorshift), or 0 ("not
        // ready" through every retry) when the test says so
        rdrand32: () => (this.rdrandReady ? (1n << 32n) | BigInt(this.nextRandom()) : 0n),
        rdseed32: () => (this.rdseedReady ? (1n << 32n) | BigInt(this.nextRandom()) : 0n),
        readCr0: () => 0n, readCr2: () => 0n, readCr3: () => 0n, readCr4: () => 0n,
        frameAddress: () => 0n,
        halt: () => { throw new Error("halt"); },
        disableInterrupts: () => {}, enableInterrupts: () => {}, waitForInterrupt: () => {}, pause: () => {}, memoryFence: () => {}, saveInterrupts: () => 0n, restoreInterrupts: () => {},
        readMsr: () => 0n, writeMsr: () => {},
        // atomics on the kernel's linear memory (its base is 0 here: layoutAddress)
        atomicFetchAdd32: (a: bigint, v: number) => {
          const view = new DataView(this.linear!.buffer);
          const old = view.getUint32(Number(a), true);
          view.setUint32(Number(a), (old + v) >>> 0, true);
          return old;
        },
        atomicCompareExchange32: (a: bigint, expected: number, desired: number) => {
          const view = new DataView(this.linear!.buffer);
          const old = view.getUint32(Number(a), true);
          if (old === expected >>> 0) view.setUint32(Number(a), desired, true);
          return old;
        },
        testDiskRead: (block: bigint, count: number, buffer: number) =>
          this.disk ? this.disk.read(Number(block), count, new Uint8Array(this.linear!.buffer, buffer, count * 4096)) : 8,
        testDiskWrite: (block: bigint, count: number, buffer: number) =>
          this.disk ? this.disk.write(Number(block), count, new Uint8Array(this.linear!.buffer, buffer, count * 4096)) : 8,
        testDiskFlush: () => (this.disk ? this.disk.flush() : 8),
        cpuIndex: () => 0,
        tripleFault: () => { throw new Error("triple fault"); },
        threadPrepare: () => 1, threadAdopt: () => {}, threadSwitch: () => {},
        outw: () => {}, inw: () => 0xffff, outl: () => {}, inl: () => 0xffffffff,
        loadGdt: () => {}, loadIdt: () => {}, loadTaskRegister: () => {},
        layoutAddress: (which: number) => BigInt.asIntN(64, this.layout.get(which) ?? 0n),
        provokeException: () => {},
        // no service modules in the host tests: every instantiation fails cleanly
        moduleInstantiate: () => 0xffffffff, moduleCall: () => 0, moduleTrap: () => 0,
        moduleMemoryBase: () => 0n, moduleDestroy: () => {}, moduleMemorySize: () => 0, moduleCodeRunning: () => 1,
        moduleFind: () => 0xffffffff, moduleGrow: () => 0xffffffff, moduleOf: () => 0xffffffff, moduleExportFind: () => 0xffffffff, moduleVersion: () => 0, moduleName: () => 0, moduleNewer: () => 0xffffffff,
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
  machine.linear = k.memory;
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
