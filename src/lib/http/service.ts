// service.ts — an HTTP/1.1 server for service modules over the kernel's socket
// calls (the service passes them in as functions, so this file imports nothing
// outside src/lib). One thread serves up to MAX_SESSIONS connections at once,
// waiting on all of them with net_wait; each keeps its bytes in a buffer of its
// own until a whole request (head and body) is there. Persistent connections and
// pipelining; Content-Length and chunked request bodies (decoded); JSON bodies
// checked with jsonread.ts before a router sees them; limits on the head (8 KiB)
// and the body (16 KiB); 400, 404, 405, 411, 413, 414, 431, 501 and 505 answered
// with a JSON body, closing the connection after a framing error.
import * as chunked from "./chunked";
import * as json from "./json";
import * as jsonread from "./jsonread";
import * as request from "./request";
import { Method } from "./request";

export type Accept = (listener: i32, timeoutMs: u32) => i32;
export type Receive = (socket: i32, pointer: usize, capacity: u32, timeoutMs: u32) => i32;
export type Send = (socket: i32, pointer: usize, length: u32, timeoutMs: u32) => i32;
export type Close = (socket: i32) => i32;
export type Wait = (list: usize, count: u32, timeoutMs: u32) => i32;
/** The status for the parsed request (request.ts), its JSON body written with
 *  json.ts (begun for it); the request body at `body`, `bodyLength` bytes (a JSON
 *  body already validated when it was declared application/json). */
export type Router = (method: Method, body: usize, bodyLength: u32) => u32;

export const MAX_SESSIONS: i32 = 16;
export const MAX_BODY: u32 = 16384;
const BUFFER_BYTES: u32 = request.MAX_HEAD + MAX_BODY + 1024;   // a chunked body's framing too
const RESPONSE_BYTES: u32 = 65536;
const HEADROOM: u32 = 256;
const SEND_TIMEOUT_MS: u32 = 10_000;
const TIMEOUT: i32 = -7;                                      // -Errno.Timeout

const sockets = memory.data(<i32>(MAX_SESSIONS + 1) * 4);      // [listener, sessions...] for net_wait
const fills = memory.data(MAX_SESSIONS * 4);
const buffers = memory.data(<i32>(<u32>MAX_SESSIONS * BUFFER_BYTES));
const bodyBuffer = memory.data(<i32>MAX_BODY);
const response = memory.data(<i32>RESPONSE_BYTES);
const head = memory.data(<i32>HEADROOM);
const chunkState = memory.data(16);
let count: i32 = 0;
let accept: u32 = 0, receive: u32 = 0, send: u32 = 0, close: u32 = 0, wait: u32 = 0, router: u32 = 0;
let served: u32 = 0;

export function requestsServed(): u32 { return served; }

function bufferOf(i: i32): usize { return buffers + <usize>i * <usize>BUFFER_BYTES; }
function fillOf(i: i32): u32 { return load<u32>(fills + <usize>i * 4); }
function setFill(i: i32, n: u32): void { store<u32>(fills + <usize>i * 4, n); }
function socketAt(k: i32): i32 { return load<i32>(sockets + <usize>k * 4); }

function reasonOf(status: u32): string {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
  }
  return "Error";
}

let headLength: u32 = 0;
function put(text: string): void { for (let i = 0; i < text.length; i++) store<u8>(head + <usize>(headLength++), <u8>text.charCodeAt(i)); }
function putNumber(value: u32): void { if (value >= 10) putNumber(value / 10); store<u8>(head + <usize>(headLength++), <u8>(value % 10 + 0x30)); }

function sendAll(socket: i32, at: usize, length: u32): bool {
  let sent: u32 = 0;
  while (sent < length) {
    const n = changetype<Send>(<usize>send)(socket, at + <usize>sent, length - sent, SEND_TIMEOUT_MS);
    if (n <= 0) return false;
    sent += <u32>n;
  }
  return true;
}

/** Sends the answer whose JSON body json.ts holds. */
function respond(socket: i32, status: u32, closing: bool, headOnly: bool): bool {
  const bodyLength = json.length();
  headLength = 0;
  put("HTTP/1.1 "); putNumber(status); put(" "); put(reasonOf(status));
  put("\r\nContent-Type: application/json\r\nContent-Length: "); putNumber(bodyLength); put("\r\n");
  if (closing) put("Connection: close\r\n");
  put("\r\n");
  const start = response + <usize>(HEADROOM - headLength);
  memory.copy(start, head, headLength);
  served++;
  return sendAll(socket, start, headLength + (headOnly ? 0 : bodyLength));
}

function beginBody(): void { json.begin(response + <usize>HEADROOM, RESPONSE_BYTES - HEADROOM); }

function fail(socket: i32, status: u32): void {
  beginBody();
  json.objectBegin();
  json.fieldUnsigned("error", status);
  json.fieldString("message", reasonOf(status));
  json.objectEnd();
  respond(socket, status, true, false);
}

function drop(i: i32): void {
  changetype<Close>(<usize>close)(socketAt(i + 1));
  // the last session moves into the gap
  count--;
  if (i != count) {
    store<i32>(sockets + <usize>(i + 1) * 4, socketAt(count + 1));
    memory.copy(bufferOf(i), bufferOf(count), <usize>fillOf(count));
    setFill(i, fillOf(count));
  }
}

