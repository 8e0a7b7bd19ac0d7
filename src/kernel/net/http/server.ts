// server.ts — an HTTP/1.1 server on the kernel's TCP (RFC 9112): persistent
// connections, pipelined requests answered in order, Content-Length and chunked
// request bodies, 100-continue, HEAD, limits on the head (8 KiB) and on bodies,
// and clear 4xx/5xx answers with a JSON body — after which a connection whose
// framing can no longer be trusted is closed. The application gives one router
// function: it reads the request (request.ts) and the body, writes a JSON body
// with json.ts into the response buffer, and returns the status. Two streaming
// routes are built in for diagnostics and benchmarks: a sink that digests a body
// of any size with SHA-256, and a source that sends N pattern bytes.
// Sessions are indexed by TCP slot; all of it runs under the kernel lock on the
// network thread.
import { Errno } from "../../../abi";
import * as crypto from "../../crypto";
import * as clock from "../../clock";
import { grown } from "../../memory";
import * as tcp from "../tcp";
import * as chunked from "../../../lib/http/chunked";
import * as json from "../../../lib/http/json";
import * as request from "../../../lib/http/request";
import { Method } from "../../../lib/http/request";

export const MAX_BODY: u32 = 49152;            // bodies routers see whole; larger only to the sink
const RESPONSE_BYTES: u32 = 112 * 1024;
const HEADROOM: u32 = 256;                     // status line and fields go before the body
const SLOTS: i32 = tcp.connection.MAX_CONNECTIONS;
const HEAD_TIMEOUT_NS: u64 = 10_000_000_000;   // a head must arrive whole within this (slow-loris)
const IDLE_TIMEOUT_NS: u64 = 60_000_000_000;   // a kept-alive connection idle this long is closed

/** A router: the status for the parsed request, its JSON body written with
 *  json.ts (begun for it); `body`/`bodyLength` hold the request body. */
export type Router = (method: Method, body: usize, bodyLength: u32) => u32;
export const SINK: u32 = 1;                    // a router's answer: stream the body into the digest sink
export const SOURCE: u32 = 2;                  // stream setSourceLength() pattern bytes
export const DISCARD: u32 = 3;                 // like SINK, counting the body without hashing it

const enum Phase { Idle = 0, Head = 1, SinkLength = 2, SinkChunked = 3, Streaming = 4, Closing = 5 }

@unmanaged class Session {
  handle: i32;
  phase: u32;
  remaining: u64;          // body bytes still to come (SinkLength), or source bytes to send
  total: u64;              // body bytes digested, or source bytes sent
  keepAlive: u32;
  headMethod: u32;         // the request was HEAD: no body in the answer
  continueSent: u32;
  digesting: u32;          // the sink hashes what it takes (else it only counts)
  since: u64;              // when the current head began, or the last activity
}
const SESSION_BYTES: usize = (offsetof<Session>() + 7) & ~<usize>7;
// The server's memory (about 230 KiB) is grown when it first listens, not
// compiled into the kernel's initial memory, which must fit its 2 MiB boot window:
//   sessions | SHA-256 contexts | chunked states | head + body | response
const SESSIONS_BYTES: usize = <usize>SLOTS * SESSION_BYTES;
const DIGESTS_BYTES: usize = <usize>SLOTS * <usize>crypto.sha256.CONTEXT_BYTES;
const CHUNK_STATES_BYTES: usize = <usize>SLOTS * chunked.STATE_BYTES;
const HEAD_BUFFER_BYTES: usize = <usize>(request.MAX_HEAD + MAX_BODY);
const ARENA_BYTES: usize = SESSIONS_BYTES + DIGESTS_BYTES + CHUNK_STATES_BYTES + HEAD_BUFFER_BYTES + <usize>RESPONSE_BYTES;
let sessions: usize = 0;
let digests: usize = 0;
let chunkStates: usize = 0;
let headBuffer: usize = 0;
let responseBuffer: usize = 0;
const digestOut = memory.data(32);

/** Grows the server's memory once; false when there is none. */
function arena(): bool {
  if (sessions != 0) return true;
  sessions = grown.take(ARENA_BYTES);
  if (sessions == 0) return false;
  digests = sessions + SESSIONS_BYTES;
  chunkStates = digests + DIGESTS_BYTES;
  headBuffer = chunkStates + CHUNK_STATES_BYTES;
  responseBuffer = headBuffer + HEAD_BUFFER_BYTES;
  memory.fill(sessions, 0, SESSIONS_BYTES);
  return true;
}

let router: u32 = 0;
let allowed: string = "GET, HEAD";
let served: u64 = 0;
let clientErrors: u64 = 0;
let sourceLength: u64 = 0;

