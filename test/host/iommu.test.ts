// The VT-d driver against the spec's encodings (root, context and second-level
// entries; capability fields; the global command rule), its second-level tables in
// the fake machine's memory, and its bring-up, DMA mapping and fault polling
// against a small register model of a remapping unit (QEMU-like capabilities),
// including units that misbehave and must be refused with translation left off.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { boot, FakeMachine, Mmio } from "./fakehal.ts";

const u = (v: bigint) => BigInt.asUintN(64, v);
const MiB = 1n << 20n;
const OK = 0, INVALID = 1, NOT_FOUND = 4, EXHAUSTED = 5, NOT_SUPPORTED = 6, TIMEOUT = 7, EXISTS = 9;
const MAP_FAILED = (1n << 64n) - 1n;
const BASE = 0xfed90000n;
const TE = 1 << 31, SRTP = 1 << 30, WBF = 1 << 27, QIE = 1 << 26;

/** QEMU 7.2's intel-iommu: 64 Ki domains, MGAW and SAGAW per aw-bits, fault
 *  records at 0x220 (four of them), IOTLB registers at 0xf0 (ECAP.IRO 15). */
function capability(awBits: 39 | 48, cachingMode = false, writeBufferFlush = false): bigint {
  const sagaw = awBits === 48 ? 0x6n : 0x2n;
  return 6n | (writeBufferFlush ? 1n << 4n : 0n) | (cachingMode ? 1n << 7n : 0n) | (sagaw << 8n)
    | (BigInt(awBits - 1) << 16n) | (0x22n << 24n) | (3n << 40n);
}
const EXTENDED = (0xfn << 8n) | 0x2n;          // IRO 15, QI; C = 0: table walks do not snoop

/** A remapping unit's registers: commands take effect at once, unless told to hang. */
class FakeUnit implements Mmio {
  view = new DataView(new ArrayBuffer(4096));
  events: string[] = [];
  root = 0n;
  records: { low: bigint; high: bigint }[] = [];
  hang = { translation: false, rootPointer: false, iotlb: false };
  constructor(public cap: bigint, public ecap = EXTENDED, version = 0x10) {
    this.view.setUint32(0, version, true);
    this.view.setBigUint64(8, cap, true);
    this.view.setBigUint64(0x10, ecap, true);
    for (let i = 0; i < Number((cap >> 40n) & 0xffn) + 1; i++) this.records.push({ low: 0n, high: 0n });
  }
  get iotlb() { return Number(((this.ecap >> 8n) & 0x3ffn) * 16n) + 8; }
  get faultRecords() { return Number(((this.cap >> 24n) & 0x3ffn) * 16n); }
  read(offset: number, size: number): bigint {
    if (offset === 0x34) {
      const first = this.records.findIndex((r) => r.high >> 63n);
      return BigInt((this.view.getUint32(0x34, true) & 1) | (first >= 0 ? 2 | (first << 8) : 0));
    }
    const record = offset - this.faultRecords;
    if (record >= 0 && record < this.records.length * 16) {
      const r = this.records[record >> 4];
      return (record & 8) ? r.high : r.low;
    }
    return size === 8 ? this.view.getBigUint64(offset, true) : BigInt(size === 4 ? this.view.getUint32(offset, true) : this.view.getUint8(offset));
  }
  write(offset: number, size: number, value: bigint): void {
    const record = offset - this.faultRecords;
    if (record >= 0 && record < this.records.length * 16) {
      if ((record & 8) && (value >> 63n)) this.records[record >> 4].high &= ~(1n << 63n);
      return;
    }
    if (offset === 0x18) {
      const command = Number(value);
      let status = this.view.getUint32(0x1c, true);
      if ((command & TE) !== (status & TE) && !this.hang.translation) { status ^= TE; this.events.push(command & TE ? "te-on" : "te-off"); }
      if ((command & SRTP) && !this.hang.rootPointer) { status |= SRTP; this.root = this.view.getBigUint64(0x20, true); this.events.push("srtp"); }
      if (command & WBF) this.events.push("wbf");
      status = (status & ~QIE) | (command & QIE);
      this.view.setUint32(0x1c, status >>> 0, true);
      return;
    }
    if (offset === 0x28 && (value >> 63n)) {
      const granularity = (value >> 61n) & 3n;
      this.events.push(`context:${granularity}`);
      this.view.setBigUint64(0x28, (value & ~(1n << 63n)) | (granularity << 59n), true);
      return;
    }
    if (offset === this.iotlb && (value >> 63n)) {
      const granularity = (value >> 60n) & 3n;
      this.events.push(`iotlb:${granularity}:${(value >> 32n) & 0xffffn}`);
      this.view.setBigUint64(offset, this.hang.iotlb ? value : (value & ~(1n << 63n)) | (granularity << 57n), true);
      return;
    }
    if (offset === 0x34) { this.view.setUint32(0x34, this.view.getUint32(0x34, true) & ~Number(value & 1n), true); return; }
    if (size === 8) this.view.setBigUint64(offset, value, true);
    else if (size === 4) this.view.setUint32(offset, Number(value), true);
  }
}

