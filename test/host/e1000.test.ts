// e1000 register decoding against the 8254x Software Developer's Manual: STATUS
// speed and link bits (13.4.2), receive descriptor status and errors (3.2.3),
// the station address in RAL0/RAH0 (13.5.2), and the RCTL, TCTL and TIPG values
// the driver programs (13.4.22, 13.4.33, 13.4.34).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";

const { k } = boot();
const LU = 1 << 1;
const PENDING = 0, DELIVER = 1, ERROR = 2;

test("link speed from STATUS: 0 while down, else bits 7:6", () => {
  assert.is(k.e1000SpeedMbps(0x80080783 & ~LU), 0, "link down");
  assert.is(k.e1000SpeedMbps(LU | (0 << 6)), 10);
  assert.is(k.e1000SpeedMbps(LU | (1 << 6)), 100);
  assert.is(k.e1000SpeedMbps(LU | (2 << 6)), 1000);
  assert.is(k.e1000SpeedMbps(LU | (3 << 6)), 1000, "11b also means 1000 Mb/s");
  assert.is(k.e1000SpeedMbps(0x80080783), 1000, "FD, LU, speed 10b and unrelated bits");
});

test("receive descriptor verdicts", () => {
  assert.is(k.e1000ReceiveVerdict(0, 0), PENDING, "DD clear: the device has not written it");
  assert.is(k.e1000ReceiveVerdict(0x02, 0), PENDING, "EOP without DD is still pending");
  assert.is(k.e1000ReceiveVerdict(0x03, 0), DELIVER, "DD | EOP");
  assert.is(k.e1000ReceiveVerdict(0x01, 0), ERROR, "DD without EOP: a frame spread over buffers");
  for (const bit of [0, 1, 2, 4, 7]) assert.is(k.e1000ReceiveVerdict(0x03, 1 << bit), ERROR, `error bit ${bit}`);
  assert.is(k.e1000ReceiveVerdict(0x03, (1 << 5) | (1 << 6)), DELIVER, "TCPE/IPE (checksum offload, off) do not drop");
});

test("station address: RAL0 holds bytes 0..3, RAH0 bytes 4..5, low byte first", () => {
  const low = 0x12005452, high = 0x80005634;                 // 52:54:00:12:34:56, AV set
  assert.equal([0, 1, 2, 3, 4, 5].map((i) => k.e1000MacByte(low, high, i)), [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
  assert.ok(k.e1000MacPresent(low, high));
  assert.not.ok(k.e1000MacPresent(0, 0x80000000), "AV alone is no address");
  assert.ok(k.e1000MacPresent(0, 0x0001));
});

test("RCTL, TCTL and TIPG as the driver programs them", () => {
  assert.is(k.e1000ReceiveControl() >>> 0, 0x0400_8002, "EN | BAM | BSIZE 2048 | SECRC");
  assert.is(k.e1000TransmitControl(1) >>> 0, 0x0004_00fa, "EN | PSP | CT 0x0f | COLD 0x40");
  assert.is(k.e1000TransmitControl(0) >>> 0, 0x0020_00fa, "half duplex: COLD 0x200");
  assert.is(k.e1000TransmitGap() >>> 0, 0x0060_200a, "IPGT 10, IPGR1 8, IPGR2 6");
});

test.run();
