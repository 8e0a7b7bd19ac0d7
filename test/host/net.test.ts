// The network stack's checks on what arrives: IPv4 headers (short, wrong
// version, header or total length, checksum, fragments), ARP packets (wrong
// types or lengths are not learned from; a request for us is answered), UDP
// datagrams (length and checksum, no socket) and DHCP replies that are not ours.
// Random garbage never makes any of them accept or answer.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";
import { random } from "./random.ts";
import { checksum } from "./inet.ts";

const { k } = boot();
const scratch = Number(k.netScratchAddress());
const mem = () => new Uint8Array((k.memory as WebAssembly.Memory).buffer);
const put = (bytes: Uint8Array) => mem().set(bytes, scratch);
const V = { Ok: 0, Short: 1, Version: 2, HeaderLength: 3, TotalLength: 4, Checksum: 5, Fragment: 6 };
const OUR_IP = 0x0a00020f;


function ipHeader(payload: number, fields: Partial<{ version: number; ihl: number; total: number; fragment: number; protocol: number }> = {}): Uint8Array {
  const h = new Uint8Array(20);
  const v = new DataView(h.buffer);
  h[0] = ((fields.version ?? 4) << 4) | (fields.ihl ?? 5);
  v.setUint16(2, fields.total ?? 20 + payload);
  v.setUint16(6, fields.fragment ?? 0x4000);
  h[8] = 64;
  h[9] = fields.protocol ?? 17;
  v.setUint32(12, 0x0a000202);
  v.setUint32(16, OUR_IP);
  v.setUint16(10, checksum(h));
  return h;
}

test("the kernel's Internet checksum is RFC 1071's", () => {
  const bytes = Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  put(bytes);
  assert.is(k.netChecksum(scratch, 8), checksum(bytes));
  put(Uint8Array.from([1, 2, 3]));
  assert.is(k.netChecksum(scratch, 3), checksum(Uint8Array.from([1, 2, 3])), "odd length");
});

test("IPv4 headers: a good one passes, each kind of damage is named", () => {
  const packet = (h: Uint8Array, extra = 8) => { const p = new Uint8Array(h.length + extra); p.set(h); return p; };
  put(packet(ipHeader(8)));
  assert.is(k.ipv4Check(scratch, 28), V.Ok);
  assert.is(k.ipv4Check(scratch, 19), V.Short);
  put(packet(ipHeader(8, { version: 6 })));
  assert.is(k.ipv4Check(scratch, 28), V.Version);
  put(packet(ipHeader(8, { ihl: 4 })));
  assert.is(k.ipv4Check(scratch, 28), V.HeaderLength);
  put(packet(ipHeader(8, { ihl: 15 })));
  assert.is(k.ipv4Check(scratch, 28), V.HeaderLength, "options past the packet");
  put(packet(ipHeader(8, { total: 29 })));
  assert.is(k.ipv4Check(scratch, 28), V.TotalLength, "longer than what arrived");
  const bad = packet(ipHeader(8));
  bad[8] ^= 1;
  put(bad);
  assert.is(k.ipv4Check(scratch, 28), V.Checksum);
  put(packet(ipHeader(8, { fragment: 0x2000 })));
  assert.is(k.ipv4Check(scratch, 28), V.Fragment, "more fragments");
  put(packet(ipHeader(8, { fragment: 0x0010 })));
  assert.is(k.ipv4Check(scratch, 28), V.Fragment, "a later fragment");
});

function arpPacket(op: number, senderIp: number, targetIp: number, tweak: (p: Uint8Array) => void = () => {}): Uint8Array {
  const p = new Uint8Array(28);
  const v = new DataView(p.buffer);
  v.setUint16(0, 1); v.setUint16(2, 0x0800); p[4] = 6; p[5] = 4; v.setUint16(6, op);
  p.set([0x52, 0x55, 10, 0, 2, 2], 8); v.setUint32(14, senderIp); v.setUint32(24, targetIp);
  tweak(p);
  return p;
}

test("ARP: a request for us is answered and its sender learned; damaged packets teach nothing", () => {
  k.netAttachFake(OUR_IP);
  put(arpPacket(1, 0x0a000202, OUR_IP));
  assert.ok(k.arpReceive(scratch, 28, 1000n));
  assert.ok(k.arpKnows(0x0a000202, 1000n), "sender learned");
  assert.is(k.netFramesSent(), 1, "one reply sent");
  assert.not.ok(k.arpKnows(0x0a000202, 1000n + 61_000_000_000n), "expired after its lifetime");
  for (const [name, tweak] of [
    ["hardware type", (p: Uint8Array) => { p[1] = 6; }],
    ["protocol type", (p: Uint8Array) => { p[2] = 0x86; }],
    ["hardware length", (p: Uint8Array) => { p[4] = 8; }],
    ["operation", (p: Uint8Array) => { p[7] = 9; }],
  ] as const) {
    k.netAttachFake(OUR_IP);
    put(arpPacket(1, 0x0a000203, OUR_IP, tweak));
    assert.not.ok(k.arpReceive(scratch, 28, 1000n), name);
    assert.not.ok(k.arpKnows(0x0a000203, 1000n), `${name}: nothing learned`);
    assert.is(k.netFramesSent(), 0, `${name}: nothing answered`);
  }
  put(arpPacket(1, 0x0a000203, OUR_IP));
  assert.not.ok(k.arpReceive(scratch, 27, 1000n), "truncated");
  put(arpPacket(2, 0x0a000204, OUR_IP, (p) => { p[8] = 0x01; }));
  k.arpReceive(scratch, 28, 1000n);
  assert.not.ok(k.arpKnows(0x0a000204, 1000n), "a multicast sender address is not learned");
});