export function requestsServed(): u64 { return served; }
export function clientErrorCount(): u64 { return clientErrors; }
export function setSourceLength(bytes: u64): void { sourceLength = bytes; }
/** The methods a 405 answer names in its Allow field (RFC 9110 §15.5.6 requires it). */
export function setAllowed(methods: string): void { allowed = methods; }

function session(slot: i32): Session { return changetype<Session>(sessions + <usize>slot * SESSION_BYTES); }
function slotOf(handle: i32): i32 { return tcp.connection.slotIndex(handle); }

function reasonOf(status: u32): string {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
  }
  return "Unknown";
}

// ---- the head of a response, written backwards into the headroom before the body
let headLength: u32 = 0;
const headScratch = memory.data(<i32>HEADROOM);
function put(text: string): void { for (let i = 0; i < text.length; i++) store<u8>(headScratch + <usize>(headLength++), <u8>text.charCodeAt(i)); }
function putNumber(value: u64): void {
  if (value >= 10) putNumber(value / 10);
  store<u8>(headScratch + <usize>(headLength++), <u8>(value % 10 + 0x30));
}

/** The response of `status` with the JSON body of `bodyLength` bytes at
 *  responseBuffer + HEADROOM: queued whole, or false (nothing queued) when the
 *  send ring has not the room yet. */
function queue(s: Session, status: u32, bodyLength: u32, close: bool, contentType: string = "application/json"): bool {
  headLength = 0;
  put("HTTP/1.1 "); putNumber(status); put(" "); put(reasonOf(status)); put("\r\nServer: aios\r\n");
  put("Content-Type: "); put(contentType); put("\r\nContent-Length: "); putNumber(bodyLength); put("\r\n");
  if (close) put("Connection: close\r\n");
  if (status == 405) { put("Allow: "); put(allowed); put("\r\n"); }
  put("\r\n");
  const sendBody = s.headMethod == 0 ? bodyLength : 0;
  const start = responseBuffer + <usize>(HEADROOM - headLength);
  memory.copy(start, headScratch, headLength);
  const total = headLength + sendBody;
  if (tcp.sendSpace(s.handle) < <i32>total) return false;
  tcp.send(s.handle, start, total, clock.nanoseconds());
  served++;
  return true;
}

function beginBody(): void { json.begin(responseBuffer + <usize>HEADROOM, RESPONSE_BYTES - HEADROOM); }

/** An error answer {"error": status, "message": reason}; the connection closes after it. */
function fail(s: Session, status: u32): void {
  clientErrors++;
  beginBody();
  json.objectBegin();
  json.fieldUnsigned("error", status);
  json.fieldString("message", reasonOf(status));
  json.objectEnd();
  s.headMethod = 0;
  queue(s, status, json.length(), true);          // an error fits any ring that has a head waiting
  s.phase = Phase.Closing;
  tcp.close(s.handle, clock.nanoseconds());
}

/** Takes connections on `port`, answering with `route`. */
export function listen(portNumber: u32, route: Router): Errno {
  if (!arena()) return Errno.ResourceExhausted;
  router = <u32>changetype<usize>(route);
  return tcp.listen(portNumber, event, 0);
}

function event(handle: i32, what: tcp.listeners.Event, context: u32): void {
  const slot = slotOf(handle);
  const s = session(slot);
  if (what == tcp.listeners.Event.Connected) {
    memory.fill(changetype<usize>(s), 0, SESSION_BYTES);
    s.handle = handle;
    s.phase = Phase.Idle;
    s.since = clock.nanoseconds();
    return;
  }
  if (s.handle != handle) return;
  if (what == tcp.listeners.Event.Closed) { s.handle = -1; return; }
  work(s);
}

