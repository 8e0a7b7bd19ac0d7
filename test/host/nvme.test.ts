// The NVMe driver's decoders against the spec's encodings (CAP, the completion
// status field, FLBAS and LBA format descriptors, PRP page counts), and its
// queue pair against a fake controller that writes completions into memory:
// command layout, doorbells, a full queue, out-of-order completions, and the
// phase tag flipping when the completion queue wraps.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot, DIRECT_MAP_BASE } from "./fakehal.ts";

const { k, machine } = boot();
const u = (v: bigint) => BigInt.asUintN(64, v);
const Errno = { Ok: 0, InvalidArgument: 1, NotReady: 8, PermissionDenied: 10, DeviceError: 18 };

test("CAP: QEMU's value decodes to 2048 entries, 7.5 s, 4-byte doorbells, NVM, 4 KiB pages", () => {
  const cap = 0x0000_0020_0f01_07ffn;    // MQES 7ff, CQR, TO 0f, DSTRD 0, CSS bit 37
  assert.is(k.nvmeMaxQueueEntries(cap), 2048);
  assert.is(u(k.nvmeReadyTimeoutNs(cap)), 7_500_000_000n);
  assert.is(u(k.nvmeDoorbellStride(cap)), 4n);
  assert.is(k.nvmeSupportsNvm(cap), 1);
  assert.is(u(k.nvmeMinimumPageBytes(cap)), 4096n);
});

test("CAP: doorbell stride, minimum page, no NVM set, a zero timeout counted as one unit", () => {
  const cap = (2n << 32n) | (1n << 48n) | (1n << 44n);   // DSTRD 2, MPSMIN 1, CSS bit 7 only
  assert.is(u(k.nvmeDoorbellStride(cap)), 16n);
  assert.is(u(k.nvmeMinimumPageBytes(cap)), 8192n);
  assert.is(k.nvmeSupportsNvm(cap), 0);
  assert.is(u(k.nvmeReadyTimeoutNs(cap)), 500_000_000n);
});

test("status field: success, out of range, bad field, write protect, not ready, media errors", () => {
  assert.is(k.nvmeStatusErrno(0x0000), Errno.Ok);
  assert.is(k.nvmeStatusErrno(0x0080), Errno.InvalidArgument, "LBA out of range");
  assert.is(k.nvmeStatusErrno(0x4080), Errno.InvalidArgument, "with DNR set");
  assert.is(k.nvmeStatusErrno(0x0002), Errno.InvalidArgument, "invalid field");
  assert.is(k.nvmeStatusErrno(0x000b), Errno.InvalidArgument, "invalid namespace");
  assert.is(k.nvmeStatusErrno(0x0020), Errno.PermissionDenied, "namespace write protected");
  assert.is(k.nvmeStatusErrno(0x0082), Errno.NotReady, "namespace not ready");
  assert.is(k.nvmeStatusErrno(0x0182), Errno.PermissionDenied, "write to a read-only range");
  assert.is(k.nvmeStatusErrno(0x0006), Errno.DeviceError, "internal error");
  assert.is(k.nvmeStatusErrno(0x0004), Errno.DeviceError, "data transfer error");
  assert.is(k.nvmeStatusErrno(0x0281), Errno.DeviceError, "unrecovered read error (media)");
  assert.is(k.nvmeStatusErrno(0x0280), Errno.DeviceError, "media: 0x80 is not out of range there");
  assert.is(k.nvmeStatusErrno(0x0101), Errno.DeviceError, "invalid queue identifier");
});

test("LBA format: FLBAS index with its high bits, block size and metadata", () => {
  assert.is(k.nvmeFormatIndex(0x00), 0);
  assert.is(k.nvmeFormatIndex(0x13), 3, "bit 4 (metadata at the end of the block) is not the index");
  assert.is(k.nvmeFormatIndex(0x62), 0x32, "bits 6:5 are index bits 5:4");
  assert.is(k.nvmeBlockShift(0x0009_0000), 9);
  assert.is(k.nvmeBlockShift(0x000c_0000), 12);
  assert.is(k.nvmeMetadataBytes(0x000c_0008), 8);
});

test("PRP pages: aligned, offset into the first page, and none", () => {
  assert.is(u(k.nvmePagesSpanned(0x10000n, 4096n, 4096n)), 1n);
  assert.is(u(k.nvmePagesSpanned(0x10000n, 8192n, 4096n)), 2n);
  assert.is(u(k.nvmePagesSpanned(0x10008n, 4096n, 4096n)), 2n);
  assert.is(u(k.nvmePagesSpanned(0x10008n, 8192n, 4096n)), 3n);
  assert.is(u(k.nvmePagesSpanned(0x10000n, 512n << 10n, 4096n)), 128n);
  assert.is(u(k.nvmePagesSpanned(0x10ffcn, 8n, 4096n)), 2n);
  assert.is(u(k.nvmePagesSpanned(0x10000n, 0n, 4096n)), 0n);
});

