// Boot information: recorded hand-offs from QEMU (PVH) and GRUB (multiboot2),
// and malformed ones, which must give a log line and a safe default, never a crash.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot, FakeMachine } from "./fakehal.ts";
import { cmdlineTag, e820, mmapTag, MB2_MAGIC, multiboot2, pvh, recorded, rsdpV1, PVH_MAGIC } from "./blobs.ts";

const OK = 0, MALFORMED = 2, TRUNCATED = 3, NOT_SUPPORTED = 6;
const USABLE = 1, RESERVED = 2;
const INFO = 0x10000n;

function map(k: any) {
  const out: [bigint, bigint, number][] = [];
  for (let i = 0; i < k.memoryMapCount(); i++) out.push([k.memoryMapBase(i), k.memoryMapLength(i), k.memoryMapType(i)]);
  return out;
}

function withBlob(blob: Buffer, extra: [number, Buffer][] = []) {
  const machine = new FakeMachine();
  machine.addPhysical(INFO, blob);
  for (const [base, bytes] of extra) machine.addPhysical(base, bytes);
  return boot(machine);
}

test("recorded PVH start_info from QEMU q35, 128 MiB", () => {
  const { machine, magic, address } = recorded("pvh");
  const { k, text } = boot(machine);
  assert.is(k.bootParse(magic, address), OK);
  assert.is(k.bootProtocol(), 1);
  assert.is(text(k.bootCmdlineData(), k.bootCmdlineSize()), "aios.log=debug console=example");
  assert.is(k.memoryMapUsableBytes() >> 20n, 127n);
  assert.equal(map(k)[0], [0n, 0x9fc00n, USABLE]);
  assert.equal(map(k)[3], [0x100000n, 0x7edf000n, USABLE]);
  assert.is(k.bootRsdp(), 0xf59e0n, "QEMU passes rsdp_paddr and it validates");
});

test("recorded multiboot2 block from GRUB (BIOS ISO)", () => {
  const { machine, magic, address } = recorded("multiboot2");
  const { k, text } = boot(machine);
  assert.is(k.bootParse(magic, address), OK);
  assert.is(k.bootProtocol(), 2);
  assert.is(text(k.bootCmdlineData(), k.bootCmdlineSize()), "aios.log=debug");
  assert.is(k.memoryMapUsableBytes() >> 20n, 127n);
  assert.ok(k.bootRsdp() > address && k.bootRsdp() < address + 1848n, "RSDP taken from the ACPI tag inside the block");
  assert.is(k.bootFramebufferWidth(), 800);
  assert.is(k.bootFramebufferHeight(), 600);
});

test("multiboot2: a tag running past total_size stops the walk, earlier tags kept", () => {
  const blob = multiboot2([cmdlineTag("aios.test=boot"), mmapTag([[0x100000n, 0x1000000n, 1]]), { type: 1, data: Buffer.alloc(8), size: 4096 }]);
  const { k, machine, text } = withBlob(blob);
  assert.is(k.bootParse(MB2_MAGIC, INFO), TRUNCATED);
  assert.is(text(k.bootCmdlineData(), k.bootCmdlineSize()), "aios.test=boot");
  assert.is(k.memoryMapUsableBytes(), 0x1000000n);
  assert.match(machine.serial, /tag runs past the end of the block/);
});

test("multiboot2: a tag smaller than its header is refused", () => {
  const blob = multiboot2([mmapTag([[0x100000n, 0x2000000n, 1]]), { type: 9, data: Buffer.alloc(8), size: 4 }]);
  const { k, machine } = withBlob(blob);
  assert.is(k.bootParse(MB2_MAGIC, INFO), MALFORMED);
  assert.is(k.memoryMapUsableBytes(), 0x2000000n);
  assert.match(machine.serial, /tag smaller than its header/);
});

test("multiboot2: absurd total_size gives the 16 MiB default", () => {
  const blob = multiboot2([mmapTag([[0x100000n, 0x2000000n, 1]])], 0x7fffffff);
  const { k, machine } = withBlob(blob);
  assert.is(k.bootParse(MB2_MAGIC, INFO), MALFORMED);
  assert.equal(map(k), [[0x100000n, 0xf00000n, USABLE]]);
  assert.match(machine.serial, /absurd total_size/);
  assert.match(machine.serial, /assuming 16 MiB/);
});

test("multiboot2: information block beyond the boot mapping is not read", () => {
  const { k, machine } = boot(new FakeMachine());
  assert.is(k.bootParse(MB2_MAGIC, 0x1_0000_0000n), MALFORMED);
  assert.match(machine.serial, /outside the boot mapping/);
  assert.is(k.memoryMapUsableBytes(), 0xf00000n);
});

test("multiboot2: bad memory-map entry size is refused, basic meminfo used instead", () => {
  const meminfo = Buffer.alloc(8);
  meminfo.writeUInt32LE(639, 0);
  meminfo.writeUInt32LE(31 * 1024, 4);
  const blob = multiboot2([mmapTag([[0x100000n, 0x2000000n, 1]], 20), { type: 4, data: meminfo }]);
  const { k, machine } = withBlob(blob);
  k.bootParse(MB2_MAGIC, INFO);
  assert.match(machine.serial, /entry size/);
  assert.is(k.memoryMapUsableBytes(), 639n * 1024n + 31n * 1024n * 1024n);
});

