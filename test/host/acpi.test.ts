// ACPI tables: the parsers against tables QEMU 7.2 gave the guest (q35, pc, q35 with
// an Intel IOMMU, q35 under OVMF; recorded by tools/record-acpi.ts), and against
// corrupted or hand-built copies, which must give a log line and never throw.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { boot, FakeMachine } from "./fakehal.ts";
import { rsdpV1 } from "./blobs.ts";

const OK = 0, MALFORMED = 2, TRUNCATED = 3, NOT_FOUND = 4, EXHAUSTED = 5, NOT_SUPPORTED = 6;
const REJECT_NONE = 0, REJECT_UNMAPPED = 2, REJECT_BAD_SIGNATURE = 3, REJECT_TOO_LONG = 6, REJECT_CHECKSUM = 7;
const ACTIVE_HIGH = 1, ACTIVE_LOW = 3, EDGE = 1, LEVEL = 3;
const PM1A_EVENT = 0, PM1A_CONTROL = 2, PM_TIMER = 5, GPE0 = 6, RESET = 8;
const SPACE_MEMORY = 0, SPACE_IO = 1;

const FIXTURES = join("test", "host", "fixtures", "acpi");
const INDEX = JSON.parse(readFileSync(join(FIXTURES, "acpi.json"), "utf8"));
const sig = (text: string) => Buffer.from(text, "latin1").readUInt32LE(0);
const text = (signature: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(signature >>> 0); return b.toString("latin1"); };

interface Region { signature: string; address: number; bytes: Buffer }
type Tables = Record<string, Region>;

/** Sets an SDT's checksum byte so the whole table sums to zero. */
function fix(table: Buffer): Buffer {
  table[9] = 0;
  table[9] = (0x100 - table.reduce((s, b) => (s + b) & 0xff, 0)) & 0xff;
  return table;
}

/** A recorded machine's regions put back at their addresses, after `patch` edits them. */
function recorded(name: string, patch?: (t: Tables) => void) {
  const tables: Tables = {};
  for (const r of INDEX[name].regions) tables[r.signature] = { signature: r.signature, address: r.address, bytes: Buffer.from(readFileSync(join(FIXTURES, r.file))) };
  patch?.(tables);
  const machine = new FakeMachine();
  for (const r of Object.values(tables)) machine.addPhysical(r.address, r.bytes);
  return { ...boot(machine), rsdp: BigInt(INDEX[name].rsdp) };
}

function sdt(signature: string, body: Buffer, revision = 1): Buffer {
  const table = Buffer.alloc(36 + body.length);
  table.write(signature, 0, "latin1");
  table.writeUInt32LE(table.length, 4);
  table[8] = revision;
  table.write("AIOSFK", 10, "latin1");
  body.copy(table, 36);
  return fix(table);
}

const SYNTHETIC_RSDP = 0xe0000, SYNTHETIC_RSDT = 0x100000, SYNTHETIC_BASE = 0x200000;

/** A machine whose RSDT lists `tables` (hand-built or raw addresses). */
function synthetic(tables: (Buffer | number)[]) {
  const machine = new FakeMachine();
  const addresses = tables.map((t, i) => typeof t === "number" ? t : SYNTHETIC_BASE + i * 0x10000);
  tables.forEach((t, i) => { if (typeof t !== "number") machine.addPhysical(addresses[i], t); });
  const body = Buffer.alloc(addresses.length * 4);
  addresses.forEach((a, i) => body.writeUInt32LE(a >>> 0, i * 4));
  machine.addPhysical(SYNTHETIC_RSDT, sdt("RSDT", body));
  machine.addPhysical(SYNTHETIC_RSDP, rsdpV1(SYNTHETIC_RSDT));
  return { ...boot(machine), rsdp: BigInt(SYNTHETIC_RSDP) };
}