// a queue pair with 4 entries: submissions at 1 MiB, completions at 1 MiB + 4 KiB,
// doorbells at 2 MiB + 0x1000 (queue 1's: tail at +8, head at +12)
const SQ = 0x10_0000n, CQ = 0x10_1000n, BAR = 0x20_0000n, DOORBELLS = BAR + 0x1000n;
const read32 = (physical: bigint) => {
  let v = 0;
  for (let i = 3; i >= 0; i--) v = v * 256 + (machine.pages.get((physical + BigInt(i)) / 4096n)?.[Number((physical + BigInt(i)) % 4096n)] ?? 0);
  return v;
};
const write32 = (physical: bigint, value: number) => {
  for (let i = 0; i < 4; i++) machine.writePhysical(physical + BigInt(i), (value >>> (8 * i)) & 0xff);
};
/** The controller posts a completion in slot `slot`. */
function complete(slot: number, cid: number, status: number, phase: number, submissionHead: number): void {
  const entry = CQ + BigInt(slot * 16);
  write32(entry + 8n, submissionHead | (1 << 16));
  write32(entry + 12n, cid | (phase << 16) | (status << 17));
}

test("queue: commands in memory, one tail doorbell, a full queue refused", () => {
  k.nvmeQueueSetup(1, 4, SQ, CQ, DIRECT_MAP_BASE + DOORBELLS, 4n);
  assert.ok(k.nvmeQueueSubmit(0, 0x02, 1, 0x30_0000n, 2048));
  assert.ok(k.nvmeQueueSubmit(1, 0x02, 1, 0x30_1000n, 2056));
  assert.ok(k.nvmeQueueSubmit(2, 0x01, 1, 0x30_2000n, 2064));
  assert.not.ok(k.nvmeQueueSubmit(3, 0x01, 1, 0x30_3000n, 2072), "one slot stays empty: 4 entries hold 3");
  assert.is(read32(DOORBELLS + 8n), 0, "nothing rung yet");
  k.nvmeQueueRing();
  assert.is(read32(DOORBELLS + 8n), 3, "tail doorbell");
  assert.is(read32(SQ + 64n), 0x02 | (1 << 16), "opcode and cid of the second command");
  assert.is(read32(SQ + 64n + 4n), 1, "namespace");
  assert.is(read32(SQ + 64n + 24n), 0x30_1000, "PRP1");
  assert.is(read32(SQ + 64n + 40n), 2056, "dword 10");
  assert.is(read32(SQ + 128n), 0x01 | (2 << 16));
  assert.ok(k.nvmeQueuePending(0) && k.nvmeQueuePending(1) && k.nvmeQueuePending(2));
});

test("queue: completions out of order, statuses by cid, one head doorbell per reap", () => {
  assert.is(k.nvmeQueueReap(), 0, "zeroed memory holds no completion");
  complete(0, 2, 0x80, 1, 3);              // LBA out of range, for the write
  complete(1, 0, 0, 1, 3);
  assert.is(k.nvmeQueueReap(), 2);
  assert.is(read32(DOORBELLS + 12n), 2, "head doorbell");
  assert.not.ok(k.nvmeQueuePending(0));
  assert.ok(k.nvmeQueuePending(1));
  assert.is(k.nvmeStatusErrno(k.nvmeQueueStatus(2)), Errno.InvalidArgument);
  assert.is(k.nvmeStatusErrno(k.nvmeQueueStatus(0)), Errno.Ok);
  complete(2, 1, 0, 1, 3);
  assert.is(k.nvmeQueueReap(), 1);
  assert.is(read32(DOORBELLS + 12n), 3);
});

test("queue: the phase tag flips when the completion queue wraps; stale entries are not new", () => {
  assert.ok(k.nvmeQueueSubmit(0, 0x02, 1, 0x30_0000n, 0));   // submission slots 3, 0, 1
  assert.ok(k.nvmeQueueSubmit(1, 0x02, 1, 0x30_0000n, 0));
  assert.ok(k.nvmeQueueSubmit(2, 0x02, 1, 0x30_0000n, 0));
  k.nvmeQueueRing();
  assert.is(read32(DOORBELLS + 8n), 2, "tail wrapped");
  complete(3, 1, 0, 1, 2);                 // the last slot of the first pass
  assert.is(k.nvmeQueueReap(), 1, "slot 0 still holds last pass's entry (phase 1): not new");
  assert.is(read32(DOORBELLS + 12n), 0, "head wrapped");
  assert.ok(k.nvmeQueuePending(0));
  complete(0, 0, 0x0281, 0, 2);            // second pass: phase 0, a media error
  complete(1, 2, 0, 0, 2);
  assert.is(k.nvmeQueueReap(), 2);
  assert.is(k.nvmeStatusErrno(k.nvmeQueueStatus(0)), Errno.DeviceError);
  assert.is(k.nvmeStatusErrno(k.nvmeQueueStatus(2)), Errno.Ok);
  assert.is(read32(DOORBELLS + 12n), 2);
});

test.run();
