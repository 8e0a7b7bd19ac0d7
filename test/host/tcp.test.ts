// TCP (RFC 9293) against recorded segment sequences: the handshake and its
// options, in-order, out-of-order, duplicate and overlapping data, malformed
// segments, RST and SYN checks (RFC 5961), resets for segments no connection
// owns, retransmission with back-off and its limit, fast retransmit, a zero
// window and its probe, both closes through TIME-WAIT, a SYN flood bounded by
// the half-open limit, and random segments that never make the stack misbehave.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";
import { random } from "./random.ts";
import { checksum } from "./inet.ts";

const { k } = boot();
const mem = () => new Uint8Array((k.memory as WebAssembly.Memory).buffer);
const OUR_IP = 0x0a00020f, PEER_IP = 0x0a000202, PORT = 9000;
const F = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 };
const S = { Free: 0, SynSent: 1, SynReceived: 2, Established: 3, FinWait1: 4, FinWait2: 5, CloseWait: 6, Closing: 7, LastAck: 8, TimeWait: 9 };
const E = { Connected: 1, Readable: 2, Writable: 3, PeerClosed: 4, Closed: 5 };
const SEC = 1_000_000_000n;

const pseudo = (from: number, to: number, length: number) => (from >>> 16) + (from & 0xffff) + (to >>> 16) + (to & 0xffff) + 6 + length;

interface Seg { from?: number; sport?: number; dport?: number; seq: number; ack?: number; flags: number; window?: number; data?: Uint8Array; options?: number[] }
function segment(s: Seg): Uint8Array {
  const options = s.options ?? [];
  const header = 20 + options.length;
  const bytes = new Uint8Array(header + (s.data?.length ?? 0));
  const v = new DataView(bytes.buffer);
  v.setUint16(0, s.sport ?? 40000); v.setUint16(2, s.dport ?? PORT);
  v.setUint32(4, s.seq >>> 0); v.setUint32(8, (s.ack ?? 0) >>> 0);
  bytes[12] = (header / 4) << 4; bytes[13] = s.flags; v.setUint16(14, s.window ?? 65535);
  bytes.set(options, 20);
  if (s.data) bytes.set(s.data, header);
  v.setUint16(16, checksum(bytes, pseudo(s.from ?? PEER_IP, OUR_IP, bytes.length)));
  return bytes;
}

let now = 1_000n * SEC;
function deliver(bytes: Uint8Array, from = PEER_IP): void {
  const at = Number(k.tcpScratch());
  mem().set(bytes, at);
  k.tcpSegment(at, bytes.length, from, OUR_IP, now);
  k.tcpFlush();
}

interface Out { sport: number; dport: number; seq: number; ack: number; flags: number; window: number; data: Uint8Array; options: Uint8Array }
let seen = 0;
/** Segments the stack sent since the last call. */
function sent(): Out[] {
  const out: Out[] = [];
  for (; seen < k.tcpCapturedCount(); seen++) {
    const at = Number(k.tcpCapturedAt(seen));
    const length = k.tcpCapturedLength(seen);
    const frame = mem().slice(at, at + length);
    const ip = frame.subarray(14);
    const total = (ip[2] << 8) | ip[3];
    const t = ip.subarray(20, total);
    const v = new DataView(t.buffer, t.byteOffset, t.length);
    const header = (t[12] >> 4) * 4;
    assert.is(checksum(t, pseudo(OUR_IP, (ip[16] << 24 | ip[17] << 16 | ip[18] << 8 | ip[19]) >>> 0, t.length)), 0, "our TCP checksum");
    out.push({ sport: v.getUint16(0), dport: v.getUint16(2), seq: v.getUint32(4), ack: v.getUint32(8), flags: t[13], window: v.getUint16(14),
      data: t.slice(header), options: t.slice(20, header) });
  }
  return out;
}
const text = (s: string) => new TextEncoder().encode(s);
const events = () => Array.from({ length: k.tcpEventCount() }, (_, i) => k.tcpEventAt(i) & 0xff);

function setup(mode = 1): void {
  k.tcpSetup(OUR_IP);
  seen = 0;
  assert.is(k.tcpListenEcho(PORT, mode), 0);
}