/** A MADT with the usual header fields and the given raw entries. */
function madtOf(entries: Buffer[], localApic = 0xfee00000): Buffer {
  const fixed = Buffer.alloc(8);
  fixed.writeUInt32LE(localApic, 0);
  fixed.writeUInt32LE(1, 4);
  return sdt("APIC", Buffer.concat([fixed, ...entries]), 4);
}
const localApicEntry = (uid: number, apic: number, flags = 1) => Buffer.from([0, 8, uid, apic, flags, 0, 0, 0]);

function signatures(k: any): string[] {
  return Array.from({ length: k.acpiTableCount() }, (_, i) => text(k.acpiTableSignature(i)));
}

function assertQemuMadt(k: any) {
  assert.is(k.acpiCpuCount(), 4, "-smp 4");
  for (let i = 0; i < 4; i++) {
    assert.is(k.acpiCpuApicId(i), i);
    assert.is(k.acpiCpuUid(i), i);
    assert.ok(k.acpiCpuEnabled(i));
  }
  assert.is(k.acpiLocalApic(), 0xfee00000n);
  assert.ok(k.acpiPcatCompatible());
  assert.is(k.acpiIoApicCount(), 1);
  assert.is(k.acpiIoApicId(0), 0);
  assert.is(k.acpiIoApicAddress(0), 0xfec00000n);
  assert.is(k.acpiIoApicGsiBase(0), 0);
  assert.is(k.acpiOverrideCount(), 5);
  assert.is(k.acpiIsaGsi(0), 2, "the PIT's IRQ 0 arrives on GSI 2");
  assert.is(k.acpiIsaPolarity(0), ACTIVE_HIGH);
  assert.is(k.acpiIsaTrigger(0), EDGE);
  assert.is(k.acpiIsaGsi(1), 1, "no override: identity");
  assert.is(k.acpiOverrideFor(1), -1);
  for (const irq of [5, 9, 10, 11]) {
    assert.is(k.acpiIsaGsi(irq), irq);
    assert.is(k.acpiIsaFlags(irq), 0xd, `IRQ ${irq}: PCI, level, active high`);
    assert.is(k.acpiIsaTrigger(irq), LEVEL);
  }
  assert.is(k.acpiLocalNmiCount(), 1);
  assert.is(k.acpiLocalNmiProcessor(0) >>> 0, 0xffffffff, "every processor");
  assert.is(k.acpiLocalNmiPin(0), 1, "LINT1");
}

