// The block layer's pure parts. Partition tables: MBR and GPT images made by
// tools/disklabel.ts (the same writer the guest tests use) are read back, and
// corrupted ones (signature, CRCs, bounds, overlap) are refused with the right
// verdict. The I/O scheduler: FIFO keeps arrival order; deadline sweeps up from
// the head, serves the most overdue first, and never passes a flush.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";
import { crc32, gpt, mbr } from "../../tools/disklabel.ts";

const { k } = boot();
const memory = () => new Uint8Array((k.memory as WebAssembly.Memory).buffer);
const scratch = Number(k.blockScratch());
const put = (at: number, bytes: Uint8Array) => memory().set(bytes, scratch + at);
const Verdict = { Ok: 0, NoTable: 1, BadHeader: 2, BadEntries: 3, BadPartition: 4 };
const Table = { None: 0, Mbr: 1, Gpt: 2 };
const TOTAL = 65536;

function partitions(): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < k.partitionsCount(); i++) out.push([Number(k.partitionsFirst(i)), Number(k.partitionsSectors(i))]);
  return out;
}

test("the kernel's CRC-32 is the IEEE one GPT uses", () => {
  const bytes = new TextEncoder().encode("123456789");
  put(0, bytes);
  assert.is(k.partitionsCrc32(scratch, 9) >>> 0, 0xcbf43926);
  assert.is(crc32(bytes), 0xcbf43926);
});

test("MBR: primary partitions read; no signature is no table; overlap refused", () => {
  put(0, mbr([{ first: 2048, sectors: 4096 }, { first: 8192, sectors: 1000, type: 0x0c }]));
  assert.is(k.partitionsParseMbr(scratch, BigInt(TOTAL)), Verdict.Ok);
  assert.is(k.partitionsTable(), Table.Mbr);
  assert.equal(partitions(), [[2048, 4096], [8192, 1000]]);
  put(0, new Uint8Array(512));
  assert.is(k.partitionsParseMbr(scratch, BigInt(TOTAL)), Verdict.NoTable);
  put(0, mbr([{ first: 2048, sectors: 4096 }, { first: 4000, sectors: 100 }]));
  assert.is(k.partitionsParseMbr(scratch, BigInt(TOTAL)), Verdict.BadPartition);
  put(0, mbr([{ first: 2048, sectors: TOTAL }]));
  assert.is(k.partitionsParseMbr(scratch, BigInt(TOTAL)), Verdict.BadPartition, "past the end of the disk");
  assert.is(k.partitionsCount(), 0, "nothing half-used");
});

function loadGpt(sectors: [number, Buffer][], lba: number): { header: number; entries: number } {
  const header = sectors.find(([at]) => at === lba)![1];
  const entriesLba = Number(header.readBigUInt64LE(72));
  const entries = sectors.find(([at]) => at === entriesLba)![1];
  put(0, header);
  put(4096, entries);
  return { header: scratch, entries: scratch + 4096 };
}

test("GPT: a protective MBR, then the primary header and its entries", () => {
  const disk = gpt(TOTAL, [{ first: 2048, sectors: 8192 }, { first: 10240, sectors: 20000 }]);
  put(0, disk[0][1]);
  assert.is(k.partitionsParseMbr(scratch, BigInt(TOTAL)), Verdict.Ok);
  assert.is(k.partitionsTable(), Table.Gpt);
  const { header, entries } = loadGpt(disk, 1);
  assert.is(k.partitionsCheckGptHeader(header, 512, 1n, BigInt(TOTAL)), Verdict.Ok);
  assert.is(k.partitionsParseGptEntries(header, entries), Verdict.Ok);
  assert.equal(partitions(), [[2048, 8192], [10240, 20000]]);
  const backup = loadGpt(disk, TOTAL - 1);
  assert.is(k.partitionsCheckGptHeader(backup.header, 512, BigInt(TOTAL - 1), BigInt(TOTAL)), Verdict.Ok, "the backup header");
  assert.is(k.partitionsCheckGptHeader(backup.header, 512, 1n, BigInt(TOTAL)), Verdict.BadHeader, "a header read from the wrong LBA");
});

test("GPT: a flipped bit in the header or the entries is caught by its CRC", () => {
  const disk = gpt(TOTAL, [{ first: 2048, sectors: 8192 }]);
  let { header, entries } = loadGpt(disk, 1);
  memory()[header + 60] ^= 1;                      // inside the disk GUID
  assert.is(k.partitionsCheckGptHeader(header, 512, 1n, BigInt(TOTAL)), Verdict.BadHeader);
  ({ header, entries } = loadGpt(disk, 1));
  memory()[entries + 40] ^= 1;                     // the first entry's last LBA
  assert.is(k.partitionsCheckGptHeader(header, 512, 1n, BigInt(TOTAL)), Verdict.Ok);
  assert.is(k.partitionsParseGptEntries(header, entries), Verdict.BadEntries);
  ({ header } = loadGpt(disk, 1));
  memory().set(new TextEncoder().encode("EFI PARX"), header);
  assert.is(k.partitionsCheckGptHeader(header, 512, 1n, BigInt(TOTAL)), Verdict.BadHeader);
});