/** Serves what has arrived until it runs out of input or room. */
function work(s: Session): void {
  const now = clock.nanoseconds();
  while (true) {
    if (s.phase == Phase.Closing) {
      const n = tcp.available(s.handle);                          // drain what still comes
      if (n > 0) tcp.consume(s.handle, <u32>n, now);
      return;
    }
    if (s.phase == Phase.Streaming) {
      if (!stream(s, now)) return;
      continue;
    }
    if (s.phase == Phase.SinkLength || s.phase == Phase.SinkChunked) {
      if (!sink(s, now)) return;
      continue;
    }
    // Idle or Head: is a whole head (and its body) here?
    const available = tcp.available(s.handle);
    if (available <= 0) {
      if (tcp.peerClosed(s.handle)) { s.phase = Phase.Closing; tcp.close(s.handle, now); }
      return;
    }
    if (s.phase == Phase.Idle) { s.phase = Phase.Head; s.since = now; }
    const window = <u32>available < request.MAX_HEAD ? <u32>available : request.MAX_HEAD;
    tcp.peek(s.handle, headBuffer, window);
    const headBytes = request.findEnd(headBuffer, window);
    if (headBytes == 0) {
      if (window >= request.MAX_HEAD) fail(s, 431);
      else if (tcp.peerClosed(s.handle)) { s.phase = Phase.Closing; tcp.close(s.handle, now); }
      return;
    }
    const status = request.parse(headBuffer, headBytes);
    s.headMethod = request.requestMethod() == Method.Head ? 1 : 0;
    if (status != 0) { tcp.consume(s.handle, headBytes, now); fail(s, status); return; }
    s.keepAlive = request.keepAlive() ? 1 : 0;
    // the body, whole, for ordinary routes
    let bodyLength: u32 = 0;
    if (request.isChunked()) {
      // only the sink streams a chunked body; the router decides below
    } else if (request.bodyLength() > 0) {
      if (request.bodyLength() > <i64>MAX_BODY) bodyLength = 0xffff_ffff;
      else bodyLength = <u32>request.bodyLength();
    }
    beginBody();
    const answer = changetype<Router>(<usize>router)(request.requestMethod(), 0, 0);
    if (answer == SINK || answer == DISCARD) {
      tcp.consume(s.handle, headBytes, now);
      s.digesting = answer == SINK ? 1 : 0;
      crypto.sha256.init(digests + <usize>slotOf(s.handle) * crypto.sha256.CONTEXT_BYTES);
      s.total = 0;
      if (request.isChunked()) { s.phase = Phase.SinkChunked; chunked.start(chunkStates + <usize>slotOf(s.handle) * chunked.STATE_BYTES); }
      else { s.phase = Phase.SinkLength; s.remaining = request.bodyLength() > 0 ? <u64>request.bodyLength() : 0; }
      if (request.wantsContinue()) sendContinue(s, now);
      continue;
    }
    if (request.isChunked()) { tcp.consume(s.handle, headBytes, now); fail(s, 411); return; }
    if (bodyLength == 0xffff_ffff) { tcp.consume(s.handle, headBytes, now); fail(s, 413); return; }
    if (<u32>available < headBytes + bodyLength) {
      if (request.wantsContinue() && s.continueSent == 0) sendContinue(s, now);
      return;                                                     // wait for the rest of the body
    }
    let result = answer;
    if (bodyLength > 0) {
      tcp.peek(s.handle, headBuffer, headBytes + bodyLength);
      request.parse(headBuffer, headBytes);                       // the peek moved nothing, but be exact
      beginBody();
      result = changetype<Router>(<usize>router)(request.requestMethod(), headBuffer + <usize>headBytes, bodyLength);
    }
    if (result == SOURCE) {
      if (!startSource(s)) { tcp.wantWritable(s.handle); return; }
      tcp.consume(s.handle, headBytes + bodyLength, now);
      s.phase = Phase.Streaming;
      continue;
    }
    if (json.overflowed()) { beginBody(); json.objectBegin(); json.fieldString("error", "response too large"); json.objectEnd(); result = 500; }
    const close = s.keepAlive == 0;
    if (!queue(s, result, json.length(), close)) { tcp.wantWritable(s.handle); return; }   // request stays until room
    tcp.consume(s.handle, headBytes + bodyLength, now);
    s.continueSent = 0;
    s.phase = Phase.Idle;
    s.since = now;
    if (close) { s.phase = Phase.Closing; tcp.close(s.handle, now); return; }
  }
}

function sendContinue(s: Session, now: u64): void {
  headLength = 0;
  put("HTTP/1.1 100 Continue\r\n\r\n");
  tcp.send(s.handle, headScratch, headLength, now);
  s.continueSent = 1;
}

/** Body bytes into the digest; when the body ends, the answer. False when it
 *  must wait for input or room. */