function peek64(machine: FakeMachine, address: bigint): bigint {
  let value = 0n;
  for (let i = 7; i >= 0; i--) {
    const at = address + BigInt(i);
    value = (value << 8n) | BigInt(machine.pages.get(at / 4096n)?.[Number(at % 4096n)] ?? 0);
  }
  return value;
}

/** A fresh kernel with 62 MiB of frames, a clock, and the unit (if any) at BASE. */
function machine(model?: FakeUnit) {
  const fake = new FakeMachine();
  if (model) fake.addMmio(BASE, 4096, model);
  const b = boot(fake);
  b.k.framesInit(64n * MiB, 0x100000n);
  b.k.framesRelease(2n * MiB, 64n * MiB);
  b.k.iommuClock(10_000_000n);
  b.k.registryReset();
  return b;
}

test("entry encodings follow the VT-d layouts", () => {
  const { k } = boot();
  assert.is(u(k.vtdRootEntry(0x123_4000n)), 0x123_4001n, "CTP | P");
  assert.is(u(k.vtdContextLow(0x55_6000n)), 0x55_6001n, "SLPTPTR | TT 00 | P");
  assert.is(u(k.vtdContextHigh(7, 3)), (7n << 8n) | 1n, "DID 7, AW 1 (39-bit)");
  assert.is(u(k.vtdContextHigh(0x1234, 4)), (0x1234n << 8n) | 2n, "AW 2 (48-bit)");
  assert.is(u(k.vtdTableEntry(0xabc_d000n)), 0xabc_d003n, "non-leaf: R | W");
  assert.is(u(k.vtdLeafEntry(0x7000n, false, 1)), 0x7001n | (1n << 52n), "read only, one share in the ignored bits");
  assert.is(u(k.vtdLeafEntry(0x7000n, true, 3)), 0x7003n | (3n << 52n));
  assert.is(k.vtdLeafCount(k.vtdLeafEntry(0x7000n, true, 1023)), 1023);
  assert.is(u(k.vtdLeafEntry(0xfff0_0000_1234_5fffn, true, 0)), 0x1234_5003n, "address bits 51:12 only");
  assert.is(u(k.vtdIndexAt(0x0000_8040_2010_0000n, 4)), 0x100n);
  assert.is(u(k.vtdIndexAt(0x0000_0040_2010_0000n, 3)), 0x100n);
  assert.is(u(k.vtdIndexAt(0x0000_0000_2010_0000n, 2)), 0x100n);
  assert.is(u(k.vtdIndexAt(0x0000_0000_0010_0000n, 1)), 0x100n);
});

test("capability fields: table depth from SAGAW, domains, register offsets", () => {
  const { k } = boot();
  assert.is(k.vtdLevelsFor(capability(39)), 3);
  assert.is(k.vtdLevelsFor(capability(48)), 4, "48-bit preferred when offered");
  assert.is(k.vtdLevelsFor(0x4n << 8n), 4);
  assert.is(k.vtdLevelsFor(0x8n << 8n), 0, "5-level only: refused");
  assert.is(k.vtdDomainCount(capability(39)), 65536);
  assert.is(k.vtdDomainCount(0n), 16);
  assert.is(k.vtdDomainCount(2n), 256);
  assert.is(u(k.vtdFaultRecordOffset(capability(39))), 0x220n);
  assert.is(k.vtdFaultRecordCount(capability(39)), 4);
  assert.is(u(k.vtdIotlbOffset(EXTENDED)), 0xf8n, "IVA at IRO × 16, IOTLB 8 past it");
  assert.is(u(k.vtdIotlbDomainCommand(5, 0n)), (1n << 63n) | (2n << 60n) | (5n << 32n));
});