test("q35 (SeaBIOS): RSDT, MADT, FADT, HPET, MCFG, DSDT", () => {
  const { k, machine, rsdp } = recorded("q35");
  assert.is(k.acpiInit(rsdp), OK);
  assert.is(text(k.acpiRootKind()), "RSDT", "SeaBIOS gives an ACPI 1.0 RSDP: no XSDT");
  assert.is(k.acpiRoot(), 0x7fe23f8n);
  assert.equal(signatures(k), ["FACP", "APIC", "HPET", "MCFG", "WAET", "DSDT"]);
  assert.is(k.acpiRejected(), 0);
  assert.is(k.acpiFind(sig("APIC"), 0), 0x7fe22ccn);
  assert.is(k.acpiFind(sig("APIC"), 1), 0n, "no second MADT");
  assert.is(k.acpiFind(sig("SSDT"), 0), 0n);
  assertQemuMadt(k);
  assert.is(k.acpiFadtRevision(), 3);
  assert.is(k.acpiSci(), 9);
  assert.is(k.acpiSmiCommand(), 0xb2);
  assert.is(k.acpiEnableValue(), 2);
  assert.is(k.acpiDisableValue(), 3);
  assert.is(k.acpiRegisterAddress(PM1A_EVENT), 0x600n);
  assert.is(k.acpiRegisterSpace(PM1A_EVENT), SPACE_IO);
  assert.is(k.acpiRegisterWidth(PM1A_EVENT), 32);
  assert.is(k.acpiRegisterAddress(PM1A_CONTROL), 0x604n);
  assert.is(k.acpiRegisterWidth(PM1A_CONTROL), 16);
  assert.is(k.acpiRegisterAddress(PM_TIMER), 0x608n);
  assert.is(k.acpiRegisterAddress(GPE0), 0x620n);
  assert.is(k.acpiRegisterWidth(GPE0), 128);
  assert.is(k.acpiPm1EventLength(), 4);
  assert.is(k.acpiPm1ControlLength(), 2);
  assert.is(k.acpiPmTimerLength(), 4);
  assert.ok(k.acpiResetSupported());
  assert.is(k.acpiRegisterSpace(RESET), SPACE_IO);
  assert.is(k.acpiRegisterAddress(RESET), 0xcf9n);
  assert.is(k.acpiResetValue(), 0xf);
  assert.is(k.acpiDsdt(), 0x7fe0040n);
  assert.is(k.acpiFacs(), 0x7fe0000n, "X_FIRMWARE_CTRL is 0: the 32-bit field");
  assert.ok(k.acpiHas8042());
  assert.not.ok(k.acpiHasLegacyDevices());
  assert.not.ok(k.acpiPowerButtonControlMethod(), "fixed-feature power button");
  assert.not.ok(k.acpiHardwareReduced());
  assert.is(k.acpiHpetBase(), 0xfed00000n);
  assert.is(k.acpiHpetBlockId() >>> 0, 0x8086a201);
  assert.is(k.acpiHpetComparators(), 3);
  assert.is(k.acpiHpetVendor(), 0x8086);
  assert.ok(k.acpiHpetLegacyCapable());
  assert.is(k.acpiHpetNumber(), 0);
  assert.is(k.acpiMcfgCount(), 1);
  assert.is(k.acpiMcfgBase(0), 0xb0000000n);
  assert.is(k.acpiMcfgSegment(0), 0);
  assert.is(k.acpiMcfgStartBus(0), 0);
  assert.is(k.acpiMcfgEndBus(0), 255);
  assert.not.ok(k.acpiDmarPresent());
  assert.is(k.acpiDmarUnitCount(), 0);
  assert.not.match(machine.serial, /warn/);
  k.acpiReport();
  assert.match(machine.serial, /acpi: RSDT at 0x7fe23f8, tables: FACP APIC HPET MCFG WAET DSDT/);
  assert.match(machine.serial, /cpus=4\/4 ioapics=1 lapic=0xfee00000/);
});

test("pc (i440fx): no MCFG, an ACPI 1.0 FADT without reset register", () => {
  const { k, machine, rsdp } = recorded("pc");
  assert.is(k.acpiInit(rsdp), OK);
  assert.equal(signatures(k), ["FACP", "APIC", "HPET", "WAET", "DSDT"]);
  assertQemuMadt(k);
  assert.is(k.acpiFind(sig("MCFG"), 0), 0n);
  assert.is(k.acpiMcfgParse(), NOT_FOUND);
  assert.is(k.acpiMcfgCount(), 0);
  assert.is(k.acpiMcfgBase(0), 0n);
  assert.is(k.acpiFadtParse(), OK, "116 bytes is a whole revision-1 FADT");
  assert.is(k.acpiFadtRevision(), 1);
  assert.is(k.acpiSci(), 9);
  assert.is(k.acpiEnableValue(), 0xf1);
  assert.is(k.acpiRegisterAddress(PM_TIMER), 0x608n, "from the 32-bit port field");
  assert.is(k.acpiRegisterSpace(PM_TIMER), SPACE_IO);
  assert.is(k.acpiRegisterWidth(PM_TIMER), 32);
  assert.is(k.acpiRegisterAddress(GPE0), 0xafe0n);
  assert.not.ok(k.acpiResetSupported(), "the reset register lies past a 116-byte FADT");
  assert.is(k.acpiRegisterAddress(RESET), 0n);
  assert.is(k.acpiDsdt(), 0x7fe0040n);
  assert.is(k.acpiHpetBase(), 0xfed00000n);
  assert.not.match(machine.serial, /warn/);
});