test("GPT: entries outside the usable range or overlapping are refused, though their CRC is right", () => {
  for (const bad of [
    [{ first: 10, sectors: 100 }],                                            // over the entry array
    [{ first: 2048, sectors: TOTAL }],                                        // past the end
    [{ first: 2048, sectors: 8192 }, { first: 4096, sectors: 10 }],           // overlapping
  ]) {
    const { header, entries } = loadGpt(gpt(TOTAL, bad), 1);
    assert.is(k.partitionsCheckGptHeader(header, 512, 1n, BigInt(TOTAL)), Verdict.Ok);
    assert.is(k.partitionsParseGptEntries(header, entries), Verdict.BadPartition, JSON.stringify(bad));
    assert.is(k.partitionsCount(), 0);
  }
});

// ---- the I/O scheduler
const FIFO = 0;
const DEADLINE = 1;
function pick(policy: number, requests: { sector: number; deadline: number; flush?: boolean }[], head: number, now: number): number {
  const view = new DataView((k.memory as WebAssembly.Memory).buffer);
  requests.forEach((r, i) => {
    view.setBigUint64(scratch + i * 8, BigInt(r.sector), true);
    view.setBigUint64(scratch + 1024 + i * 8, BigInt(r.deadline), true);
    view.setUint8(scratch + 2048 + i, r.flush ? 1 : 0);
  });
  return k.ioschedPick(policy, requests.length, scratch, scratch + 1024, scratch + 2048, BigInt(head), BigInt(now));
}

/** The order in which the scheduler starts all of `requests`, one at a time. */
function order(policy: number, requests: { sector: number; deadline: number; flush?: boolean }[], now: number): number[] {
  const left = requests.map((r, i) => ({ ...r, id: i }));
  const out: number[] = [];
  let head = 0;
  while (left.length) {
    const i = pick(policy, left, head, now);
    const [r] = left.splice(i, 1);
    out.push(r.id);
    head = r.sector + 1;
  }
  return out;
}

test("FIFO starts requests in arrival order", () => {
  const rs = [500, 100, 300, 200].map((sector) => ({ sector, deadline: 1e9 }));
  assert.equal(order(FIFO, rs, 0), [0, 1, 2, 3]);
  assert.is(pick(FIFO, [], 0, 0), -1);
});

test("deadline sweeps upward from the head, then wraps to the lowest", () => {
  const rs = [500, 100, 300, 200, 50].map((sector) => ({ sector, deadline: 1e9 }));
  assert.equal(order(DEADLINE, rs, 0), [4, 1, 3, 2, 0]);
  assert.is(pick(DEADLINE, rs, 250, 0), 2, "from sector 250 the next is 300");
  assert.is(pick(DEADLINE, rs, 600, 0), 4, "past the last: back to the lowest");
});

test("deadline serves the most overdue request first", () => {
  const rs = [{ sector: 900, deadline: 50 }, { sector: 10, deadline: 1000 }, { sector: 800, deadline: 20 }];
  assert.is(pick(DEADLINE, rs, 0, 100), 2);
  assert.is(pick(DEADLINE, rs, 0, 10), 1, "none overdue yet: by sector");
});

test("a flush is a barrier: nothing after it goes first, and it goes when it is oldest", () => {
  const rs = [{ sector: 900, deadline: 1e9 }, { sector: 0, deadline: 0, flush: true }, { sector: 5, deadline: 0 }];
  assert.is(pick(DEADLINE, rs, 0, 100), 0, "the request after the flush is overdue, but waits");
  assert.is(pick(DEADLINE, rs.slice(1), 0, 100), 0, "the flush, once oldest");
  assert.is(pick(FIFO, rs.slice(1), 0, 100), 0);
});

// ---- the request queue, against a fake driver the test completes by hand
const Op = { Read: 0, Write: 1, Flush: 2 };
const FLAG_READ_ONLY = 2;
const FLAG_FLUSH = 4;
const E = { Ok: 0 };
let diskIndex = -1;
function disk(depth: number, policy = FIFO, flags = FLAG_FLUSH, sectors = 100_000): number {
  diskIndex = k.fakeDisk(BigInt(sectors), depth, 128, flags, policy);
  assert.ok(diskIndex >= 0, "a disk slot");
  return diskIndex;
}
const started = () => Array.from({ length: k.fakeStartedCount() }, (_, i) => k.fakeStarted(i));

