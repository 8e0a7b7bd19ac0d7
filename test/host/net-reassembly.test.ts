// IPv4 fragment reassembly (src/kernel/net/reassembly.ts): datagrams come out
// whole whatever order their fragments arrive in (in order, reversed, shuffled,
// repeated); overlapping, truncated, oversized and inconsistent fragments are
// dropped and counted by reason; incomplete datagrams expire after 30 s and the
// oldest is evicted when all 8 slots are taken; every 64 KiB block goes back to
// the frame allocator. Through the stack: fragmented UDP and ICMP are dispatched
// like whole packets, closed ports and unknown protocols are answered with
// rate-limited ICMP unreachable, and sends longer than a frame leave as fragments.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";
import { random } from "./random.ts";
import { checksum } from "./inet.ts";

const { k } = boot();
const MiB = 1n << 20n;
k.framesInit(64n * MiB, 0x100000n);
k.framesRelease(2n * MiB, 34n * MiB);
const freeFrames = () => k.framesFreeCount();
const initialFree = freeFrames();

const scratch = Number(k.netScratchAddress());
const big = Number(k.bigScratchAddress());
const mem = () => new Uint8Array((k.memory as WebAssembly.Memory).buffer);
const put = (bytes: Uint8Array, at = scratch) => mem().set(bytes, at);
const R = { Reassembled: 0, Duplicate: 1, Overlap: 2, BadLength: 3, Oversized: 4, Inconsistent: 5, Timeout: 6, Evicted: 7, NoMemory: 8 };
const count = (reason: number) => Number(k.reassemblyCount(reason));
const OUR_IP = 0x0a00020f, PEER = 0x0a000202;
const S = 1_000_000_000n;


interface Fragment { id?: number; offset: number; data: Uint8Array; more: boolean; protocol?: number; source?: number; destination?: number }

function fragment(f: Fragment): Uint8Array {
  const p = new Uint8Array(20 + f.data.length);
  const v = new DataView(p.buffer);
  p[0] = 0x45;
  v.setUint16(2, p.length);
  v.setUint16(4, f.id ?? 77);
  v.setUint16(6, (f.more ? 0x2000 : 0) | (f.offset / 8));
  p[8] = 64;
  p[9] = f.protocol ?? 17;
  v.setUint32(12, f.source ?? PEER);
  v.setUint32(16, f.destination ?? OUR_IP);
  v.setUint16(10, checksum(p.subarray(0, 20)));
  p.set(f.data, 20);
  return p;
}

/** `data` cut into pieces of `size` bytes (a multiple of 8), as fragments. */
function split(data: Uint8Array, size: number, id = 77, protocol = 17): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let offset = 0; offset < data.length; offset += size) {
    const end = Math.min(offset + size, data.length);
    pieces.push(fragment({ id, offset, data: data.subarray(offset, end), more: end < data.length, protocol }));
  }
  return pieces;
}

function payload(length: number, seed: number): Uint8Array {
  const next = random(seed);
  return Uint8Array.from({ length }, () => Math.floor(next() * 256));
}

/** Feeds fragments in the order given: the datagram that came out (or undefined). */
function feed(pieces: Uint8Array[], now = 0n): Uint8Array | undefined {
  let out: Uint8Array | undefined;
  for (const p of pieces) {
    put(p);
    const at = Number(k.reassemblyAccept(scratch, p.length, now));
    if (at !== 0) {
      assert.is(out, undefined, "one datagram out");
      out = mem().slice(at, at + k.reassemblyLength());
    }
  }
  return out;
}

function expectWhole(out: Uint8Array | undefined, data: Uint8Array, what: string) {
  assert.ok(out, `${what}: reassembled`);
  const v = new DataView(out!.buffer);
  assert.is(out!.length, 20 + data.length, `${what}: length`);
  assert.is(v.getUint16(2), 20 + data.length, `${what}: total length field`);
  assert.is(v.getUint16(6), 0, `${what}: no fragment flags or offset`);
  assert.is(checksum(out!.subarray(0, 20)), 0, `${what}: header checksum`);
  assert.ok(Buffer.from(out!.subarray(20)).equals(Buffer.from(data)), `${what}: the bytes`);
}