test("q35 with intel-iommu: the DMAR's remapping unit", () => {
  const { k, rsdp } = recorded("q35-iommu");
  assert.is(k.acpiInit(rsdp), OK);
  assert.ok(signatures(k).includes("DMAR"));
  assert.is(k.acpiDmarParse(), OK);
  assert.is(k.acpiDmarWidth(), 39);
  assert.is(k.acpiDmarFlags(), 1, "INTR_REMAP (intremap=on)");
  assert.is(k.acpiDmarStructures(), 1);
  assert.is(k.acpiDmarUnitCount(), 1);
  assert.is(k.acpiDmarUnitBase(0), 0xfed90000n);
  assert.is(k.acpiDmarUnitSegment(0), 0);
  assert.not.ok(k.acpiDmarUnitIncludesAll(0), "QEMU 7.2 lists the devices instead");
  assert.is(k.acpiDmarUnitScopes(0), 7, "the I/O APIC and six PCI endpoints");
  assert.is(k.acpiDmarScopeCount(), 7);
  assert.is(k.acpiDmarScopeType(0), 3, "I/O APIC");
  assert.is(k.acpiDmarScopeStartBus(0), 0xff);
  const endpoints = [[0, 0], [1, 0], [2, 0], [0x1f, 0], [0x1f, 2], [0x1f, 3]];
  endpoints.forEach(([device, fn], n) => {
    assert.is(k.acpiDmarScopeUnit(n + 1), 0);
    assert.is(k.acpiDmarScopeType(n + 1), 1, "PCI endpoint");
    assert.is(k.acpiDmarScopeStartBus(n + 1), 0);
    assert.is(k.acpiDmarScopeHops(n + 1), 1);
    assert.is(k.acpiDmarScopeHopDevice(n + 1, 0), device);
    assert.is(k.acpiDmarScopeHopFunction(n + 1, 0), fn);
  });
  assertQemuMadt(k);
});

test("q35 under OVMF: the XSDT is preferred to the RSDT", () => {
  const { k, machine, rsdp } = recorded("q35-uefi");
  assert.is(k.acpiInit(rsdp), OK);
  assert.is(text(k.acpiRootKind()), "XSDT");
  assert.is(k.acpiRoot(), 0x7b7d0e8n);
  assert.equal(signatures(k), ["FACP", "APIC", "HPET", "MCFG", "WAET", "BGRT", "DSDT"]);
  assert.is(k.acpiDsdt(), 0x7b7a000n, "X_DSDT");
  assertQemuMadt(k);
  assert.not.match(machine.serial, /warn/);
});

test("a corrupted XSDT: the RSDT is used instead", () => {
  const { k, machine, rsdp } = recorded("q35-uefi", (t) => { t.XSDT.bytes[40] ^= 0xff; });
  assert.is(k.acpiInit(rsdp), OK);
  assert.is(text(k.acpiRootKind()), "RSDT");
  assert.match(machine.serial, /warn.*acpi: root table XSDT at 0x7b7d0e8 rejected: checksum does not sum to zero/);
  assert.match(machine.serial, /falling back to the RSDT/);
  assert.is(k.acpiCpuCount(), 4);
});

test("an RSDT pointing at garbage: no tables, everything absent, a log line", () => {
  const { k, machine } = recorded("q35");
  const rsdp = rsdpV1(0x300000);   // zeros there
  machine.addPhysical(0xe0000, rsdp);
  assert.is(k.acpiInit(0xe0000n), MALFORMED);
  assert.match(machine.serial, /root table RSDT at 0x300000 rejected: signature is not printable ASCII/);
  assert.match(machine.serial, /no valid RSDT or XSDT; no ACPI tables/);
  assert.is(k.acpiTableCount(), 0);
  assert.is(k.acpiCpuCount(), 0);
  assert.is(k.acpiHpetBase(), 0n);
  assert.not.ok(k.acpiFadtPresent());
  assert.is(k.acpiIsaGsi(0), 0, "no MADT: identity");
  assert.is(k.acpiInit(0n), NOT_FOUND);
  assert.match(machine.serial, /no valid RSDP/);
});

