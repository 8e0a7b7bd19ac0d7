// The DNS resolver (src/kernel/net/dns.ts) against constructed messages: names
// are encoded and checked, queries laid out as RFC 1035 says, answers believed
// only for our id and question, CNAME chains followed to the A record with the
// smallest TTL, RCODEs turned into Errno values; compression pointers that loop,
// point forward or out of the message, labels and records past its end, are
// Malformed, never a hang or a read out of bounds (random damage included). The
// cache honours TTLs, and aios.dns= names a server.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";
import { random } from "./random.ts";

const b = boot();
const { k } = b;
const base = Number(k.bigScratchAddress());
const NAME = base, OUT = base + 512, MESSAGE = base + 1024;
const mem = () => new Uint8Array((k.memory as WebAssembly.Memory).buffer);
const E = { Ok: 0, InvalidArgument: 1, Malformed: 2, Truncated: 3, NotFound: 4, PermissionDenied: 10, NotSupported: 6, DeviceError: 18 };
const ANSWER = 0, NOT_OURS = 1;

function encode(name: string): number {
  mem().set(Buffer.from(name, "latin1"), NAME);
  return k.dnsEncodeName(NAME, name.length, OUT);
}
const encoded = (length: number) => Buffer.from(mem().slice(OUT, OUT + length));
function labels(name: string): Buffer {
  const parts = name.split(".").filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l.toLowerCase())]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

test("names: encoded as lower-case labels; what is not a name is refused", () => {
  let n = encode("WWW.Example.com");
  assert.ok(encoded(n).equals(labels("www.example.com")));
  n = encode("example.com.");
  assert.ok(encoded(n).equals(labels("example.com")), "a trailing dot");
  for (const bad of ["", ".", "a..b", ".a", "a b.com", "x".repeat(64) + ".com", ("a".repeat(63) + ".").repeat(4) + "abc", "caf\xe9.fr"]) {
    assert.is(encode(bad), 0, JSON.stringify(bad.slice(0, 20)));
  }
  assert.ok(encode("x".repeat(63) + ".com") > 0, "a 63-byte label");
  assert.is(encode(("a".repeat(63) + ".").repeat(3) + "a".repeat(61)), 255, "253 characters: 255 bytes encoded");
});

test("a query: header, recursion desired, one question for A IN", () => {
  const n = encode("example.com");
  const length = k.dnsBuildQuery(0xbeef, OUT, n, MESSAGE);
  const q = Buffer.from(mem().slice(MESSAGE, MESSAGE + length));
  assert.ok(q.equals(Buffer.concat([Buffer.from([0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), labels("example.com"), Buffer.from([0, 1, 0, 1])])));
});

interface Record { name: Buffer; type: number; klass?: number; ttl: number; data: Buffer }
function record(r: Record): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(r.type, 0); fixed.writeUInt16BE(r.klass ?? 1, 2); fixed.writeUInt32BE(r.ttl >>> 0, 4); fixed.writeUInt16BE(r.data.length, 8);
  return Buffer.concat([r.name, fixed, r.data]);
}
const POINTER_TO_QUESTION = Buffer.from([0xc0, 12]);
function response(options: { id?: number; flags?: number; question?: string; qtype?: number; answers?: Buffer[] } = {}): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(options.id ?? 0x1234, 0);
  header.writeUInt16BE(options.flags ?? 0x8180, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(options.answers?.length ?? 0, 6);
  const qtail = Buffer.alloc(4);
  qtail.writeUInt16BE(options.qtype ?? 1, 0); qtail.writeUInt16BE(1, 2);
  return Buffer.concat([header, labels(options.question ?? "example.com"), qtail, ...(options.answers ?? [])]);
}
const A = (address: number[], ttl = 300, name = POINTER_TO_QUESTION) => record({ name, type: 1, ttl, data: Buffer.from(address) });

function parse(message: Buffer, id = 0x1234, question = "example.com"): number {
  const n = encode(question);
  assert.ok(n > 0);
  mem().set(message, MESSAGE);
  return k.dnsParse(MESSAGE, message.length, id, OUT);
}