/** A handshake from port `sport` with ISN `isn`: our ISN. */
function handshake(sport = 40000, isn = 1000): number {
  deliver(segment({ sport, seq: isn, flags: F.SYN, options: [2, 4, 0x05, 0x78, 1, 3, 3, 7] }));     // MSS 1400, WS 7
  const [synAck] = sent();
  assert.is(synAck.flags, F.SYN | F.ACK);
  assert.is(synAck.ack, isn + 1);
  deliver(segment({ sport, seq: isn + 1, ack: synAck.seq + 1, flags: F.ACK, window: 512 }));       // 512 << 7 = 64 KiB
  assert.is(k.tcpStateOf(PORT, PEER_IP, sport), S.Established);
  return synAck.seq;
}

test("handshake: SYN-ACK acknowledges the SYN and offers MSS 1460 and window scale 2; the ACK establishes", () => {
  setup();
  deliver(segment({ seq: 5000, flags: F.SYN, options: [2, 4, 0x05, 0x78, 1, 3, 3, 7] }));
  const [synAck] = sent();
  assert.is(synAck.flags, F.SYN | F.ACK);
  assert.is(synAck.ack, 5001);
  assert.equal([...synAck.options], [2, 4, 0x05, 0xb4, 1, 3, 3, 2]);
  assert.is(k.tcpStateOf(PORT, PEER_IP, 40000), S.SynReceived);
  assert.is(k.tcpBuffersInUse(), 0, "a half-open connection holds no buffers");
  deliver(segment({ seq: 5001, ack: synAck.seq + 1, flags: F.ACK }));
  assert.is(k.tcpStateOf(PORT, PEER_IP, 40000), S.Established);
  assert.equal(events(), [E.Connected]);
  assert.is(k.tcpBuffersInUse(), 1);
});

test("a SYN without window scale gets a SYN-ACK without it", () => {
  setup();
  deliver(segment({ seq: 1, flags: F.SYN, options: [2, 4, 0x05, 0xb4] }));
  const [synAck] = sent();
  assert.equal([...synAck.options], [2, 4, 0x05, 0xb4, 1, 1, 1, 1]);
});

test("in-order data is read by the owner and echoed, acknowledged in the same segment", () => {
  setup();
  const iss = handshake();
  deliver(segment({ seq: 1001, ack: iss + 1, flags: F.ACK | F.PSH, data: text("hello"), window: 512 }));
  const out = sent();
  assert.is(out.length, 1);
  assert.is(new TextDecoder().decode(out[0].data), "hello");
  assert.is(out[0].seq, iss + 1);
  assert.is(out[0].ack, 1006);
  assert.ok(out[0].flags & F.PSH);
});

test("out-of-order data is held, answered by a duplicate ACK, and released whole when the hole fills", () => {
  setup();
  const iss = handshake();
  deliver(segment({ seq: 1006, ack: iss + 1, flags: F.ACK, data: text("world"), window: 512 }));
  let out = sent();
  assert.is(out.length, 1);
  assert.is(out[0].ack, 1001, "a duplicate ACK for the hole");
  assert.is(out[0].data.length, 0);
  assert.is(k.tcpEchoed(), 0, "nothing readable past the hole");
  deliver(segment({ seq: 1001, ack: iss + 1, flags: F.ACK, data: text("hello"), window: 512 }));
  out = sent();
  const echoed = new TextDecoder().decode(Uint8Array.from(out.flatMap((o) => [...o.data])));
  assert.is(echoed, "helloworld");
  assert.is(out.at(-1)!.ack, 1011);
});

test("duplicate and overlapping segments deliver every byte exactly once", () => {
  setup();
  const iss = handshake();
  const payload = text("abcdefghijklmnopqrstuvwxyz");
  const piece = (from: number, to: number) => segment({ seq: 1001 + from, ack: iss + 1, flags: F.ACK, data: payload.slice(from, to), window: 512 });
  deliver(piece(0, 10));
  deliver(piece(0, 10));                       // duplicate
  deliver(piece(5, 15));                       // overlaps the first
  deliver(piece(20, 26));                      // ahead of a hole
  deliver(piece(18, 24));                      // overlaps the held range
  deliver(piece(12, 20));                      // fills the hole, overlapping both sides
  const out = sent();
  const echoed = new TextDecoder().decode(Uint8Array.from(out.flatMap((o) => [...o.data])));
  assert.is(echoed, "abcdefghijklmnopqrstuvwxyz");
  assert.is(out.at(-1)!.ack, 1027);
});