test("in order, reversed, shuffled: the same datagram comes out", () => {
  k.reassemblyReset();
  const data = payload(4000, 1);
  expectWhole(feed(split(data, 1480)), data, "in order");
  expectWhole(feed(split(data, 1480).reverse()), data, "reversed");
  for (let seed = 1; seed <= 20; seed++) {
    const next = random(seed * 7919);
    const d = payload(64 + Math.floor(next() * 6000), seed);
    const pieces = split(d, 8 * (1 + Math.floor(next() * 60)), 1000 + seed);
    for (let i = pieces.length - 1; i > 0; i--) { const j = Math.floor(next() * (i + 1)); [pieces[i], pieces[j]] = [pieces[j], pieces[i]]; }
    expectWhole(feed(pieces), d, `shuffled, seed ${seed}`);
  }
  assert.is(k.reassemblyInProgress(), 0);
  assert.is(freeFrames(), initialFree, "every block returned");
});

test("the largest datagram: 65515 bytes of data in 45 fragments", () => {
  const data = payload(65535 - 20, 99);
  expectWhole(feed(split(data, 1480, 4242)), data, "65535-byte datagram");
  assert.is(freeFrames(), initialFree);
});

test("a repeated fragment is ignored and counted; the datagram still completes", () => {
  const data = payload(3000, 2);
  const pieces = split(data, 1000);
  const before = count(R.Duplicate);
  expectWhole(feed([pieces[0], pieces[0], pieces[2], pieces[2], pieces[1]]), data, "with duplicates");
  assert.is(count(R.Duplicate) - before, 2);
  assert.is(k.reassemblyInProgress(), 0);
});

test("overlaps drop the whole datagram: different bytes, or a partial overlap", () => {
  const data = payload(3000, 3);
  const before = count(R.Overlap);
  const changed = data.slice(992, 2000);
  changed[5] ^= 0xff;
  assert.is(feed([split(data, 1000)[0], fragment({ offset: 992, data: changed, more: true })]), undefined);
  assert.is(k.reassemblyInProgress(), 0, "the datagram was dropped");
  // the same bytes, but only partly over what is held
  assert.is(feed([fragment({ offset: 0, data: data.subarray(0, 16), more: true }), fragment({ offset: 8, data: data.subarray(8, 24), more: true })]), undefined);
  assert.is(count(R.Overlap) - before, 2);
  assert.is(k.reassemblyInProgress(), 0);
  // what follows an overlap starts a new datagram, which then never completes on its own
  const pieces = split(data, 1000);
  assert.is(feed([pieces[0], fragment({ offset: 8, data: new Uint8Array(8).fill(0xee), more: true }), pieces[1], pieces[2]]), undefined);
  assert.is(k.reassemblyInProgress(), 1, "pieces 1 and 2 wait for a new piece 0");
  k.reassemblyReset();
  assert.is(freeFrames(), initialFree);
});

test("bad lengths: empty, a middle piece not a multiple of 8, past 65535 bytes", () => {
  const before = { bad: count(R.BadLength), big: count(R.Oversized) };
  assert.is(feed([fragment({ offset: 0, data: new Uint8Array(0), more: true })]), undefined);
  assert.is(feed([fragment({ offset: 0, data: new Uint8Array(13), more: true })]), undefined);
  assert.is(feed([fragment({ offset: 8184 * 8, data: new Uint8Array(64), more: false })]), undefined);
  assert.is(feed([fragment({ offset: 8189 * 8, data: new Uint8Array(8), more: true })]), undefined);
  assert.is(count(R.BadLength) - before.bad, 2);
  assert.is(count(R.Oversized) - before.big, 2);
  assert.is(k.reassemblyInProgress(), 0, "none of them took a slot");
  // a truncated packet never reaches reassembly: ipv4.check refuses it first
  const f = fragment({ offset: 0, data: new Uint8Array(800), more: true });
  put(f);
  assert.is(k.ipv4Check(scratch, f.length - 100), 4, "total length past what arrived");
  assert.is(freeFrames(), initialFree);
});

