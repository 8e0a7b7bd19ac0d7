// entry.ts — the kernel's sources compiled for the host tests: the real kmain,
// interrupt and trap exports, plus thin wrappers that let a test drive one
// subsystem at a time against the fake machine in fakehal.ts.
import { uart, x86 } from "../../src/hal";
import * as bootinfo from "../../src/kernel/bootinfo";
import * as cmdline from "../../src/kernel/cmdline";
import * as line from "../../src/kernel/line";
import * as log from "../../src/kernel/log";
import * as pagefault from "../../src/kernel/interrupts/pagefault";
import * as exceptions from "../../src/kernel/interrupts/exceptions";
import * as symbols from "../../src/kernel/symbols";
import * as clock from "../../src/kernel/clock";
import { VERSION } from "../../src/kernel/version";

export { kmain, interrupt, trap } from "../../src/kernel/index";
// Per-subsystem test exports live in entries/ (one file each).
export * from "./entries/heap";
export * from "./entries/frames";
export * from "./entries/pagetable";
export * from "./entries/vectors";
export * from "./entries/caps";
export * from "./entries/audit";
export * from "./entries/sched";
export * from "./entries/devices";
export * from "./entries/acpi";
export * from "./entries/block";
export * from "./entries/net";
export * from "./entries/tcp";
export * from "./entries/reassembly";
export * from "./entries/dns";
export * from "./entries/nvme";
export * from "./entries/e1000";
export * from "./entries/ahci";
export * from "./entries/iommu";
export * from "./entries/sharing";
export * from "./entries/events";
export * from "./entries/crypto";
export * from "./entries/measure";
export * from "./entries/fs";
export * from "./entries/tpm";
export * from "./entries/seal";

export function consoleInit(): bool { return uart.init(); }

// ---- the line buffer, where every formatter writes
export function lineData(): usize { return line.data(); }
export function lineSize(): i32 { return line.size(); }
export function lineReset(): void { line.reset(); }
export function lineHex(value: u64, digits: i32): void { line.hex(value, digits); }
export function lineDecimal(value: u64): void { line.decimal(value); }
export function lineSigned(value: i64): void { line.signed(value); }
export function linePadded(value: u64, width: i32, fill: u8): void { line.padded(value, width, fill); }
export function lineFill(count: i32): void { for (let i = 0; i < count; i++) line.byte(0x78); }
export function lineTruncated(): bool { return line.truncated(); }

// ---- log
export function logFormatPrefix(level: i32, nanoseconds: u64): void { line.reset(); log.formatPrefix(<log.Level>level, nanoseconds); }
export function logMessage(level: i32): void { log.begin(<log.Level>level); line.text("hello"); log.end(); }
export function logSetThreshold(level: i32): void { log.setThreshold(<log.Level>level); }
export function logRingSize(): u32 { return log.ringSize(); }
export function logRingByte(index: u32): u8 { return log.ringByte(index); }
export function logParseLevel(source: usize, length: i32): i32 { return log.parseLevel(source, length); }
export function clockTicksToNanoseconds(ticks: u64, hz: u64): u64 { return clock.ticksToNanoseconds(ticks, hz); }

// ---- boot information
export function bootParse(magic: u32, address: u64): i32 { return bootinfo.parse(magic, address); }
export function bootProtocol(): i32 { return bootinfo.info.protocol(); }
export function bootCmdlineData(): usize { return bootinfo.info.cmdlineData(); }
export function bootCmdlineSize(): i32 { return bootinfo.info.cmdlineSize(); }
export function bootRsdp(): u64 { return bootinfo.info.rsdp(); }
export function bootModules(): i32 { return bootinfo.info.modules(); }
export function bootModuleBase(i: i32): u64 { return bootinfo.info.moduleBase(i); }
export function bootModuleLength(i: i32): u64 { return bootinfo.info.moduleLength(i); }
export function bootFramebuffer(): u64 { return bootinfo.info.framebuffer(); }
export function bootFramebufferWidth(): u32 { return bootinfo.info.framebufferWidthPixels(); }
export function bootFramebufferHeight(): u32 { return bootinfo.info.framebufferHeightPixels(); }
export function memoryMapCount(): i32 { return bootinfo.memorymap.count(); }
export function memoryMapBase(i: i32): u64 { return bootinfo.memorymap.base(i); }
export function memoryMapLength(i: i32): u64 { return bootinfo.memorymap.length(i); }
export function memoryMapType(i: i32): i32 { return bootinfo.memorymap.type(i); }
export function memoryMapUsableBytes(): u64 { return bootinfo.memorymap.usableBytes(); }
export function memoryMapReset(): void { bootinfo.memorymap.reset(); }
export function memoryMapAdd(base: u64, length: u64, type: i32): void { bootinfo.memorymap.add(base, length, <bootinfo.memorymap.MemoryType>type); }
export function memoryMapFinish(): void { bootinfo.memorymap.finish(); }
export function memoryMapDropped(): i32 { return bootinfo.memorymap.dropped(); }
export function rsdpValid(address: u64): bool { return bootinfo.rsdp.valid(address); }

// ---- command line
export function cmdlineParse(source: usize, length: i32): void { cmdline.parse(source, length); }
export function cmdlineLogLevel(): i32 { return cmdline.requestedLogLevel(); }
export function cmdlineTestData(): usize { return cmdline.testScenario(); }
export function cmdlineTestSize(): i32 { return cmdline.testScenarioLength(); }
const scratch = memory.data(4096);
export function scratchBuffer(): usize { return scratch; }

// ---- descriptors
export function gdtSegment(base: u32, limit: u32, access: u8, flags: u8): u64 { return x86.segment(base, limit, access, flags); }
export function gdtKernelCode(): u64 { return x86.kernelCode64(); }
export function gdtKernelData(): u64 { return x86.kernelData(); }
export function gdtTssLow(base: u64, limit: u32): u64 { return x86.tssLow(base, limit); }
export function gdtTssHigh(base: u64): u64 { return x86.tssHigh(base); }
export function idtGateLow(handler: u64, selector: u16, ist: u8, type: u8, dpl: u8): u64 { return x86.gateLow(handler, selector, ist, type, dpl); }
export function idtGateHigh(handler: u64): u64 { return x86.gateHigh(handler); }

// ---- exceptions and symbols
export function pageFaultDescribe(code: u64): void { line.reset(); pagefault.describe(code); }
export function exceptionName(vector: u32): void { line.reset(); line.text(exceptions.name(vector)); }
export function symbolsInit(start: u64, end: u64): bool { return symbols.init(start, end); }
export function symbolsLocate(address: u64): void { line.reset(); symbols.appendLocation(address); }
export function versionString(): void { line.reset(); line.text(VERSION); }