test("a table with a bad checksum is rejected, the others are parsed", () => {
  const { k, machine, rsdp } = recorded("q35", (t) => { t.HPET.bytes[44] ^= 1; });
  assert.is(k.acpiInit(rsdp), OK);
  assert.match(machine.serial, /warn.*acpi: table HPET at 0x7fe235c rejected: checksum does not sum to zero/);
  assert.is(k.acpiRejected(), 1);
  assert.equal(signatures(k), ["FACP", "APIC", "MCFG", "WAET", "DSDT"]);
  assert.is(k.acpiHpetParse(), NOT_FOUND);
  assert.not.ok(k.acpiHpetPresent());
  assert.is(k.acpiHpetBase(), 0n);
  assert.is(k.acpiCpuCount(), 4);
  assert.is(k.acpiMcfgCount(), 1);
});

test("RSDT entries at garbage, beyond the mapping, or absurdly long are rejected", () => {
  const huge = sdt("SSDT", Buffer.alloc(0));
  huge.writeUInt32LE(2 << 20, 4);
  const { k, machine, rsdp } = synthetic([madtOf([localApicEntry(0, 0)]), 0x400000, 0x1_0000_0000 - 16, huge, 0]);
  assert.is(k.acpiInit(rsdp), OK);
  assert.equal(signatures(k), ["APIC"]);
  assert.is(k.acpiRejected(), 4);
  assert.match(machine.serial, /table \?\?\?\? at 0x400000 rejected: signature is not printable ASCII/);
  assert.match(machine.serial, /at 0xfffffff0 rejected: outside mapped physical memory/);
  assert.match(machine.serial, /table SSDT at 0x230000 rejected: length above the 1 MiB sanity limit/);
  assert.match(machine.serial, /table \?\?\?\? at 0x0 rejected: null address/);
  assert.is(k.acpiCheckHeader(BigInt(SYNTHETIC_BASE), sig("APIC")), REJECT_NONE);
  assert.is(k.acpiCheckHeader(0x400000n, 0), REJECT_BAD_SIGNATURE);
  assert.is(k.acpiCheckHeader(0x2_0000_0000n, 0), REJECT_UNMAPPED);
  assert.is(k.acpiCheckHeader(0x230000n, 0), REJECT_TOO_LONG);
});

test("MADT: an entry of length 0 stops the walk, earlier entries kept", () => {
  const { k, machine, rsdp } = recorded("q35", (t) => { t.APIC.bytes[44 + 8 * 2 + 1] = 0; fix(t.APIC.bytes); });
  assert.is(k.acpiInit(rsdp), OK);
  assert.is(k.acpiMadtParse(), MALFORMED);
  assert.match(machine.serial, /MADT entry shorter than its header, stopping \(entry type 0 at offset 60, length 0\)/);
  assert.is(k.acpiCpuCount(), 2);
  assert.is(k.acpiIoApicCount(), 0);
});

test("MADT: an entry running past the table stops the walk", () => {
  const { k, machine, rsdp } = recorded("q35", (t) => { t.APIC.bytes[138 + 1] = 40; fix(t.APIC.bytes); });
  assert.is(k.acpiInit(rsdp), OK);
  assert.is(k.acpiMadtParse(), TRUNCATED);
  assert.match(machine.serial, /entry runs past the end of the table, stopping \(entry type 4 at offset 138, length 40\)/);
  assert.is(k.acpiCpuCount(), 4);
  assert.is(k.acpiOverrideCount(), 5);
  assert.is(k.acpiLocalNmiCount(), 0);
});