test("an A answer, its owner a pointer to the question", () => {
  assert.is(parse(response({ answers: [A([93, 184, 216, 34], 3600)] })), ANSWER);
  assert.is(k.dnsParsedResult(), E.Ok);
  assert.is(k.dnsParsedAddress() >>> 0, 0x5db8d822);
  assert.is(k.dnsParsedTtl(), 3600);
  assert.is(parse(response({ question: "EXAMPLE.com", answers: [A([1, 2, 3, 4])] })), ANSWER, "names compare without case");
});

test("a CNAME chain is followed to its A record; the smallest TTL counts", () => {
  const www = response({ question: "www.example.com" });
  const target = labels("web.example.net");
  const cname = record({ name: POINTER_TO_QUESTION, type: 5, ttl: 100, data: target });
  const targetAt = www.length + 2 + 10;                    // where the CNAME's rdata starts
  const a = A([10, 1, 2, 3], 500, Buffer.from([0xc0 | (targetAt >> 8), targetAt & 0xff]));
  const other = A([6, 6, 6, 6], 500, labels("evil.example.org"));
  const message = response({ question: "www.example.com", answers: [cname, other, a] });
  assert.is(parse(message, 0x1234, "www.example.com"), ANSWER);
  assert.is(k.dnsParsedResult(), E.Ok);
  assert.is(k.dnsParsedAddress() >>> 0, 0x0a010203, "not the unrelated record's address");
  assert.is(k.dnsParsedTtl(), 100);
});

test("not ours: wrong id, a query, another question or type, too short — ignored", () => {
  const good = response({ answers: [A([1, 2, 3, 4])] });
  assert.is(parse(good, 0x1235), NOT_OURS, "wrong id");
  assert.is(parse(response({ flags: 0x0100, answers: [A([1, 2, 3, 4])] })), NOT_OURS, "not a response");
  assert.is(parse(response({ flags: 0x8980 })), NOT_OURS, "another opcode");
  assert.is(parse(good, 0x1234, "example.org"), NOT_OURS, "another question");
  assert.is(parse(response({ qtype: 28 })), NOT_OURS, "AAAA asked");
  assert.is(parse(good.subarray(0, 11)), NOT_OURS, "shorter than a header");
  assert.is(parse(good.subarray(0, 20)), NOT_OURS, "question cut short");
});

test("RCODEs and TC become Errno values; no address is NotFound", () => {
  for (const [rcode, errno] of [[3, E.NotFound], [2, E.DeviceError], [5, E.PermissionDenied], [4, E.NotSupported], [1, E.Malformed], [9, E.Malformed]]) {
    assert.is(parse(response({ flags: 0x8180 | rcode })), ANSWER);
    assert.is(k.dnsParsedResult(), errno, `rcode ${rcode}`);
  }
  assert.is(parse(response({ flags: 0x8380 })), ANSWER);
  assert.is(k.dnsParsedResult(), E.Truncated, "TC");
  assert.is(parse(response()), ANSWER);
  assert.is(k.dnsParsedResult(), E.NotFound, "no answers");
  assert.is(parse(response({ answers: [A([1, 2, 3, 4], 60, labels("other.example.com"))] })), ANSWER);
  assert.is(k.dnsParsedResult(), E.NotFound, "an answer for another name");
  assert.is(parse(response({ answers: [record({ name: POINTER_TO_QUESTION, type: 1, ttl: 1, data: Buffer.from([1, 2, 3, 4, 5]) })] })), ANSWER);
  assert.is(k.dnsParsedResult(), E.Malformed, "A with 5 bytes");
  assert.is(parse(response({ answers: [A([1, 2, 3, 4], 0x80000001)] })), ANSWER);
  assert.is(k.dnsParsedTtl(), 0, "a TTL with its top bit set is 0 (RFC 2181)");
});

