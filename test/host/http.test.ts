// The HTTP/1.1 pieces on their own: request heads (framing fields, limits, the
// statuses malformed heads are answered with), the chunked decoder fed in every
// split, and the JSON writer's escaping and structure.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";
import { random } from "./random.ts";

const { k } = boot();
const mem = () => new Uint8Array((k.memory as WebAssembly.Memory).buffer);
const at = () => Number(k.tcpScratch());
const put = (s: string | Uint8Array) => { const b = typeof s === "string" ? new TextEncoder().encode(s) : s; mem().set(b, at()); return b.length; };
const M = { Get: 1, Head: 2, Post: 3, Put: 4, Delete: 5, Options: 6 };

function parse(head: string): number {
  const n = put(head);
  const end = k.httpFindEnd(at(), n);
  assert.ok(end > 0, `the head's end is found: ${JSON.stringify(head.slice(0, 40))}`);
  return k.httpParse(at(), end);
}

test("a GET with keep-alive defaults, a path parameter and a query number", () => {
  assert.is(parse("GET /api/agents/42?bytes=1024&x=1 HTTP/1.1\r\nHost: aios\r\n\r\n"), 0);
  assert.is(k.httpMethod(), M.Get);
  assert.ok(k.httpPathIs(1));
  assert.not.ok(k.httpPathIs(0));
  assert.is(k.httpPathNumber(), 42n);
  assert.is(k.httpQueryBytes(), 1024n);
  assert.ok(k.httpKeepAlive());
  assert.is(k.httpBodyLength(), -1n);
  assert.is(parse("GET /api/agents HTTP/1.0\r\n\r\n"), 0, "HTTP/1.0 needs no Host");
  assert.not.ok(k.httpKeepAlive(), "HTTP/1.0 closes by default");
  assert.is(parse("GET /api/agents HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 0);
  assert.ok(k.httpKeepAlive());
  assert.is(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n"), 0);
  assert.not.ok(k.httpKeepAlive());
});

test("framing fields: Content-Length, chunked, Expect; bare LF line ends accepted", () => {
  assert.is(parse("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\nExpect: 100-continue\r\n\r\n"), 0);
  assert.is(k.httpMethod(), M.Post);
  assert.is(k.httpBodyLength(), 12n);
  assert.ok(k.httpContinue());
  assert.is(parse("PUT /x HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n"), 0);
  assert.ok(k.httpChunked());
  assert.is(parse("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"), 0, "the same length twice is one length");
});

test("malformed heads are named by the status to answer", () => {
  const cases: [string, number][] = [
    ["GARBAGE\r\n\r\n", 400],
    ["GET /x HTTP/1.1\r\n\r\n", 400],                                              // no Host
    ["GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400],
    ["GET /x HTTP/2.0\r\nHost: a\r\n\r\n", 505],
    ["GET /x HTTP/1.x\r\nHost: a\r\n\r\n", 400],
    ["BREW /x HTTP/1.1\r\nHost: a\r\n\r\n", 501],
    [`GET /${"a".repeat(2100)} HTTP/1.1\r\nHost: a\r\n\r\n`, 414],
    ["POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400],
    ["POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400],
    ["POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400],
    ["POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501],
    ["GET /x HTTP/1.1\r\nHost : a\r\n\r\n", 400],                                   // space before the colon
    ["GET /x HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400],
    ["GET /x HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", 400],
    ["GET /x HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n", 417],
    [`GET /x HTTP/1.1\r\nHost: a\r\n${"X-A: 1\r\n".repeat(70)}\r\n`, 431],
  ];
  for (const [head, status] of cases) assert.is(parse(head), status, JSON.stringify(head.slice(0, 60)));
});

test("random bytes never parse as a request, never read past the head", () => {
  const rng = random(99);
  for (let i = 0; i < 3000; i++) {
    const bytes = Uint8Array.from({ length: 1 + (rng() % 300) }, () => rng() & 0xff);
    const n = put(bytes);
    const end = k.httpFindEnd(at(), n);
    if (end > 0) assert.ok(end <= n);
    if (end > 0) k.httpParse(at(), end);
  }
});

function decodeChunked(body: string, splits: number[]): { data: string; done: boolean; failed: boolean } {
  k.chunkedStart();
  const bytes = new TextEncoder().encode(body);
  let data = "";
  let offset = 0;
  for (const split of [...splits, bytes.length]) {
    while (offset < Math.min(split, bytes.length)) {
      const n = put(bytes.slice(offset, Math.min(split, bytes.length)));
      const used = k.chunkedStep(at(), n);
      if (k.chunkedDataBytes() > 0) data += new TextDecoder().decode(mem().slice(at() + k.chunkedDataOffset(), at() + k.chunkedDataOffset() + k.chunkedDataBytes()));
      offset += used;
      if (used === 0 || k.chunkedDone() || k.chunkedFailed()) break;
    }
    if (k.chunkedDone() || k.chunkedFailed()) break;
  }
  return { data, done: Boolean(k.chunkedDone()), failed: Boolean(k.chunkedFailed()) };
}

test("chunked bodies decode in every split, with extensions and trailers", () => {
  const body = "5;ext=1\r\nhello\r\n7\r\n, world\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n";
  const whole = decodeChunked(body, []);
  assert.equal(whole, { data: "hello, world0123456789", done: true, failed: false });
  for (let split = 1; split < body.length; split++) {
    assert.equal(decodeChunked(body, [split]), whole, `split at ${split}`);
  }
  const rng = random(5);
  for (let i = 0; i < 200; i++) {
    const splits = Array.from({ length: 5 }, () => rng() % body.length).sort((a, b) => a - b);
    assert.equal(decodeChunked(body, splits), whole);
  }
});

test("chunked errors: no size digits, a bad character, a size past 15 hex digits, a missing CRLF after data", () => {
  for (const bad of ["\r\n", "zz\r\n", "1234567890abcdef0\r\n", "3\r\nabcX\r\n"]) {
    assert.ok(decodeChunked(bad, []).failed, JSON.stringify(bad));
  }
});

test("the JSON writer escapes quotes, backslashes, control characters and stray bytes, and places commas", () => {
  const source = at() + 2048;
  const raw = Uint8Array.from([0x61, 0x0a, 0x22, 0x01, 0xc3, 0xa9, 0xff, 0x62]);      // a \n " ^A é <bad> b
  mem().set(raw, source);
  const length = k.jsonSample(at(), 1024, source, raw.length);
  const text = new TextDecoder().decode(mem().slice(at(), at() + length));
  assert.equal(JSON.parse(text), { a: 'x"y\\z', b: [1, -2, true, null], s: "a\n\"\u0001é\ufffdb", ip: "10.0.2.15" });
  assert.is(k.jsonSample(at(), 20, source, raw.length) >>> 0, 0xffffffff, "a buffer too small says so");
});

test.run();