test("a global command keeps the persistent bits and drops the one-shot ones", () => {
  const { k } = boot();
  const status = (TE | SRTP | WBF | QIE) >>> 0;
  assert.is(k.vtdGlobalCommand(status, SRTP, true) >>> 0, (TE | QIE | SRTP) >>> 0, "SRTP again, TE and QIE kept, WBF not repeated");
  assert.is(k.vtdGlobalCommand(status, TE, false) >>> 0, QIE >>> 0);
  assert.is(k.vtdGlobalCommand(0, TE, true) >>> 0, TE >>> 0);
});

test("fault record fields", () => {
  const { k } = boot();
  const high = (1n << 63n) | (0n << 62n) | (5n << 32n) | 0x0010n;
  assert.is(k.vtdFaultSource(high), 0x10);
  assert.is(k.vtdFaultReason(high), 5);
  assert.not.ok(k.vtdFaultIsRead(high));
  assert.ok(k.vtdFaultIsRead(high | (1n << 62n)));
});

test("second-level tables: map, share, unmap, across a 2 MiB boundary, 3 and 4 levels", () => {
  const { k } = machine();
  for (const levels of [3, 4]) {
    const root = k.vtdNewTable();
    const start = 0x1ff000n;                          // the last page of one leaf table, then two of the next
    assert.is(k.vtdMap(root, levels, start, start, 3n * 4096n, true), 3n);
    for (let p = 0n; p < 3n; p++) {
      const entry = u(k.vtdLeaf(root, levels, start + p * 4096n));
      assert.is(entry & 0x000f_ffff_ffff_f000n, start + p * 4096n, "identity");
      assert.is(entry & 3n, 3n, "R | W");
    }
    assert.is(k.vtdMap(root, levels, start + 4096n, start + 4096n, 10n, false), 0n, "a second share, nothing new");
    assert.is(k.vtdLeafCount(k.vtdLeaf(root, levels, start + 4096n)), 2);
    assert.is(k.vtdUnmap(root, levels, start, 3n * 4096n), 2n, "the shared page stays");
    assert.is(u(k.vtdLeaf(root, levels, start)), 0n);
    assert.is(k.vtdLeafCount(k.vtdLeaf(root, levels, start + 4096n)), 1);
    assert.is(k.vtdUnmap(root, levels, start + 4096n, 1n), 1n);
    assert.is(u(k.vtdLeaf(root, levels, start + 4096n)), 0n);
    assert.is(k.vtdMap(root, levels, 0x5000n, 0x5000n, 1n, false), 1n);
    assert.is(u(k.vtdLeaf(root, levels, 0x5000n)) & 3n, 1n, "read only");
    assert.is(k.vtdMap(root, levels, 0x5000n, 0x9000n, 1n, false), -BigInt(EXISTS), "another frame at a mapped page");
    assert.is(k.vtdMap(root, levels, 0x5000n, 0x9100n, 1n, false), -BigInt(INVALID), "offsets within the page differ");
    assert.is(k.vtdMap(root, levels, 0xffff_ffff_ffff_f000n, 0x1000n, 0x2000n, true), -BigInt(INVALID), "wraps");
  }
});

test("second-level tables: running out of frames half way maps nothing", () => {
  const fake = new FakeMachine();
  const { k } = boot(fake);
  k.framesInit(8n * MiB, 0x100000n);
  k.framesRelease(2n * MiB, 2n * MiB + 3n * 4096n);  // three frames: the root and two tables
  const root = k.vtdNewTable();
  const result = k.vtdMap(root, 3, 0x3ff000n, 0x3ff000n, 2n * 4096n, true);   // needs a second leaf table
  assert.is(result, -BigInt(EXHAUSTED));
  assert.is(u(k.vtdLeaf(root, 3, 0x3ff000n)), 0n, "the first page was taken back");
});