test("malformed segments are counted and dropped without an answer", () => {
  setup();
  const iss = handshake();
  const before = k.tcpMalformed();
  const good = segment({ seq: 1001, ack: iss + 1, flags: F.ACK, data: text("x"), window: 512 });
  const badSum = good.slice(); badSum[16] ^= 0xff;
  deliver(badSum);
  assert.is(Number(k.tcpChecksumErrors()), 1);
  deliver(good.slice(0, 19));                                  // shorter than a header
  const offsetPast = good.slice(); offsetPast[12] = 15 << 4;   // data offset past the segment
  deliver(fixChecksum(offsetPast));
  const offsetShort = good.slice(); offsetShort[12] = 4 << 4;  // data offset below 20
  deliver(fixChecksum(offsetShort));
  deliver(segment({ seq: 1001, ack: iss + 1, flags: F.ACK, options: [2, 9, 0, 0], window: 512 }));   // an option running off the header
  deliver(segment({ sport: 0, seq: 1, flags: F.SYN }));       // port 0
  assert.is(Number(k.tcpMalformed() - before), 5);
  assert.equal(sent(), [], "nothing answered");
  assert.is(k.tcpStateOf(PORT, PEER_IP, 40000), S.Established);
});

function fixChecksum(bytes: Uint8Array): Uint8Array {
  bytes[16] = 0; bytes[17] = 0;
  const sum = checksum(bytes, pseudo(PEER_IP, OUR_IP, bytes.length));
  bytes[16] = sum >> 8; bytes[17] = sum & 0xff;
  return bytes;
}

test("RST and SYN inside the window but not exact get a challenge ACK (RFC 5961); the exact RST resets", () => {
  setup(0);
  const iss = handshake();
  deliver(segment({ seq: 1500, flags: F.RST }));
  let out = sent();
  assert.is(out.length, 1);
  assert.is(out[0].flags, F.ACK);
  assert.is(out[0].ack, 1001);
  deliver(segment({ seq: 1200, flags: F.SYN }));
  out = sent();
  assert.is(out[0].flags, F.ACK, "challenge ACK for a SYN");
  assert.is(Number(k.tcpChallengeAcks()), 2);
  assert.is(k.tcpStateOf(PORT, PEER_IP, 40000), S.Established);
  deliver(segment({ seq: 1001, flags: F.RST }));
  assert.is(k.tcpStateOf(PORT, PEER_IP, 40000), S.Free);
  assert.equal(events(), [E.Connected, E.Closed]);
  assert.is(k.tcpBuffersInUse(), 0);
  void iss;
});

test("segments no connection owns get resets: RST|ACK for a SYN to a closed port, RST at the ACK's number otherwise", () => {
  setup();
  deliver(segment({ dport: 81, seq: 777, flags: F.SYN }));
  let [reset] = sent();
  assert.is(reset.flags, F.RST | F.ACK);
  assert.is(reset.ack, 778);
  deliver(segment({ dport: 81, seq: 5, ack: 424242, flags: F.ACK }));
  [reset] = sent();
  assert.is(reset.flags, F.RST);
  assert.is(reset.seq, 424242);
  deliver(segment({ dport: 81, seq: 5, flags: F.RST }));
  assert.equal(sent(), [], "a reset is never answered");
});

test("unacknowledged data is retransmitted with back-off, and the connection ends after the retry limit", () => {
  setup();
  const iss = handshake();
  deliver(segment({ seq: 1001, ack: iss + 1, flags: F.ACK, data: text("ping"), window: 512 }));
  const [first] = sent();
  let gap = 1n * SEC;
  let at = now;
  let retransmissions = 0;
  for (let i = 0; i < 20 && k.tcpStateOf(PORT, PEER_IP, 40000) !== S.Free; i++) {
    at += gap;
    k.tcpTick(at);
    const out = sent().filter((o) => o.data.length > 0);
    if (out.length) { retransmissions++; assert.is(out[0].seq, first.seq); assert.is(new TextDecoder().decode(out[0].data), "ping"); }
    gap *= 2n;
  }
  assert.is(retransmissions, 12);
  assert.is(k.tcpStateOf(PORT, PEER_IP, 40000), S.Free);
  assert.equal(events().slice(-1), [E.Closed]);
  now = at;
});