test("multiboot2: no end tag is reported as truncated", () => {
  const full = multiboot2([mmapTag([[0x100000n, 0x2000000n, 1]])]);
  const cut = full.subarray(0, full.length - 8);
  cut.writeUInt32LE(cut.length, 0);
  const { k, machine } = withBlob(Buffer.from(cut));
  assert.is(k.bootParse(MB2_MAGIC, INFO), TRUNCATED);
  assert.match(machine.serial, /no end tag/);
  assert.is(k.memoryMapUsableBytes(), 0x2000000n);
});

test("absurd and overlapping memory-map entries are resolved safely", () => {
  const blob = multiboot2([mmapTag([
    [0x100000n, 0x4000000n, USABLE],
    [0x200000n, 0x100000n, RESERVED],            // inside the usable range: reserved wins
    [0xffff_ffff_ffff_0000n, 0x100000n, USABLE],  // beyond 52-bit physical space
    [0x8000000n, 0xffff_ffff_ffff_ffffn, USABLE], // runs off the end: clamped
    [0x300000n, 0n, RESERVED],                    // empty
  ])]);
  const { k, machine } = withBlob(blob);
  assert.is(k.bootParse(MB2_MAGIC, INFO), OK);
  const m = map(k);
  assert.equal(m[0], [0x100000n, 0x100000n, USABLE]);
  assert.equal(m[1], [0x200000n, 0x100000n, RESERVED]);
  assert.equal(m[2], [0x300000n, 0x3e00000n, USABLE]);
  assert.equal(m[3], [0x8000000n, (1n << 52n) - 0x8000000n, USABLE]);
  assert.match(machine.serial, /beyond 52-bit/);
  assert.match(machine.serial, /clamping/);
  assert.match(machine.serial, /overlapping/);
});

test("no RSDP anywhere: a warning and rsdp 0", () => {
  const blob = multiboot2([mmapTag([[0x100000n, 0x2000000n, 1]])]);
  const { k, machine } = withBlob(blob);
  k.bootParse(MB2_MAGIC, INFO);
  assert.is(k.bootRsdp(), 0n);
  assert.match(machine.serial, /no ACPI RSDP found/);
});

test("no RSDP from the loader: found by the BIOS-area search", () => {
  const blob = multiboot2([mmapTag([[0x100000n, 0x2000000n, 1]])]);
  const { k } = withBlob(blob, [[0xe1230, rsdpV1()]]);
  k.bootParse(MB2_MAGIC, INFO);
  assert.is(k.bootRsdp(), 0xe1230n);
});

test("an RSDP with a bad checksum is rejected", () => {
  const bad = rsdpV1();
  bad[8] ^= 1;
  const { k } = withBlob(multiboot2([]), [[0xe1230, bad]]);
  assert.is(k.rsdpValid(0xe1230n), 0);
  const { k: k2 } = withBlob(multiboot2([]), [[0xe1230, rsdpV1()]]);
  assert.is(k2.rsdpValid(0xe1230n), 1);
});

test("unknown loader magic: a clear error and the 16 MiB default", () => {
  const { k, machine } = boot(new FakeMachine());
  assert.is(k.bootParse(0x2badb002, INFO), NOT_SUPPORTED);
  assert.match(machine.serial, /unknown loader magic 0x2badb002/);
  assert.is(k.memoryMapUsableBytes(), 15n << 20n);
});

test("PVH: version 0 has no memory map; the default is used", () => {
  const { k, machine } = withBlob(pvh({ version: 0 }));
  assert.is(k.bootParse(PVH_MAGIC, INFO), OK);
  assert.match(machine.serial, /version 0 carries no memory map/);
  assert.is(k.memoryMapUsableBytes(), 15n << 20n);
});

test("PVH: wrong magic in start_info", () => {
  const blob = pvh({});
  blob.writeUInt32LE(0xdeadbeef, 0);
  const { k, machine } = withBlob(blob);
  assert.is(k.bootParse(PVH_MAGIC, INFO), MALFORMED);
  assert.match(machine.serial, /wrong magic/);
});

test("PVH: absurd entry count and pointers outside the boot mapping", () => {
  const { k, machine } = withBlob(pvh({ entries: 0xffffffff, memmap: 0x20000, cmdline: 0x2_0000_0000 }),
    [[0x20000, e820([[0x100000n, 0x4000000n, USABLE]])]]);
  assert.is(k.bootParse(PVH_MAGIC, INFO), MALFORMED);
  assert.match(machine.serial, /absurd memory map entry count/);
  assert.match(machine.serial, /command line outside the boot mapping/);
  assert.is(k.memoryMapUsableBytes(), 0x4000000n);
});

test("PVH: modules and a long command line", () => {
  const modules = Buffer.alloc(64);
  modules.writeBigUInt64LE(0x800000n, 0);
  modules.writeBigUInt64LE(0x1234n, 8);
  modules.writeBigUInt64LE(0x900000n, 32);
  modules.writeBigUInt64LE(0x10n, 40);
  const long = Buffer.alloc(3000, 0x61);
  const { k, machine } = withBlob(pvh({ modules: 2, modlist: 0x30000, cmdline: 0x40000, memmap: 0x20000, entries: 1 }), [
    [0x20000, e820([[0x100000n, 0x4000000n, USABLE]])],
    [0x30000, modules],
    [0x40000, long],
  ]);
  k.bootParse(PVH_MAGIC, INFO);
  assert.is(k.bootModules(), 2);
  assert.is(k.bootModuleBase(1), 0x900000n);
  assert.is(k.bootModuleLength(0), 0x1234n);
  assert.is(k.bootCmdlineSize(), 1024);
  assert.match(machine.serial, /command line longer than 1024 bytes/);
});

test.run();