test("bring-up: root table, a context entry per function behind the unit, global invalidations, then translation", () => {
  const unit = new FakeUnit(capability(39));
  const { k, machine: fake } = machine(unit);
  const disk = k.registryAdd(0, 2, 0, 0x1af4, 0x1042, true);
  const outside = k.registryAdd(0, 3, 0, 0x1af4, 0x1044, false);
  const bridged = k.registryAdd(5, 0, 1, 0x8086, 0x1234, true);
  assert.is(k.iommuBringUp(BASE), OK);
  assert.ok(k.iommuEnabled());
  assert.is(k.iommuLevels(), 3);
  assert.equal(unit.events, ["srtp", "context:1", "iotlb:1:0", "te-on"]);
  assert.ok(fake.flushedBytes > 0n, "tables flushed for a walker that does not snoop (ECAP.C = 0)");

  const rootEntry = peek64(fake, unit.root);
  assert.is(rootEntry & 1n, 1n, "bus 0 present");
  const contextTable = rootEntry & ~0xfffn;
  const low = peek64(fake, contextTable + (2n << 3n) * 16n);
  const high = peek64(fake, contextTable + (2n << 3n) * 16n + 8n);
  assert.is(low & 0xfn, 1n, "present, TT 00");
  assert.is(high, (BigInt(disk + 1) << 8n) | 1n, "own domain, 39-bit");
  const pageTable = low & ~0xfffn;
  for (let i = 0n; i < 512n; i++) assert.is(peek64(fake, pageTable + i * 8n), 0n, "an empty domain");
  assert.is(peek64(fake, contextTable + (3n << 3n) * 16n), 0n, "00:03.0 is not behind the unit");
  const bus5 = peek64(fake, unit.root + 5n * 16n);
  assert.is(bus5 & 1n, 1n);
  assert.is(peek64(fake, (bus5 & ~0xfffn) + 1n * 16n + 8n), (BigInt(bridged + 1) << 8n) | 1n, "05:00.1");
  assert.ok(k.iommuTranslates(disk));
  assert.not.ok(k.iommuTranslates(outside));
});

test("dma.map / unmap: pages appear and go, the domain's IOTLB is invalidated, devices outside pass through", () => {
  const unit = new FakeUnit(capability(48));
  const { k } = machine(unit);
  const disk = k.registryAdd(0, 2, 0, 0x1af4, 0x1042, true);
  const outside = k.registryAdd(0, 3, 0, 0x1af4, 0x1044, false);
  assert.is(k.iommuBringUp(BASE), OK);
  assert.is(k.iommuLevels(), 4);
  const buffer = k.framesAlloc(2, 6);                // 16 KiB
  unit.events = [];
  assert.is(u(k.dmaMap(disk, buffer + 0x10n, 3n * 4096n, true)), buffer + 0x10n, "identity");
  assert.equal(unit.events, [], "no invalidation to map (caching mode off)");
  assert.is(k.dmaPagesMapped(disk), 4, "a buffer 16 bytes into its first page spans four");
  assert.is(u(k.iommuLeafFor(disk, buffer + 3n * 4096n)) & 3n, 3n);
  assert.is(k.dmaUnmap(disk, buffer + 0x10n, 3n * 4096n), OK);
  assert.is(k.dmaPagesMapped(disk), 0);
  assert.is(u(k.iommuLeafFor(disk, buffer)), 0n);
  assert.equal(unit.events, [`iotlb:2:${disk + 1}`], "domain-selective invalidation");
  assert.is(u(k.dmaMap(outside, buffer, 4096n, true)), buffer, "not behind the unit: untranslated");
  assert.is(k.dmaPagesMapped(outside), 0);
  assert.is(u(k.dmaMap(17, buffer, 4096n, true)), MAP_FAILED, "no such device");
  assert.is(u(k.dmaMap(disk, 1n << 48n, 4096n, true)), MAP_FAILED, "past the 48-bit width");
});

test("caching mode: mapping new pages invalidates the domain too", () => {
  const unit = new FakeUnit(capability(39, true));
  const { k } = machine(unit);
  const disk = k.registryAdd(0, 2, 0, 0x1af4, 0x1042, true);
  assert.is(k.iommuBringUp(BASE), OK);
  unit.events = [];
  const buffer = k.framesAlloc(0, 6);
  assert.is(u(k.dmaMap(disk, buffer, 4096n, false)), buffer);
  assert.equal(unit.events, [`iotlb:2:${disk + 1}`]);
});

test("write-buffer flushing when the unit requires it", () => {
  const unit = new FakeUnit(capability(39, false, true));
  const { k } = machine(unit);
  const disk = k.registryAdd(0, 2, 0, 0x1af4, 0x1042, true);
  assert.is(k.iommuBringUp(BASE), OK);
  assert.equal(unit.events, ["wbf", "srtp", "context:1", "iotlb:1:0", "te-on"]);
  unit.events = [];
  k.dmaMap(disk, k.framesAlloc(0, 6), 4096n, true);
  assert.equal(unit.events, ["wbf"]);
});