/** Answers every whole request in session `i`'s buffer; false when the session
 *  must end. */
function work(i: i32): bool {
  const socket = socketAt(i + 1);
  const buffer = bufferOf(i);
  while (true) {
    const fill = fillOf(i);
    if (fill == 0) return true;
    const window = fill < request.MAX_HEAD ? fill : request.MAX_HEAD;
    const headBytes = request.findEnd(buffer, window);
    if (headBytes == 0) {
      if (fill >= request.MAX_HEAD) { fail(socket, 431); return false; }
      return true;
    }
    const status = request.parse(buffer, headBytes);
    if (status != 0) { fail(socket, status); return false; }
    let bodyAt: usize = 0;
    let bodyLength: u32 = 0;
    let used = headBytes;
    if (request.isChunked()) {
      chunked.start(chunkState);
      let offset = headBytes;
      while (offset < fill && !chunked.done(chunkState) && !chunked.failed(chunkState)) {
        const step = chunked.step(chunkState, buffer + <usize>offset, fill - offset);
        if (chunked.dataBytes() > 0) {
          if (bodyLength + chunked.dataBytes() > MAX_BODY) { fail(socket, 413); return false; }
          memory.copy(bodyBuffer + <usize>bodyLength, buffer + <usize>(offset + chunked.dataOffset()), chunked.dataBytes());
          bodyLength += chunked.dataBytes();
        }
        if (step == 0) break;
        offset += step;
      }
      if (chunked.failed(chunkState)) { fail(socket, 400); return false; }
      if (!chunked.done(chunkState)) {
        if (fill >= BUFFER_BYTES) { fail(socket, 413); return false; }
        return true;                                         // the rest of the body is still coming
      }
      bodyAt = bodyBuffer;
      used = offset;
    } else if (request.bodyLength() > 0) {
      if (request.bodyLength() > <i64>MAX_BODY) { fail(socket, 413); return false; }
      bodyLength = <u32>request.bodyLength();
      if (fill < headBytes + bodyLength) return true;
      bodyAt = buffer + <usize>headBytes;
      used = headBytes + bodyLength;
    }
    const method = request.requestMethod();
    beginBody();
    let answer: u32;
    if (bodyLength > 0 && contentIsJson(buffer, headBytes) && !jsonread.validate(bodyAt, bodyLength)) {
      json.objectBegin();
      json.fieldUnsigned("error", 400);
      json.fieldString("message", "the body is not valid JSON");
      json.objectEnd();
      answer = 400;
    } else {
      answer = changetype<Router>(<usize>router)(method, bodyAt, bodyLength);
    }
    const keep = request.keepAlive();
    if (!respond(socket, answer, !keep, method == Method.Head)) return false;
    // the next pipelined request moves to the front
    memory.copy(buffer, buffer + <usize>used, <usize>(fill - used));
    setFill(i, fill - used);
    if (!keep) return false;
  }
  return true;
}

/** Whether the head declares a JSON body (Content-Type: application/json). */
function contentIsJson(buffer: usize, length: u32): bool {
  const needle = "application/json";
  for (let i: u32 = 0; i + <u32>needle.length <= length; i++) {
    let same = true;
    for (let k = 0; k < needle.length; k++) {
      let c = <u32>load<u8>(buffer + <usize>(i + <u32>k));
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      if (c != <u32>needle.charCodeAt(k)) { same = false; break; }
    }
    if (same) return true;
  }
  return false;
}

/** Serves connections on `listener` with `route` until `requests` answers have
 *  gone out (0: for ever): the number served. */
export function serve(listener: i32, route: Router, requests: u32,
  acceptFunction: Accept, receiveFunction: Receive, sendFunction: Send, closeFunction: Close, waitFunction: Wait): u32 {
  accept = <u32>changetype<usize>(acceptFunction);
  receive = <u32>changetype<usize>(receiveFunction);
  send = <u32>changetype<usize>(sendFunction);
  close = <u32>changetype<usize>(closeFunction);
  wait = <u32>changetype<usize>(waitFunction);
  router = <u32>changetype<usize>(route);
  count = 0;
  served = 0;
  store<i32>(sockets, listener);
  while (requests == 0 || served < requests) {
    const ready = changetype<Wait>(<usize>wait)(sockets, <u32>(count + 1), 1000);
    if (ready == TIMEOUT) continue;
    if (ready < 0) break;
    if (ready == 0) {
      const socket = changetype<Accept>(<usize>accept)(listener, 0);
      if (socket < 0) continue;
      if (count == MAX_SESSIONS) { changetype<Close>(<usize>close)(socket); continue; }
      store<i32>(sockets + <usize>(count + 1) * 4, socket);
      setFill(count, 0);
      count++;
      continue;
    }
    const i = ready - 1;
    const fill = fillOf(i);
    if (fill >= BUFFER_BYTES) { fail(socketAt(ready), 413); drop(i); continue; }
    const n = changetype<Receive>(<usize>receive)(socketAt(ready), bufferOf(i) + <usize>fill, BUFFER_BYTES - fill, 0);
    if (n == TIMEOUT) continue;
    if (n <= 0) { drop(i); continue; }                       // the peer's end, or an error
    setFill(i, fill + <u32>n);
    if (!work(i)) drop(i);
  }
  while (count > 0) drop(count - 1);
  return served;
}