test("three duplicate ACKs retransmit the missing segment at once (fast retransmit)", () => {
  setup();
  const iss = handshake();
  const data = new Uint8Array(5000).map((_, i) => i & 0xff);
  deliver(segment({ seq: 1001, ack: iss + 1, flags: F.ACK, data: data.slice(0, 1400), window: 512 }));
  deliver(segment({ seq: 2401, ack: iss + 1, flags: F.ACK, data: data.slice(1400, 2800), window: 512 }));
  deliver(segment({ seq: 3801, ack: iss + 1, flags: F.ACK, data: data.slice(2800, 4200), window: 512 }));
  const out = sent().filter((o) => o.data.length > 0);
  const firstSeq = out[0].seq;
  // the peer got the first 1400 bytes only: three duplicate ACKs for the next
  const hole = firstSeq + 1400;
  for (let i = 0; i < 4; i++) deliver(segment({ seq: 5201, ack: hole, flags: F.ACK, window: 512 }));   // a new ACK, then three duplicates
  const again = sent().filter((o) => o.data.length > 0);
  assert.ok(again.length >= 1, "a retransmission");
  assert.is(again[0].seq, hole);
  assert.ok(k.tcpRetransmissions() > 0);
});

test("a zero window stops sending; the persist probe asks again; an opening window resumes", () => {
  setup();
  const iss = handshake();
  deliver(segment({ seq: 1001, ack: iss + 1, flags: F.ACK, window: 0 }));
  deliver(segment({ seq: 1001, ack: iss + 1, flags: F.ACK, data: text("blocked"), window: 0 }));
  let out = sent();
  assert.ok(out.every((o) => o.data.length === 0), "nothing sent into a zero window");
  k.tcpTick(now + 2n * SEC);
  out = sent();
  assert.ok(out.some((o) => o.data.length === 1), "a one-byte probe");
  const probe = out.find((o) => o.data.length === 1)!;
  deliver(segment({ seq: 1008, ack: probe.seq + 1, flags: F.ACK, window: 512 }));
  out = sent();
  assert.is(new TextDecoder().decode(Uint8Array.from(out.flatMap((o) => [...o.data]))), "locked");
});

test("passive close: FIN → CLOSE-WAIT → the owner closes → LAST-ACK → closed, buffers returned", () => {
  setup();
  const iss = handshake();
  deliver(segment({ seq: 1001, ack: iss + 1, flags: F.ACK | F.FIN, window: 512 }));
  const out = sent();
  const fin = out.find((o) => o.flags & F.FIN)!;
  assert.ok(fin, "our FIN (the echo owner closes on PeerClosed)");
  assert.is(fin.ack, 1002);
  assert.is(k.tcpStateOf(PORT, PEER_IP, 40000), S.LastAck);
  deliver(segment({ seq: 1002, ack: fin.seq + 1, flags: F.ACK, window: 512 }));
  assert.is(k.tcpStateOf(PORT, PEER_IP, 40000), S.Free);
  assert.equal(events(), [E.Connected, E.PeerClosed, E.Closed]);
  assert.is(k.tcpBuffersInUse(), 0);
});

test("active close: FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT, re-ACKs a repeated FIN, and ends after 2 MSL", () => {
  setup(0);
  const at = Number(k.tcpScratch());
  const handle = k.tcpConnect(PEER_IP, 80, now);
  assert.ok(handle > 0);
  const [syn] = sent();
  assert.is(syn.flags, F.SYN);
  deliver(segment({ sport: 80, dport: syn.sport, seq: 9000, ack: syn.seq + 1, flags: F.SYN | F.ACK, options: [2, 4, 5, 0xb4] }));
  const [ack] = sent();
  assert.is(ack.ack, 9001);
  assert.is(k.tcpStateOf(syn.sport, PEER_IP, 80), S.Established);
  mem().set(text("GET"), at);
  assert.is(k.tcpSend(handle, at, 3, now), 3);
  assert.is(k.tcpClose(handle, now), 0);
  const out = sent();
  const last = out.at(-1)!;
  assert.ok(last.flags & F.FIN, "our FIN");
  const finAck = last.seq + last.data.length + 1;
  assert.is(k.tcpStateOf(syn.sport, PEER_IP, 80), S.FinWait1);
  deliver(segment({ sport: 80, dport: syn.sport, seq: 9001, ack: finAck, flags: F.ACK }));
  assert.is(k.tcpStateOf(syn.sport, PEER_IP, 80), S.FinWait2);
  deliver(segment({ sport: 80, dport: syn.sport, seq: 9001, ack: finAck, flags: F.ACK | F.FIN }));
  assert.is(k.tcpStateOf(syn.sport, PEER_IP, 80), S.TimeWait);
  assert.is(k.tcpBuffersInUse(), 0, "TIME-WAIT holds no buffers");
  sent();
  deliver(segment({ sport: 80, dport: syn.sport, seq: 9001, ack: finAck, flags: F.ACK | F.FIN }));
  assert.is(sent()[0]?.ack, 9002, "the repeated FIN is acknowledged again");
  k.tcpTick(now + 31n * SEC);
  assert.is(k.tcpStateOf(syn.sport, PEER_IP, 80), S.Free);
  assert.equal(events(), [E.Connected, E.PeerClosed, E.Closed]);
});