test("two different ends, or data past the end, drop the datagram", () => {
  const before = count(R.Inconsistent);
  const data = payload(2000, 4);
  assert.is(feed([fragment({ offset: 1000, data: data.subarray(1000, 2000), more: false }), fragment({ offset: 1000, data: data.subarray(1000, 1800), more: false })]), undefined);
  assert.is(feed([fragment({ offset: 1600, data: data.subarray(1600, 2000), more: true }), fragment({ offset: 1000, data: data.subarray(1000, 1200), more: false })]), undefined);
  assert.is(feed([fragment({ offset: 1000, data: data.subarray(1000, 1200), more: false }), fragment({ offset: 1600, data: data.subarray(1600, 2000), more: true })]), undefined);
  assert.is(count(R.Inconsistent) - before, 3);
  assert.is(k.reassemblyInProgress(), 0);
  assert.is(freeFrames(), initialFree);
});

test("an incomplete datagram expires after 30 s; its block goes back", () => {
  const before = count(R.Timeout);
  const data = payload(3000, 5);
  const pieces = split(data, 1000, 500);
  assert.is(feed([pieces[0]], 1n * S), undefined);
  assert.is(k.reassemblyInProgress(), 1);
  assert.ok(freeFrames() < initialFree, "a block is held");
  k.reassemblyExpire(30n * S);
  assert.is(k.reassemblyInProgress(), 1, "29 s on: still waiting");
  k.reassemblyExpire(31n * S);
  assert.is(k.reassemblyInProgress(), 0);
  assert.is(count(R.Timeout) - before, 1);
  assert.is(freeFrames(), initialFree);
  // the rest arriving late does not complete it
  assert.is(feed([pieces[1], pieces[2]], 32n * S), undefined);
  k.reassemblyReset();
});

test("with 8 datagrams in progress a 9th evicts the oldest", () => {
  const before = count(R.Evicted);
  const data = payload(2000, 6);
  for (let id = 1; id <= 8; id++) feed([split(data, 1000, id)[1]], BigInt(id) * S);
  assert.is(k.reassemblyInProgress(), 8);
  feed([split(data, 1000, 9)[1]], 9n * S);
  assert.is(k.reassemblyInProgress(), 8);
  assert.is(count(R.Evicted) - before, 1);
  expectWhole(feed([split(data, 1000, 2)[0]], 10n * S), data, "id 2 was kept");
  assert.is(feed([split(data, 1000, 1)[0]], 10n * S), undefined, "id 1 was evicted: its first piece starts over");
  assert.is(k.reassemblyInProgress(), 8, "in the slot id 2 left");
  assert.is(count(R.Evicted) - before, 1);
  k.reassemblyReset();
  assert.is(freeFrames(), initialFree, "nothing leaked");
});

test("the key is source, destination, protocol and id: interleaved datagrams stay apart", () => {
  const a = payload(2500, 7), b = payload(2500, 8);
  const pa = split(a, 1000, 300, 17), pb = split(b, 1000, 300, 1);   // same id, other protocol
  assert.is(feed([pa[0], pb[0], pa[1], pb[1]]), undefined);
  expectWhole(feed([pb[2]]), b, "protocol 1");
  expectWhole(feed([pa[2]]), a, "protocol 17");
  assert.is(freeFrames(), initialFree);
});

test("random garbage fragments never leak a block or crash", () => {
  const next = random(0xf4a9);
  for (let i = 0; i < 3000; i++) {
    const data = new Uint8Array(Math.floor(next() * 64));
    const f = fragment({ id: Math.floor(next() * 4), offset: 8 * Math.floor(next() * 16), data, more: next() < 0.7 });
    put(f);
    k.reassemblyAccept(scratch, f.length, BigInt(i) * 100_000_000n);
  }
  k.reassemblyReset();
  assert.is(freeFrames(), initialFree);
});