test("requests beyond the queue depth wait, and start as others complete", () => {
  const d = disk(2);
  const rs = [10, 20, 30, 40].map((sector) => k.blockSubmit(d, Op.Read, BigInt(sector), 8, 0x100000n));
  assert.ok(rs.every((r) => r >= 0));
  assert.equal(started(), rs.slice(0, 2), "two in flight");
  k.blockComplete(rs[0], E.Ok);
  assert.equal(started(), rs.slice(0, 3), "the third starts when one completes");
  k.blockComplete(rs[1], E.Ok);
  k.blockComplete(rs[2], 18);
  k.blockComplete(rs[3], E.Ok);
  assert.equal(rs.map((r) => k.blockWait(r)), [0, 0, 18, 0], "each waiter gets its own outcome");
  assert.is(k.blockRequestsInUse(), 0, "every request freed once collected");
});

test("deadline: what waits is started in sector order from the head", () => {
  const d = disk(1, DEADLINE);
  const first = k.blockSubmit(d, Op.Read, 500n, 8, 0n);        // starts at once
  const rest = [900, 100, 700, 600].map((s) => k.blockSubmit(d, Op.Read, BigInt(s), 8, 0n));
  for (let i = 0; i < 5; i++) k.blockComplete(started()[i], E.Ok);
  const order = started().map((r) => Number(k.blockRequestSector(r)));
  assert.equal(order, [500, 600, 700, 900, 100]);
  [first, ...rest].forEach((r) => k.blockWait(r));
});

test("a flush starts only after what was in flight before it completed, and alone", () => {
  const d = disk(4);
  const w1 = k.blockSubmit(d, Op.Write, 0n, 8, 0n);
  const w2 = k.blockSubmit(d, Op.Write, 8n, 8, 0n);
  const f = k.blockSubmit(d, Op.Flush, 0n, 0, 0n);
  const w3 = k.blockSubmit(d, Op.Write, 16n, 8, 0n);
  assert.equal(started(), [w1, w2], "the flush waits for the writes before it; the write after it waits too");
  k.blockComplete(w1, E.Ok);
  assert.equal(started(), [w1, w2]);
  k.blockComplete(w2, E.Ok);
  assert.equal(started(), [w1, w2, f], "then the flush, alone");
  k.blockComplete(f, E.Ok);
  assert.equal(started(), [w1, w2, f, w3]);
  k.blockComplete(w3, E.Ok);
  [w1, w2, f, w3].forEach((r) => assert.is(k.blockWait(r), 0));
});

test("bad requests are refused before they are queued", () => {
  const d = disk(4, FIFO, FLAG_FLUSH, 1000);
  assert.is(k.blockSubmit(d, Op.Read, 1000n, 1, 0n), -1, "past the end: InvalidArgument");
  assert.is(k.blockSubmit(d, Op.Read, 999n, 2, 0n), -1, "straddling the end");
  assert.is(k.blockSubmit(d, Op.Read, 0n, 0, 0n), -1, "no sectors");
  assert.is(k.blockSubmit(d, Op.Read, 0n, 129, 0n), -1, "more than the driver's largest request");
  assert.is(k.blockSubmit(99, Op.Read, 0n, 1, 0n), -4, "no such disk: NotFound");
  const ro = disk(4, FIFO, FLAG_READ_ONLY, 1000);
  assert.is(k.blockSubmit(ro, Op.Write, 0n, 1, 0n), -10, "a read-only disk: PermissionDenied");
  assert.is(k.blockSubmit(ro, Op.Flush, 0n, 0, 0n), -6, "no flush: NotSupported");
  assert.is(k.fakeStartedCount(), 0, "nothing reached the driver");
  assert.is(k.blockRequestsInUse(), 0);
});

test("a driver refusing to start a request completes it with that error", () => {
  const d = disk(4);
  k.fakeFailNextStart(18);
  const r = k.blockSubmit(d, Op.Read, 0n, 1, 0n);
  assert.ok(k.blockDone(r));
  assert.is(k.blockWait(r), 18);
});

test("a partition is its parent's sectors from its offset, bounded by its size", () => {
  const d = disk(4, FIFO, FLAG_FLUSH, 10_000);
  const p = k.blockAddPartition(d, 2, 2048n, 1000n);
  assert.ok(p >= 0);
  assert.is(String.fromCharCode(...[0, 1, 2].map((i) => k.blockNameByte(p, i))), "fk2");
  const r = k.blockSubmit(p, Op.Write, 10n, 4, 0n);
  assert.is(Number(k.blockRequestSector(r)), 2058, "moved by the offset onto the disk");
  assert.is(k.blockSubmit(p, Op.Read, 999n, 2, 0n), -1, "not past the partition's end");
  assert.is(k.blockAddPartition(d, 3, 9500n, 1000n), -1, "a partition past the disk is refused");
  k.blockComplete(r, 0);
  assert.is(k.blockWait(r), 0);
});

test.run();