test("keep-alive: an idle connection is probed after two hours, an answer keeps it, nine unanswered probes end it", () => {
  setup(0);
  const iss = handshake();
  assert.is(k.tcpKeepaliveOn(PORT, PEER_IP, 40000), 0);
  const HOUR = 3600n * SEC;
  k.tcpTick(now + HOUR);
  assert.equal(sent(), [], "no probe within two hours");
  k.tcpTick(now + 2n * HOUR + SEC);
  let probes = sent();
  assert.is(probes.length, 1);
  assert.is(probes[0].seq, iss, "a probe carries the sequence number before sndUna");
  assert.is(probes[0].data.length, 0);
  now += 2n * HOUR + 2n * SEC;
  deliver(segment({ seq: 1001, ack: iss + 1, flags: F.ACK, window: 512 }));        // the peer answers
  k.tcpTick(now + HOUR);
  assert.equal(sent(), [], "the answer restarted the idle time");
  let at = now + 2n * HOUR + SEC;
  for (let i = 0; i < 10; i++) { k.tcpTick(at); at += 75n * SEC; }
  probes = sent();
  assert.is(probes.filter((o) => o.flags === F.ACK).length, 9, "nine probes");
  assert.ok(probes.some((o) => o.flags & F.RST), "then a reset");
  assert.is(k.tcpStateOf(PORT, PEER_IP, 40000), S.Free);
  assert.equal(events().slice(-1), [E.Closed]);
  now = at;
});

test("a SYN flood keeps at most 128 connections half-open and leaves room for real ones", () => {
  setup();
  for (let i = 0; i < 1000; i++) {
    const from = 0x0a000300 + (i % 200);
    deliver(segment({ from, sport: 1024 + i, seq: i * 7919, flags: F.SYN }), from);
  }
  assert.is(k.tcpHalfOpen(), 128);
  assert.is(k.tcpBuffersInUse(), 0);
  sent();
  handshake(50000, 1);
  // unanswered SYN-ACKs are sent again with back-off, and the half-open connections end
  let at = now;
  for (let i = 0; i < 8; i++) { at += 40n * SEC; k.tcpTick(at); }
  assert.is(k.tcpHalfOpen(), 0, "every half-open connection timed out");
  assert.is(k.tcpStateOf(PORT, PEER_IP, 50000), S.Established, "the real one stays");
});

test("random segments never crash the stack, never leak a buffer, and never make it send data no owner wrote", () => {
  const rng = random(0x7c9);
  setup(0);
  const iss = handshake();
  for (let i = 0; i < 5000; i++) {
    const kind = rng() % 4;
    let bytes: Uint8Array;
    if (kind === 0) bytes = Uint8Array.from({ length: rng() % 80 }, () => rng() & 0xff);
    else bytes = segment({ seq: (1001 + (rng() % 200000) - 100000) >>> 0, ack: (iss + (rng() % 3)) >>> 0, flags: rng() & 0x3f,
      window: rng() & 0xffff, data: Uint8Array.from({ length: rng() % 100 }, () => rng() & 0xff),
      options: kind === 3 ? Array.from({ length: 4 * (rng() % 3) }, () => rng() & 0xff) : [] });
    deliver(bytes);
    if (i % 100 === 0) k.tcpTick(now + BigInt(i) * 10_000_000n);
  }
  const carrying = sent().filter((o) => o.data.length > 0);
  assert.equal(carrying.map((o) => o.data.length), [], "no owner wrote any data");
  assert.ok(k.tcpBuffersInUse() <= 1);
});

test.run();