// ---- through the stack

const ETH_HEADER = 14;
function frame(ip: Uint8Array): Uint8Array {
  const f = new Uint8Array(ETH_HEADER + Math.max(ip.length, 46));
  f.set([0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x52, 0x55, 10, 0, 2, 2, 0x08, 0x00]);
  f.set(ip, ETH_HEADER);
  return f;
}
function receive(ip: Uint8Array) {
  const f = frame(ip);
  mem().set(f, Number(k.inboundAddress()));
  k.stackReceive(f.length);
}
function sentFrames(): Uint8Array[] {
  const log = mem().slice(Number(k.sentLogAddress()), Number(k.sentLogAddress()) + k.sentLogEnd());
  const frames: Uint8Array[] = [];
  for (let at = 0; at < log.length;) {
    const length = new DataView(log.buffer).getUint32(at, true);
    frames.push(log.slice(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return frames;
}
/** The IPv4 packets among the frames sent, trimmed to their total length. */
const sentPackets = () => sentFrames().filter((f) => f[12] === 8 && f[13] === 0)
  .map((f) => f.slice(ETH_HEADER, ETH_HEADER + ((f[ETH_HEADER + 2] << 8) | f[ETH_HEADER + 3])));

function attach() {
  k.stackAttachLogged(OUR_IP);
  // an ARP reply teaches the peer's MAC, so answers need no resolution
  const arp = new Uint8Array(28);
  const v = new DataView(arp.buffer);
  v.setUint16(0, 1); v.setUint16(2, 0x0800); arp[4] = 6; arp[5] = 4; v.setUint16(6, 2);
  arp.set([0x52, 0x55, 10, 0, 2, 2], 8); v.setUint32(14, PEER); v.setUint32(24, OUR_IP);
  put(arp);
  k.arpReceive(scratch, 28, 0n);
}

function udp(data: Uint8Array, port: number, source = PEER, destination = OUR_IP, sourcePort = 5353): Uint8Array {
  const d = new Uint8Array(8 + data.length);
  const v = new DataView(d.buffer);
  v.setUint16(0, sourcePort); v.setUint16(2, port); v.setUint16(4, d.length);
  d.set(data, 8);
  const pseudo = new Uint8Array(12 + d.length);
  const pv = new DataView(pseudo.buffer);
  pv.setUint32(0, source); pv.setUint32(4, destination); pseudo[9] = 17; pv.setUint16(10, d.length);
  pseudo.set(d, 12);
  v.setUint16(6, checksum(pseudo) || 0xffff);
  return d;
}

test("a fragmented UDP datagram to a closed port: reassembled, then answered port unreachable", () => {
  attach();
  const datagram = udp(payload(3000, 10), 9999);
  for (const piece of split(datagram, 1480, 0x1234)) receive(piece);
  const packets = sentPackets();
  assert.is(packets.length, 1, "one answer");
  const reply = packets[0];
  assert.is(reply[9], 1, "ICMP");
  assert.is(new DataView(reply.buffer).getUint32(16), PEER, "to the sender");
  const icmp = reply.subarray(20);
  assert.is(icmp[0], 3, "destination unreachable");
  assert.is(icmp[1], 3, "port unreachable");
  assert.is(checksum(icmp), 0, "ICMP checksum");
  assert.is(icmp.length, 8 + 20 + 8, "the header and 8 bytes of the datagram quoted");
  assert.is(new DataView(icmp.buffer, icmp.byteOffset).getUint16(8 + 4), 0x1234, "the quoted header is the datagram's");
  assert.ok(Buffer.from(icmp.subarray(28, 36)).equals(Buffer.from(datagram.subarray(0, 8))), "the quoted UDP header");
  assert.is(Number(k.reassemblyCount(R.Reassembled)) > 0, true);
  assert.is(freeFrames(), initialFree);
});

test("an unknown protocol is answered protocol unreachable; broadcasts and ICMP never are", () => {
  attach();
  receive(fragment({ offset: 0, data: payload(40, 11), more: false, protocol: 99 }));
  const packets = sentPackets();
  assert.is(packets.length, 1);
  assert.is(packets[0][20], 3);
  assert.is(packets[0][21], 2, "protocol unreachable");
  attach();
  receive(fragment({ offset: 0, data: udp(payload(10, 12), 9999, PEER, 0xffffffff), more: false, destination: 0xffffffff }));
  receive(fragment({ offset: 0, data: udp(payload(10, 12), 9999, PEER, 0x0a0002ff), more: false, destination: 0x0a0002ff }));
  assert.is(sentPackets().length, 0, "nothing about broadcasts");
});

test("unreachables are rate limited: a burst of 10, then counted, not sent", () => {
  attach();
  for (let i = 0; i < 25; i++) receive(fragment({ id: i, offset: 0, data: udp(payload(10, i), 9999), more: false }));
  assert.is(sentPackets().length, 10);
  assert.is(Number(k.icmpUnreachablesSent()), 10);
  assert.is(Number(k.icmpUnreachablesLimited()), 15);
});

test("a ping of 3000 bytes: reassembled, answered with a fragmented echo reply", () => {
  attach();
  const echo = new Uint8Array(8 + 3000);
  echo[0] = 8;
  echo.set([0x12, 0x34, 0, 1], 4);
  echo.set(payload(3000, 13), 8);
  new DataView(echo.buffer).setUint16(2, checksum(echo));
  for (const piece of split(echo, 1480, 0x4321, 1)) receive(piece);
  const packets = sentPackets();
  assert.is(packets.length, 3, "the reply in three fragments");
  for (const p of packets) assert.ok(p.length <= 1500, "each fits the MTU");
  k.reassemblyReset();
  const out = feed(packets);
  assert.ok(out, "the reply reassembles");
  const reply = out!.subarray(20);
  assert.is(reply[0], 0, "echo reply");
  assert.is(checksum(reply), 0, "ICMP checksum");
  assert.ok(Buffer.from(reply.subarray(4)).equals(Buffer.from(echo.subarray(4))), "same id, sequence and data");
  assert.is(freeFrames(), initialFree);
});

test("UDP sends longer than a frame leave as fragments that reassemble to the datagram", () => {
  for (const length of [1472, 1473, 4000, 8000, 65507]) {
    attach();
    const data = payload(length, length);
    put(data, big);
    assert.is(k.udpSendFrom(big, length, PEER, 7), 0, `send ${length}`);
    const packets = sentPackets();
    assert.is(packets.length, Math.ceil((length + 8) / 1480), `${length}: fragments`);
    packets.forEach((p, i) => {
      const field = (p[6] << 8) | p[7];
      assert.ok(p.length <= 1500, "fits the MTU");
      assert.is(checksum(p.subarray(0, 20)), 0, "header checksum");
      assert.is((field & 0x1fff) * 8, i * 1480, "offset");
      assert.is((field & 0x2000) !== 0, i < packets.length - 1, "more fragments on all but the last");
      if (packets.length === 1) assert.is(field, 0x4000, "a whole datagram says don't fragment");
    });
    k.reassemblyReset();
    const out = packets.length === 1 ? packets[0] : feed(packets);
    assert.ok(out, `${length}: reassembles`);
    const datagram = out!.subarray(20);
    assert.ok(Buffer.from(datagram).equals(Buffer.from(udp(data, 7, OUR_IP, PEER, 4242))), `${length}: the datagram`);
  }
  put(new Uint8Array(8), big);
  assert.is(k.udpSendFrom(big, 65508, PEER, 7), 13, "past 65507 bytes: MessageTooLarge");
  assert.is(freeFrames(), initialFree);
});

test.run();