function udpDatagram(data: number[], sourceIp: number, destIp: number, fix: (d: Uint8Array) => void = () => {}): Uint8Array {
  const d = new Uint8Array(8 + data.length);
  const v = new DataView(d.buffer);
  v.setUint16(0, 5353); v.setUint16(2, 7); v.setUint16(4, d.length);
  d.set(data, 8);
  const pseudo = new Uint8Array(12 + d.length);
  const pv = new DataView(pseudo.buffer);
  pv.setUint32(0, sourceIp); pv.setUint32(4, destIp); pseudo[9] = 17; pv.setUint16(10, d.length);
  pseudo.set(d, 12);
  v.setUint16(6, checksum(pseudo) || 0xffff);
  fix(d);
  return d;
}

test("UDP: bad lengths and checksums are dropped and counted; no socket is counted apart", () => {
  k.netAttachFake(OUR_IP);
  const good = udpDatagram([1, 2, 3, 4], 0x0a000202, OUR_IP);
  put(good);
  k.udpReceive(scratch, good.length, 0x0a000202, OUR_IP);
  assert.is(Number(k.udpNoSocket()), 1, "a good datagram to a port nobody bound");
  const before = Number(k.udpMalformed());
  put(udpDatagram([1, 2, 3, 4], 0x0a000202, OUR_IP, (d) => { d[9] ^= 0xff; }));
  k.udpReceive(scratch, 12, 0x0a000202, OUR_IP);
  put(udpDatagram([1, 2, 3, 4], 0x0a000202, OUR_IP, (d) => { d[5] = 40; }));
  k.udpReceive(scratch, 12, 0x0a000202, OUR_IP);
  put(udpDatagram([1, 2, 3, 4], 0x0a000202, OUR_IP, (d) => { d[5] = 4; }));
  k.udpReceive(scratch, 12, 0x0a000202, OUR_IP);
  k.udpReceive(scratch, 7, 0x0a000202, OUR_IP);
  assert.is(Number(k.udpMalformed()) - before, 4, "checksum, length past the packet, length under the header, truncated header");
});

test("DHCP: replies that are not ours or are malformed change nothing", () => {
  k.netAttachFake(0);
  const before = Number(k.dhcpRejected());
  const reply = new Uint8Array(300);
  reply[0] = 2;
  put(reply);
  k.dhcpReceive(scratch, 300);                        // wrong xid, no cookie
  k.dhcpReceive(scratch, 100);                        // too short
  assert.is(Number(k.dhcpRejected()) - before, 2);
  assert.is(k.dhcpState(), 0, "still idle");
});

function dhcpReply(type: number, yours: number, lease: number, server = 0x0a000202): Uint8Array {
  const m = new Uint8Array(300);
  const v = new DataView(m.buffer);
  m[0] = 2; m[1] = 1; m[2] = 6;
  v.setUint32(4, k.dhcpXid());
  v.setUint32(16, yours);
  m.set([0x52, 0x54, 0, 0x12, 0x34, 0x56], 28);
  v.setUint32(236, 0x63825363);
  m.set([53, 1, type, 54, 4, server >>> 24, (server >> 16) & 255, (server >> 8) & 255, server & 255,
    51, 4, lease >>> 24, (lease >> 16) & 255, (lease >> 8) & 255, lease & 255, 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 2, 2, 255], 240);
  return m;
}