test("without a unit, or with one that misbehaves, translation stays off and DMA is identity", () => {
  const cases: [string, FakeUnit | undefined, number, RegExp][] = [
    ["no registers", undefined, NOT_FOUND, /refused: its registers read as absent/],
    ["no usable SAGAW", new FakeUnit(0x8n << 8n | (0x22n << 24n)), NOT_SUPPORTED, /refused: it offers neither 3-level/],
    ["translation never on", new FakeUnit(capability(39)), TIMEOUT, /refused: translation did not turn on/],
    ["root pointer never taken", new FakeUnit(capability(39)), TIMEOUT, /refused: it did not take the root table pointer/],
    ["IOTLB invalidation hangs", new FakeUnit(capability(39)), TIMEOUT, /refused: global IOTLB invalidation did not complete/],
  ];
  cases[2][1]!.hang.translation = true;
  cases[3][1]!.hang.rootPointer = true;
  cases[4][1]!.hang.iotlb = true;
  for (const [name, unit, status, message] of cases) {
    const { k, machine: fake } = machine(unit);
    const disk = k.registryAdd(0, 2, 0, 0x1af4, 0x1042, true);
    const free = k.framesFreeCount();
    assert.is(k.iommuBringUp(BASE), status, name);
    assert.match(fake.serial, message, name);
    assert.match(fake.serial, /warn .*DMA remapping left off/, name);
    assert.not.ok(k.iommuEnabled(), name);
    assert.is(k.framesFreeCount(), free, `${name}: its tables are freed`);
    assert.is(u(k.dmaMap(disk, 0x300000n, 4096n, true)), 0x300000n, `${name}: identity`);
    assert.is(k.dmaUnmap(disk, 0x300000n, 4096n), OK);
    assert.is(k.iommuPollFaults(), 0, name);
    if (unit) assert.not.ok(unit.events.includes("te-on"), name);
  }
  const { k } = machine();
  assert.is(k.iommuBringUp(0xfed90800n), NOT_SUPPORTED, "an unaligned base");
  assert.is(k.iommuBringUp(1n << 40n), NOT_SUPPORTED, "a base outside the direct map");
});

test("faults: read from the recording registers from FSTS.FRI on, logged, cleared", () => {
  const unit = new FakeUnit(capability(39));
  const { k, machine: fake } = machine(unit);
  k.registryAdd(0, 2, 0, 0x1af4, 0x1042, true);
  assert.is(k.iommuBringUp(BASE), OK);
  assert.is(k.iommuPollFaults(), 0);
  unit.records[1] = { low: 0xffc1000n, high: (1n << 63n) | (5n << 32n) | 0x10n };        // a write
  unit.records[2] = { low: 0x2000n, high: (1n << 63n) | (1n << 62n) | (6n << 32n) | 0x18n }; // a read
  assert.is(k.iommuPollFaults(), 2);
  assert.is(k.iommuFaultCount(), 2);
  assert.is(k.iommuLastFaultSource(), 0x18);
  assert.is(u(k.iommuLastFaultAddress()), 0x2000n);
  assert.is(k.iommuLastFaultReason(), 6);
  assert.ok(k.iommuLastFaultWasRead());
  assert.ok(unit.records.every((r) => !(r.high >> 63n)), "F cleared in every record");
  assert.match(fake.serial, /warn .*iommu: blocked DMA write by 00:02\.0 at 0xffc1000: reason 5/);
  assert.match(fake.serial, /warn .*iommu: blocked DMA read by 00:03\.0 at 0x2000: reason 6/);
  assert.is(k.iommuPollFaults(), 0, "nothing pending any more");
});

test("DMAR scopes: QEMU's unit lists its endpoints; a listed function is behind it, another is not", () => {
  const INDEX = JSON.parse(readFileSync(join("test", "host", "fixtures", "acpi", "acpi.json"), "utf8"))["q35-iommu"];
  const fake = new FakeMachine();
  for (const r of INDEX.regions) fake.addPhysical(r.address, readFileSync(join("test", "host", "fixtures", "acpi", r.file)));
  const { k } = boot(fake);
  k.acpiInit(BigInt(INDEX.rsdp));
  k.registryReset();
  const listed = k.registryAdd(0, 0x1f, 2, 0x8086, 0x2922, true);
  const unlisted = k.registryAdd(0, 5, 0, 0x1af4, 0x1042, true);
  assert.ok(k.iommuCovers(0, listed), "00:1f.2 is in the DMAR");
  assert.not.ok(k.iommuCovers(0, unlisted), "00:05.0 is not");
});

test.run();