test("malformed answers: pointer loops, forward and out-of-range pointers, truncation", () => {
  const base = response();
  const at = base.length;                                  // the answer's owner name starts here
  const cases: [string, Buffer][] = [
    ["a pointer to itself", Buffer.concat([base, record({ name: Buffer.from([0xc0 | (at >> 8), at & 0xff]), type: 1, ttl: 1, data: Buffer.from([1, 2, 3, 4]) })])],
    ["a forward pointer", Buffer.concat([base, record({ name: Buffer.from([0xc0, at + 2]), type: 1, ttl: 1, data: Buffer.from([1, 2, 3, 4]) })])],
    ["a pointer past the end", Buffer.concat([base, record({ name: Buffer.from([0xff, 0xff]), type: 1, ttl: 1, data: Buffer.from([1, 2, 3, 4]) })])],
    // a label then a pointer back to that label: a loop through a "backward" pointer
    ["a loop through a label", Buffer.concat([base, Buffer.from([1, 0x61, 0xc0 | (at >> 8), at & 0xff]), Buffer.alloc(10)])],
    ["a reserved label type", Buffer.concat([base, Buffer.from([0x41, 0]), Buffer.alloc(10)])],
    ["a label past the end", Buffer.concat([base, Buffer.from([20, 0x61, 0x62])])],
    ["a record cut short", Buffer.concat([base, POINTER_TO_QUESTION, Buffer.from([0, 1, 0, 1])])],
    ["rdata past the end", Buffer.concat([base, A([1, 2, 3, 4]).subarray(0, 14)])],
    ["a CNAME target looping", Buffer.concat([base, record({ name: POINTER_TO_QUESTION, type: 5, ttl: 1, data: Buffer.from([0xc0 | ((at + 12) >> 8), (at + 12) & 0xff]) })])],
  ];
  for (const [name, message] of cases) {
    message.writeUInt16BE(1, 6);                           // one answer
    assert.is(parse(message), ANSWER, name);
    assert.is(k.dnsParsedResult(), E.Malformed, name);
  }
  // a name reaching past 255 bytes through pointers is refused too
  const long: number[] = [0];
  let previous = 0;
  for (let i = 0; i < 5; i++) { const start = long.length; long.push(63, ...Array(63).fill(0x61), 0xc0, previous); previous = start; }
  mem().set(long, MESSAGE);
  assert.is(k.dnsReadName(MESSAGE, long.length, previous, OUT), -1, "5 labels of 63 bytes");
});

test("readName: pointer chains are bounded; every read stays in the message", () => {
  // 20 names, each a label and a pointer to the one before: a chain of 19 pointers
  const parts: number[] = [0];
  let previous = 0;
  for (let i = 0; i < 20; i++) {
    const at = parts.length;
    parts.push(1, 0x61 + i, 0xc0, previous);
    previous = at;
  }
  mem().set(parts, MESSAGE);
  assert.is(k.dnsReadName(MESSAGE, parts.length, previous, OUT), -1, "more than 16 pointers");
  assert.ok(k.dnsReadName(MESSAGE, parts.length, 4 * 10 + 1, OUT) > 0, "10 pointers are fine");
  const next = random(0xd45);
  for (let i = 0; i < 5000; i++) {
    const length = 1 + Math.floor(next() * 64);
    const bytes = Uint8Array.from({ length }, () => { const r = next(); return r < 0.3 ? 0xc0 : r < 0.5 ? Math.floor(next() * 8) : Math.floor(next() * 256); });
    mem().set(bytes, MESSAGE);
    const end = k.dnsReadName(MESSAGE, length, Math.floor(next() * length), OUT);
    assert.ok(end === -1 || (end > 0 && end <= length), `end ${end} of ${length}`);
  }
});

test("random damage to a good answer: always a verdict, never a hang or a trap", () => {
  const good = response({ question: "www.example.com", answers: [record({ name: POINTER_TO_QUESTION, type: 5, ttl: 100, data: labels("a.example.net") }), A([1, 2, 3, 4])] });
  const next = random(0xbad);
  for (let i = 0; i < 3000; i++) {
    const message = Buffer.from(good);
    const flips = 1 + Math.floor(next() * 4);
    for (let f = 0; f < flips; f++) message[Math.floor(next() * message.length)] = Math.floor(next() * 256);
    const cut = next() < 0.3 ? Math.floor(next() * message.length) : message.length;
    const verdict = parse(message.subarray(0, cut), 0x1234, "www.example.com");
    assert.ok(verdict === ANSWER || verdict === NOT_OURS);
  }
});