test("DHCP keeps its lease: a unicast REQUEST at T1, a broadcast one at T2, the ACK extends it, a NAK or the end drops the address", () => {
  const SEC = 1_000_000_000n;
  const SERVER = 0x0a000202;
  const frame = () => mem().slice(Number(k.netFrameAt()), Number(k.netFrameAt()) + 342);
  const fresh = (ago: bigint) => {
    k.netAttachFake(0);
    const now = k.netClockNow() as bigint;
    k.dhcpBindForTest(OUR_IP, 0xffffff00, SERVER, SERVER, 1000, now, ago * SEC);
    put(arpPacket(2, SERVER, OUR_IP));
    k.arpReceive(scratch, 28, now);                     // the server's MAC is known
    return now;
  };
  let now = fresh(100n);
  assert.is(k.dhcpMaintain(now), 0);
  assert.is(k.netFramesSent(), 0, "before T1: nothing to do");
  now = fresh(600n);
  assert.is(k.dhcpMaintain(now), 0);
  assert.is(k.netFramesSent(), 1, "past T1: a REQUEST");
  let f = frame();
  assert.equal([...f.slice(0, 6)], [0x52, 0x55, 10, 0, 2, 2], "unicast to the server's MAC");
  assert.is(new DataView(f.buffer).getUint32(14 + 16), SERVER, "to the server's address");
  assert.is(new DataView(f.buffer).getUint32(42 + 12), OUR_IP, "ciaddr is ours");
  assert.is(k.dhcpState(), 4, "renewing");
  put(dhcpReply(5, OUR_IP, 2000));
  k.dhcpReceive(scratch, 300);
  assert.is(k.dhcpState(), 3, "bound again");
  assert.is(k.dhcpRenewals(), 1);
  assert.is(k.dhcpMaintain(k.netClockNow() as bigint), 0);
  assert.is(k.netFramesSent(), 1, "the extended lease needs nothing yet");

  now = fresh(900n);
  assert.is(k.dhcpMaintain(now), 0);
  f = frame();
  assert.equal([...f.slice(0, 6)], [255, 255, 255, 255, 255, 255], "past T2: broadcast");
  assert.is(k.dhcpState(), 5, "rebinding");

  now = fresh(600n);
  k.dhcpMaintain(now);
  put(dhcpReply(6, 0, 0));                               // NAK
  k.dhcpReceive(scratch, 300);
  assert.is(k.dhcpMaintain(now + 2n * SEC), 8, "NotReady: the address is gone");
  assert.is(k.netIp(), 0);

  now = fresh(1001n);
  assert.is(k.dhcpMaintain(now), 8, "the lease ended");
  assert.is(k.netIp(), 0);
});

test("random garbage: nothing is accepted as IPv4, ARP is never answered", () => {
  const next = random(0xa105);
  k.netAttachFake(OUR_IP);
  for (let i = 0; i < 2000; i++) {
    const length = Math.floor(next() * 80);
    const bytes = Uint8Array.from({ length }, () => Math.floor(next() * 256));
    put(bytes);
    const verdict = k.ipv4Check(scratch, length);
    if (verdict === V.Ok) assert.is(k.netChecksum(scratch, (bytes[0] & 0xf) * 4), 0, "only with a right checksum");
    k.arpReceive(scratch, length, 1000n);
    k.udpReceive(scratch, length, 0x0a000202, OUR_IP);
    k.dhcpReceive(scratch, length);
  }
  assert.is(k.netFramesSent(), 0, "no random packet was answered");
});

test("routes: longest prefix wins, then the lower metric; DHCP's configuration makes the connected and default routes", () => {
  k.routesClear();
  const ip = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  assert.is(k.routesLookup(ip(8, 8, 8, 8)) >>> 0, 0xffffffff, "no route at all");
  assert.is(k.routesAdd(0, 0, ip(10, 0, 2, 2), 100), 0);
  assert.is(k.routesAdd(ip(10, 0, 2, 0), 0xffffff00, 0, 0), 0);
  assert.is(k.routesAdd(ip(192, 168, 0, 0), 0xffff0000, ip(10, 0, 2, 9), 10), 0);
  assert.is(k.routesAdd(ip(192, 168, 7, 0), 0xffffff00, ip(10, 0, 2, 8), 10), 0);
  assert.is(k.routesLookup(ip(10, 0, 2, 77)) >>> 0, ip(10, 0, 2, 77), "on the link: the address itself");
  assert.is(k.routesLookup(ip(8, 8, 8, 8)) >>> 0, ip(10, 0, 2, 2), "the default route");
  assert.is(k.routesLookup(ip(192, 168, 3, 1)) >>> 0, ip(10, 0, 2, 9), "the /16");
  assert.is(k.routesLookup(ip(192, 168, 7, 1)) >>> 0, ip(10, 0, 2, 8), "the /24 beats the /16");
  assert.is(k.routesAdd(0, 0, ip(10, 0, 2, 3), 50), 0, "the same destination replaces");
  assert.is(k.routesLookup(ip(8, 8, 4, 4)) >>> 0, ip(10, 0, 2, 3));
  assert.is(k.routesAdd(ip(10, 1, 0, 1), 0xffff0000, 0, 0), 1, "host bits in a destination are refused");
  assert.is(k.routesAdd(ip(10, 1, 0, 0), 0xff00ff00, 0, 0), 1, "a mask that is no prefix is refused");
  assert.is(k.routesRemove(0, 0), 0);
  assert.is(k.routesLookup(ip(8, 8, 8, 8)) >>> 0, 0xffffffff, "without the default route");
  k.netAttachFake(OUR_IP);                      // configure(): 10.0.2.15/24, no router
  assert.is(k.ipv4NextHop(0x0a000203) >>> 0, 0x0a000203);
  assert.is(k.ipv4NextHop(0x08080808) >>> 0, 0, "no router: no route");
});

test.run();