test("MADT: more processors than the buffer keeps the first 256", () => {
  const entries = Array.from({ length: 300 }, (_, i) => localApicEntry(i & 0xff, i & 0xff));
  const { k, machine, rsdp } = synthetic([madtOf(entries)]);
  assert.is(k.acpiInit(rsdp), OK);
  assert.is(k.acpiMadtParse(), EXHAUSTED);
  assert.is(k.acpiCpuCount(), 256);
  assert.is(k.acpiCpusListed(), 300);
  assert.is(k.acpiCpuApicId(255), 255);
  assert.is(k.acpiCpuApicId(256), 0, "past the buffer reads as nothing");
  assert.match(machine.serial, /MADT lists 300 processors; keeping the first 256/);
});

test("MADT: x2APIC processors, the 64-bit local APIC address, short and unknown entries", () => {
  const x2apic = Buffer.alloc(16);
  x2apic.writeUInt16LE(0x1009, 0);                    // type 9, length 16
  x2apic.writeUInt32LE(300, 4);
  x2apic.writeUInt32LE(2, 8);                         // online capable, not enabled
  x2apic.writeUInt32LE(77, 12);
  const addressOverride = Buffer.alloc(12);
  addressOverride.writeUInt16LE(0x0c05, 0);
  addressOverride.writeBigUInt64LE(0x1_fee0_0000n, 4);
  const x2nmi = Buffer.from([10, 12, 5, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0]);
  const nmiSource = Buffer.from([3, 8, 0xd, 0, 23, 0, 0, 0]);
  const unknown = Buffer.from([0x7f, 4, 0, 0]);
  const short = Buffer.from([1, 6, 0, 0, 0, 0]);       // an I/O APIC needs 12 bytes
  const { k, machine, rsdp } = synthetic([madtOf([localApicEntry(0, 0), unknown, x2apic, short, addressOverride, x2nmi, nmiSource])]);
  assert.is(k.acpiInit(rsdp), OK);
  assert.is(k.acpiMadtParse(), OK);
  assert.is(k.acpiLocalApic(), 0x1_fee0_0000n);
  assert.is(k.acpiCpuCount(), 2);
  assert.is(k.acpiCpuApicId(1), 300);
  assert.is(k.acpiCpuUid(1), 77);
  assert.ok(k.acpiCpuIsX2Apic(1));
  assert.not.ok(k.acpiCpuEnabled(1));
  assert.ok(k.acpiCpuOnlineCapable(1));
  assert.is(k.acpiCpusEnabled(), 1);
  assert.is(k.acpiIoApicCount(), 0);
  assert.match(machine.serial, /entry too short for its type, skipped \(entry type 1/);
  assert.is(k.acpiLocalNmiProcessor(0) >>> 0, 0xffffffff);
  assert.is(k.acpiLocalNmiPin(0), 1);
  assert.is(k.acpiNmiSourceCount(), 1);
  assert.is(k.acpiNmiSourceGsi(0), 23);
  assert.is(k.acpiPolarityOf(0xf), ACTIVE_LOW);
  assert.is(k.acpiTriggerOf(0xf), LEVEL);
});

test("FADT shorter than ACPI 1.0: a warning, fields inside its length still read", () => {
  const { k, machine, rsdp } = recorded("q35", (t) => {
    t.FACP.bytes.writeUInt32LE(100, 4);
    fix(t.FACP.bytes.subarray(0, 100));
  });
  assert.is(k.acpiInit(rsdp), OK);
  assert.is(k.acpiFadtParse(), TRUNCATED);
  assert.match(machine.serial, /FADT is 100 bytes, shorter than the ACPI 1.0 layout/);
  assert.is(k.acpiSci(), 9);
  assert.is(k.acpiRegisterAddress(PM_TIMER), 0x608n, "the 32-bit field (the X_ one is past the end)");
  assert.is(k.acpiFadtFlags(), 0);
  assert.not.ok(k.acpiResetSupported());
  assert.is(k.acpiDsdt(), 0x7fe0040n);
});

test("a missing HPET and a hand-built HPET outside memory space", () => {
  const { k, machine, rsdp } = synthetic([madtOf([localApicEntry(0, 0)])]);
  assert.is(k.acpiInit(rsdp), OK);
  assert.is(k.acpiHpetParse(), NOT_FOUND);
  assert.is(k.acpiHpetBase(), 0n);
  assert.is(k.acpiHpetComparators(), 0);
  assert.is(k.acpiFadtParse(), NOT_FOUND);
  assert.is(k.acpiSci(), 0);
  assert.is(k.acpiDmarParse(), NOT_FOUND);
  assert.not.match(machine.serial, /warn/, "absence is not a warning");
  const body = Buffer.alloc(20);
  body[4] = SPACE_IO;
  const io = synthetic([sdt("HPET", body)]);
  assert.is(io.k.acpiInit(io.rsdp), OK);
  assert.is(io.k.acpiHpetParse(), NOT_SUPPORTED);
  assert.is(io.k.acpiHpetBase(), 0n);
  assert.match(io.machine.serial, /HPET registers in address space io, not memory/);
});

test("MCFG: 17 allocations keep 16; a reversed bus range is skipped", () => {
  const allocations = Array.from({ length: 18 }, (_, i) => {
    const a = Buffer.alloc(16);
    a.writeBigUInt64LE(0xe0000000n + BigInt(i) * 0x1000_0000n, 0);
    a.writeUInt16LE(i, 8);
    a[10] = i === 3 ? 9 : 0;
    a[11] = i === 3 ? 1 : 255;
    return a;
  });
  const { k, machine, rsdp } = synthetic([sdt("MCFG", Buffer.concat([Buffer.alloc(8), ...allocations]))]);
  assert.is(k.acpiInit(rsdp), OK);
  assert.is(k.acpiMcfgParse(), EXHAUSTED);
  assert.is(k.acpiMcfgCount(), 16);
  assert.is(k.acpiMcfgSegment(3), 4, "allocation 3 skipped");
  assert.match(machine.serial, /MCFG allocation 3 ends before it starts; skipped/);
  assert.match(machine.serial, /MCFG allocation 17 is past the 16 kept; dropped/);
});

test("DMAR: INCLUDE_PCI_ALL, and a structure of length 0 stops the walk", () => {
  const unit = Buffer.alloc(16);
  unit.writeUInt16LE(0, 0);
  unit.writeUInt16LE(16, 2);
  unit[4] = 1;
  unit.writeUInt16LE(1, 6);
  unit.writeBigUInt64LE(0xfed91000n, 8);
  const fixed = Buffer.alloc(12);
  fixed[0] = 45;
  const { k, machine, rsdp } = synthetic([sdt("DMAR", Buffer.concat([fixed, unit, Buffer.alloc(4)]))]);
  assert.is(k.acpiInit(rsdp), OK);
  assert.is(k.acpiDmarParse(), MALFORMED);
  assert.match(machine.serial, /DMAR structure shorter than its header, stopping/);
  assert.is(k.acpiDmarWidth(), 46);
  assert.is(k.acpiDmarUnitCount(), 1);
  assert.ok(k.acpiDmarUnitIncludesAll(0));
  assert.is(k.acpiDmarUnitSegment(0), 1);
  assert.is(k.acpiDmarUnitBase(0), 0xfed91000n);
});

test("random corruption of recorded tables (checksums fixed) never throws", () => {
  let seed = 0x2545f491;
  const random = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
  for (let round = 0; round < 300; round++) {
    const signature = ["APIC", "FACP", "DMAR", "MCFG", "HPET"][round % 5];
    const { k, rsdp } = recorded("q35-iommu", (t) => {
      const bytes = t[signature].bytes;
      for (let n = 0; n < 1 + random(4); n++) bytes[36 + random(bytes.length - 36)] = random(256);
      if (random(4) === 0) bytes.writeUInt32LE(36 + random(bytes.length), 4);
      fix(bytes.subarray(0, Math.min(bytes.readUInt32LE(4), bytes.length)));
    });
    k.acpiInit(rsdp);
    k.acpiReport();
  }
});

test.run();
