// AHCI structures against AHCI 1.3.1 §4.2 and the FIS layout of SATA 3.x §10.5.5:
// command header, PRDT (4 MiB an entry, byte count - 1), the H2D register FIS of
// READ/WRITE DMA EXT and of the NCQ FPDMA QUEUED commands; and the IDENTIFY
// DEVICE words the driver decodes (ACS-3 §7.12.7).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot, DIRECT_MAP_BASE, FakeMachine } from "./fakehal.ts";

const MiB = 1n << 20n;
const TO_DEVICE = 2;
const v = (physical: bigint) => DIRECT_MAP_BASE + physical;

function bytesAt(machine: FakeMachine, physical: bigint, length: number): number[] {
  const out: number[] = [];
  for (let i = 0n; i < BigInt(length); i++) {
    const at = physical + i;
    out.push(machine.pages.get(at / 4096n)?.[Number(at % 4096n)] ?? 0);
  }
  return out;
}
const dword = (b: number[], i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

test("command header: FIS length in dwords, write bit, PRDT length, 64-bit table address; the rest zeroed", () => {
  const { k, machine } = boot();
  machine.addPhysical(0x10000, new Uint8Array(32).fill(0xff));
  k.ahciWriteHeader(v(0x10000n), 20, TO_DEVICE, 3, 0x1_2345_6780n);
  const b = bytesAt(machine, 0x10000n, 32);
  assert.is(dword(b, 0), 0x0003_0045, "CFL 5 | W | PRDTL 3");
  assert.is(dword(b, 4), 0, "PRDBC starts at 0");
  assert.is(dword(b, 8), 0x2345_6780);
  assert.is(dword(b, 12), 1);
  assert.equal(b.slice(16), new Array(16).fill(0));
  k.ahciWriteHeader(v(0x10000n), 20, 1, 1, 0x2000n);
  assert.is(dword(bytesAt(machine, 0x10000n, 4), 0), 0x0001_0005, "a read has no W bit");
});

test("PRDT: entries of at most 4 MiB, byte count - 1 (odd), addresses split low/high", () => {
  const { k, machine } = boot();
  assert.is(k.ahciFillPrdt(v(0x20000n), 0x1_1000_0000n, 9n * MiB), 3);
  const b = bytesAt(machine, 0x20000n + 0x80n, 48);
  assert.equal([dword(b, 0), dword(b, 4), dword(b, 8), dword(b, 12)], [0x1000_0000, 1, 0, 0x3f_ffff]);
  assert.equal([dword(b, 16), dword(b, 20), dword(b, 28)], [0x1040_0000, 1, 0x3f_ffff]);
  assert.equal([dword(b, 32), dword(b, 36), dword(b, 44)], [0x1080_0000, 1, 0x0f_ffff]);
  assert.is(k.ahciFillPrdt(v(0x20000n), 0x10_0000n, 512n), 1);
  assert.is(dword(bytesAt(machine, 0x20000n + 0x8cn, 4), 0), 511);
  assert.is(k.ahciFillPrdt(v(0x20000n), 0x10_0000n, 32n * MiB), 8, "eight entries: the most a table holds");
  assert.is(k.ahciFillPrdt(v(0x20000n), 0x10_0000n, 32n * MiB + 512n), -1, "more than eight entries");
  assert.is(k.ahciFillPrdt(v(0x20000n), 0x10_0001n, 512n), -1, "odd address");
  assert.is(k.ahciFillPrdt(v(0x20000n), 0x10_0000n, 511n), -1, "odd length");
  assert.is(k.ahciFillPrdt(v(0x20000n), 0x10_0000n, 0n), -1, "nothing to describe");
});

test("READ DMA EXT: type 27h, C bit, 48-bit LBA around the device byte, 65536 sectors as count 0", () => {
  const { k, machine } = boot();
  machine.addPhysical(0x30000, new Uint8Array(20).fill(0xee));
  k.ahciWriteDmaFis(v(0x30000n), 0x25, 0x1234_5678_9abcn, 65536n);
  assert.equal(bytesAt(machine, 0x30000n, 20),
    [0x27, 0x80, 0x25, 0x00, 0xbc, 0x9a, 0x78, 0x40, 0x56, 0x34, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0]);
  k.ahciWriteDmaFis(v(0x30000n), 0x35, 2048n, 256n);
  assert.equal(bytesAt(machine, 0x30000n, 14), [0x27, 0x80, 0x35, 0, 0x00, 0x08, 0, 0x40, 0, 0, 0, 0, 0x00, 0x01]);
});

test("WRITE FPDMA QUEUED: sector count in the features field, tag in count bits 7:3", () => {
  const { k, machine } = boot();
  k.ahciWriteQueuedFis(v(0x30000n), 0x61, 0x10_0000n, 256n, 31);
  assert.equal(bytesAt(machine, 0x30000n, 16),
    [0x27, 0x80, 0x61, 0x00, 0x00, 0x00, 0x10, 0x40, 0, 0, 0, 0x01, 0xf8, 0x00, 0, 0]);
  k.ahciWriteSimpleFis(v(0x30000n), 0xea);
  assert.equal(bytesAt(machine, 0x30000n, 20), [0x27, 0x80, 0xea, ...new Array(17).fill(0)], "FLUSH CACHE EXT: no address, no count");
});

/** An IDENTIFY DEVICE page: words given as [index, value]; the model in words 27..46. */
function identify(words: [number, number][], model = "QEMU HARDDISK"): Uint8Array {
  const page = new Uint8Array(512);
  const padded = model.padEnd(40, " ");
  for (let i = 0; i < 40; i += 2) {                 // first character in the high byte
    page[(27 + i / 2) * 2] = padded.charCodeAt(i + 1);
    page[(27 + i / 2) * 2 + 1] = padded.charCodeAt(i);
  }
  for (const [index, value] of words) { page[index * 2] = value & 0xff; page[index * 2 + 1] = value >> 8; }
  return page;
}

test("IDENTIFY: 48-bit sector count, NCQ depth, model in reading order without padding", () => {
  const { k, machine, text } = boot();
  machine.addPhysical(0x40000, identify([[60, 0xffff], [61, 0x0fff], [83, 0x4400], [100, 0x0000], [101, 0x0001], [102, 0x0002], [75, 31], [76, 0x0100], [106, 0x4000]]));
  assert.is(k.ahciIdentifyLba48(v(0x40000n)), 1);
  assert.is(k.ahciIdentifyFlushExt(v(0x40000n)), 0);
  assert.is(k.ahciIdentifySectors(v(0x40000n)), 0x2_0001_0000n);
  assert.is(k.ahciIdentifyQueueDepth(v(0x40000n)), 32);
  assert.is(k.ahciIdentifyLogicalSectorBytes(v(0x40000n)), 512);
  machine.addPhysical(0x40000 + 83 * 2, new Uint8Array([0x00, 0x64]));   // QEMU's word 83: 48-bit and FLUSH CACHE EXT
  assert.is(k.ahciIdentifyFlushExt(v(0x40000n)), 1);
  assert.is(k.ahciIdentifyLba48(v(0x40000n)), 1);
  const length = k.ahciIdentifyModel(v(0x40000n));
  assert.is(text(k.ahciModelData(), length), "QEMU HARDDISK");
});

test("IDENTIFY: no 48-bit support falls back to words 60-61; no NCQ; 4 KiB logical sectors", () => {
  const { k, machine } = boot();
  machine.addPhysical(0x50000, identify([[60, 0x0000], [61, 0x0100], [83, 0x4000], [75, 31], [76, 0x0000], [106, 0x5000], [117, 2048], [118, 0]]));
  assert.is(k.ahciIdentifyLba48(v(0x50000n)), 0);
  assert.is(k.ahciIdentifySectors(v(0x50000n)), 0x100_0000n);
  assert.is(k.ahciIdentifyQueueDepth(v(0x50000n)), 0);
  assert.is(k.ahciIdentifyLogicalSectorBytes(v(0x50000n)), 4096);
  machine.addPhysical(0x60000, identify([[83, 0x0400], [76, 0xffff], [75, 31]]));
  assert.is(k.ahciIdentifyLba48(v(0x60000n)), 0, "word 83 without its valid bits is not trusted");
  assert.is(k.ahciIdentifyQueueDepth(v(0x60000n)), 0, "word 76 all ones: not reported");
});

test.run();