test("the cache: kept for the TTL, not past it; TTL 0 is not cached", () => {
  k.dnsClearCache();
  const n = encode("cached.example");
  const S = 1_000_000_000n;
  k.dnsCacheStore(OUT, n, 0x01020304, 60, 10n * S);
  assert.is(k.dnsCacheLookup(OUT, 69n * S) >>> 0, 0x01020304);
  assert.is(k.dnsCacheLookup(OUT, 70n * S), 0, "expired");
  const m = encode("zero.example");
  k.dnsCacheStore(OUT, m, 0x05060708, 0, 0n);
  assert.is(k.dnsCacheLookup(OUT, 0n), 0);
  // 17 names in 16 entries: the one expiring first makes room
  for (let i = 0; i < 17; i++) { const l = encode(`n${i}.example`); k.dnsCacheStore(OUT, l, i + 1, 100 + i, 0n); }
  encode("n0.example");
  assert.is(k.dnsCacheLookup(OUT, 1n), 0, "the shortest-lived entry went");
  encode("n16.example");
  assert.is(k.dnsCacheLookup(OUT, 1n), 17);
  k.dnsClearCache();
});

test("aios.ip= sets a static address, prefix, router and DNS; bad values leave DHCP; aios.net= and its default", () => {
  const parse = (text: string) => { const at = base + 4096; b.write(at, text); k.cmdlineParse(at, text.length); };
  parse("aios.ip=172.16.0.2/30,172.16.0.1,1.1.1.1");
  assert.is(k.cmdlineStaticIp() >>> 0, 0xac100002);
  assert.is(k.cmdlineStaticMask() >>> 0, 0xfffffffc);
  assert.is(k.cmdlineStaticRouter() >>> 0, 0xac100001);
  assert.is(k.cmdlineStaticDns() >>> 0, 0x01010101);
  parse("aios.ip=10.0.2.15/24");
  assert.is(k.cmdlineStaticMask() >>> 0, 0xffffff00);
  assert.is(k.cmdlineStaticRouter(), 0);
  for (const bad of ["aios.ip=10.0.2.15", "aios.ip=10.0.2.15/0", "aios.ip=10.0.2.15/33", "aios.ip=0.0.0.0/8", "aios.ip=10.0.2.15/24,", "aios.ip=10.0.2.15/24,1.2.3", "aios.ip=10.0.2.15/24x"]) {
    parse(bad);
    assert.is(k.cmdlineStaticIp(), 0, bad);
  }
  parse("");
  assert.ok(k.cmdlineNetworkEnabled(), "on by default");
  parse("aios.test=boot");
  assert.not.ok(k.cmdlineNetworkEnabled(), "off while a scenario runs");
  parse("aios.test=boot aios.net=on");
  assert.ok(k.cmdlineNetworkEnabled());
  parse("aios.net=off");
  assert.not.ok(k.cmdlineNetworkEnabled());
});

test("aios.dns= names a server and port; bad values leave DHCP's", () => {
  const parse = (text: string) => { const at = base + 4096; b.write(at, text); k.cmdlineParse(at, text.length); };
  parse("aios.dns=10.0.2.2:5353");
  assert.is(k.cmdlineDnsServer() >>> 0, 0x0a000202);
  assert.is(k.cmdlineDnsPort(), 5353);
  parse("aios.log=info aios.dns=192.168.1.1");
  assert.is(k.cmdlineDnsServer() >>> 0, 0xc0a80101);
  assert.is(k.cmdlineDnsPort(), 53);
  for (const bad of ["aios.dns=", "aios.dns=10.0.2", "aios.dns=10.0.2.256", "aios.dns=1.2.3.4:", "aios.dns=1.2.3.4:0", "aios.dns=1.2.3.4:70000", "aios.dns=1.2.3.4x", "aios.dns=0.0.0.0"]) {
    parse(bad);
    assert.is(k.cmdlineDnsServer(), 0, bad);
  }
});

test.run();