function sink(s: Session, now: u64): bool {
  const context = digests + <usize>slotOf(s.handle) * crypto.sha256.CONTEXT_BYTES;
  while (true) {
    const finished = s.phase == Phase.SinkLength ? s.remaining == 0 : chunked.done(chunkStates + <usize>slotOf(s.handle) * chunked.STATE_BYTES);
    if (finished) {
      crypto.sha256.final(context, digestOut);
      beginBody();
      json.objectBegin();
      json.fieldUnsigned("bytes", s.total);
      if (s.digesting != 0) { json.key("sha256"); json.hexString(digestOut, 32); }
      json.objectEnd();
      s.headMethod = 0;
      if (!queue(s, 200, json.length(), s.keepAlive == 0)) {
        crypto.sha256.init(context);                              // cannot happen with an empty ring; be safe
        fail(s, 503);
        return false;
      }
      s.continueSent = 0;
      s.since = now;
      if (s.keepAlive == 0) { s.phase = Phase.Closing; tcp.close(s.handle, now); return false; }
      s.phase = Phase.Idle;
      return true;
    }
    const run = tcp.readRun(s.handle);
    const runLength = tcp.readRunLength(s.handle);
    if (runLength == 0) {
      if (tcp.peerClosed(s.handle)) { s.phase = Phase.Closing; tcp.close(s.handle, now); }
      return false;
    }
    if (s.phase == Phase.SinkLength) {
      const take = <u32>(<u64>runLength < s.remaining ? <u64>runLength : s.remaining);
      if (s.digesting != 0) crypto.sha256.update(context, run, take);
      s.total += take;
      s.remaining -= take;
      tcp.consume(s.handle, take, now);
    } else {
      const state = chunkStates + <usize>slotOf(s.handle) * chunked.STATE_BYTES;
      const used = chunked.step(state, run, runLength);
      if (chunked.dataBytes() > 0) {
        if (s.digesting != 0) crypto.sha256.update(context, run + <usize>chunked.dataOffset(), chunked.dataBytes());
        s.total += chunked.dataBytes();
      }
      tcp.consume(s.handle, used, now);
      if (chunked.failed(state)) { fail(s, 400); return false; }
    }
  }
}

/** Queues the source answer's head; false when there is no room yet. */
function startSource(s: Session): bool {
  headLength = 0;
  put("HTTP/1.1 200 OK\r\nServer: aios\r\nContent-Type: application/octet-stream\r\nContent-Length: ");
  putNumber(sourceLength);
  put("\r\n");
  if (s.keepAlive == 0) put("Connection: close\r\n");
  put("\r\n");
  if (tcp.sendSpace(s.handle) < <i32>headLength) return false;
  tcp.send(s.handle, headScratch, headLength, clock.nanoseconds());
  s.remaining = s.headMethod != 0 ? 0 : sourceLength;
  s.total = 0;
  served++;
  return true;
}

/** The source's byte at offset k is byte k % 8 of the little-endian u64
 *  (k / 8) * 0x9E3779B97F4A7C15 (a pattern the host can check). */
const GOLDEN: u64 = 0x9E3779B97F4A7C15;
function fill(at: usize, offset: u64, length: u32): void {
  for (let i: u32 = 0; i < length; i++) {
    const k = offset + <u64>i;
    store<u8>(at + <usize>i, <u8>(((k >> 3) * GOLDEN) >> ((k & 7) * 8)));
  }
}
function fillFast(at: usize, offset: u64, length: u32): void {
  let i: u32 = 0;
  // byte-wise up to a word boundary of the pattern, then whole words
  while (i < length && ((offset + <u64>i) & 7) != 0) { fill(at + <usize>i, offset + <u64>i, 1); i++; }
  while (i + 8 <= length) { store<u64>(at + <usize>i, ((offset + <u64>i) >> 3) * GOLDEN); i += 8; }
  if (i < length) fill(at + <usize>i, offset + <u64>i, length - i);
}

/** Pattern bytes into the send ring while it has room. False when waiting for room. */
function stream(s: Session, now: u64): bool {
  while (s.remaining > 0) {
    const run = tcp.sendRun(s.handle);
    let n = tcp.sendRunLength(s.handle);
    if (run == 0 || n == 0) { tcp.wantWritable(s.handle); return false; }
    if (<u64>n > s.remaining) n = <u32>s.remaining;
    fillFast(run, s.total, n);
    if (tcp.commit(s.handle, n, now) != Errno.Ok) { s.phase = Phase.Closing; return false; }
    s.total += n;
    s.remaining -= n;
  }
  s.since = now;
  if (s.keepAlive == 0) { s.phase = Phase.Closing; tcp.close(s.handle, now); return false; }
  s.phase = Phase.Idle;
  return true;
}

/** Closes sessions whose head is overdue or that have idled too long (called
 *  about once a second by the network thread). */
export function tick(now: u64): void {
  for (let slot = 0; slot < SLOTS; slot++) {
    const s = session(slot);
    if (s.handle <= 0) continue;
    if (tcp.connection.slotOf(s.handle) != slot) continue;
    if (s.phase == Phase.Head && now - s.since > HEAD_TIMEOUT_NS) { fail(s, 408); continue; }
    if (s.phase == Phase.Idle && now - s.since > IDLE_TIMEOUT_NS) { s.phase = Phase.Closing; tcp.close(s.handle, now); }
  }
}
