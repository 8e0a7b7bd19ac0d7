// Test exports for TCP and HTTP: a fake NIC that captures every frame sent, an
// echo owner for listening ports (it logs events and sends back what it reads),
// segments fed straight into tcp.receive, and the HTTP parsers on a scratch area.
import * as iface from "../../../src/kernel/net/interface";
import * as tcp from "../../../src/kernel/net/tcp";
import * as request from "../../../src/lib/http/request";
import * as chunked from "../../../src/lib/http/chunked";
import * as json from "../../../src/lib/http/json";
import { Errno } from "../../../src/abi";

const CAPTURE_FRAMES: u32 = 256;
const CAPTURE_BYTES: u32 = 1536;
const captured = memory.data(<i32>(CAPTURE_FRAMES * CAPTURE_BYTES));
const capturedLengths = memory.data(<i32>(CAPTURE_FRAMES * 4));
let capturedCount: u32 = 0;
let sendFails = false;
function captureSend(source: usize, length: u32): Errno {
  if (sendFails) return Errno.ResourceExhausted;
  const slot = capturedCount % CAPTURE_FRAMES;
  memory.copy(captured + <usize>(slot * CAPTURE_BYTES), source, <usize>length);
  store<u32>(capturedLengths + <usize>slot * 4, length);
  capturedCount++;
  return Errno.Ok;
}
function noReceive(destination: usize, capacity: u32, timeoutNs: u64): i32 { return 0; }
const ourMac = memory.data<u8>([0x52, 0x54, 0, 0x12, 0x34, 0x56, 0, 0]);
const peerMac = memory.data<u8>([0x52, 0x55, 0x0a, 0, 2, 2, 0, 0]);
const entropy = memory.data(32);

export function tcpSetup(ip: u32): void {
  iface.attach(captureSend, noReceive, ourMac);
  iface.configure(ip, 0xffffff00, 0, 0);
  tcp.init(entropy);
  capturedCount = 0;
  eventCount = 0;
  echoed = 0;
  sendFails = false;
}
export function tcpCapturedCount(): u32 { return capturedCount; }
export function tcpCapturedAt(i: u32): usize { return captured + <usize>((i % CAPTURE_FRAMES) * CAPTURE_BYTES); }
export function tcpCapturedLength(i: u32): u32 { return load<u32>(capturedLengths + <usize>(i % CAPTURE_FRAMES) * 4); }
export function tcpSendFails(fail: bool): void { sendFails = fail; }

// the echo owner: events logged as (handle << 8 | event)
const EVENT_CAPACITY: i32 = 4096;
const events = memory.data(EVENT_CAPACITY * 4);
let eventCount: i32 = 0;
let echoed: u32 = 0;
let echoMode: u32 = 1;                 // 1: echo and close on PeerClosed; 0: only log
const readBuffer = memory.data(65536);
let clock: u64 = 0;
function echo(handle: i32, event: tcp.listeners.Event, context: u32): void {
  if (eventCount < EVENT_CAPACITY) store<i32>(events + <usize>(eventCount++) * 4, (handle << 8) | <i32>event);
  if (echoMode == 0) return;
  if (event == tcp.listeners.Event.Readable) {
    const n = tcp.read(handle, readBuffer, 65536, clock);
    if (n > 0) { tcp.send(handle, readBuffer, <u32>n, clock); echoed += <u32>n; }
  } else if (event == tcp.listeners.Event.PeerClosed) {
    tcp.close(handle, clock);
  }
}
export function tcpListenEcho(port: u32, mode: u32): i32 { echoMode = mode; return <i32>tcp.listen(port, echo, 0); }
export function tcpEventCount(): i32 { return eventCount; }
export function tcpEventAt(i: i32): i32 { return load<i32>(events + <usize>i * 4); }
export function tcpEchoed(): u32 { return echoed; }
export function tcpScratch(): usize { return readBuffer; }

export function tcpSegment(at: usize, length: u32, from: u32, to: u32, now: u64): void {
  clock = now;
  tcp.receive(at, length, from, to, peerMac, false, now);
}
export function tcpFlush(): void { tcp.flush(); }
export function tcpTick(now: u64): void { clock = now; tcp.tick(now); }
export function tcpConnect(ip: u32, port: u32, now: u64): i32 { clock = now; return tcp.connect(ip, port, peerMac, echo, 0, now); }
export function tcpSend(handle: i32, at: usize, length: u32, now: u64): i32 { clock = now; return tcp.send(handle, at, length, now); }
export function tcpRead(handle: i32, at: usize, capacity: u32, now: u64): i32 { clock = now; return tcp.read(handle, at, capacity, now); }
export function tcpClose(handle: i32, now: u64): i32 { clock = now; return <i32>tcp.close(handle, now); }
export function tcpAbort(handle: i32): i32 { return <i32>tcp.abort(handle); }
export function tcpStateOf(localPort: u32, remoteIp: u32, remotePort: u32): i32 {
  const slot = tcp.input.find(localPort, remoteIp, remotePort);
  return slot < 0 ? 0 : <i32>tcp.connection.at(slot).state;
}
export function tcpCwndOf(localPort: u32, remoteIp: u32, remotePort: u32): u32 {
  const slot = tcp.input.find(localPort, remoteIp, remotePort);
  return slot < 0 ? 0 : tcp.connection.at(slot).cwnd;
}
export function tcpMalformed(): u64 { return tcp.input.malformedCount(); }
export function tcpChecksumErrors(): u64 { return tcp.input.checksumErrors(); }
export function tcpChallengeAcks(): u64 { return tcp.input.challengeAckCount(); }
export function tcpRetransmissions(): u64 { return tcp.output.retransmissions(); }
export function tcpHalfOpen(): i32 { return tcp.listeners.halfOpenCount(); }
export function tcpBuffersInUse(): u32 { return tcp.buffers.blocksInUse(); }
export function tcpErrorOf(handle: i32): i32 { return <i32>tcp.errorOf(handle); }
export function tcpCountIn(state: i32): i32 { return tcp.countIn(<tcp.connection.State>state); }

// HTTP
export function httpFindEnd(at: usize, length: u32): u32 { return request.findEnd(at, length); }
export function httpParse(at: usize, length: u32): u32 { return request.parse(at, length); }
export function httpMethod(): i32 { return <i32>request.requestMethod(); }
export function httpBodyLength(): i64 { return request.bodyLength(); }
export function httpChunked(): bool { return request.isChunked(); }
export function httpKeepAlive(): bool { return request.keepAlive(); }
export function httpContinue(): bool { return request.wantsContinue(); }
export function httpPathIs(which: i32): bool { return which == 0 ? request.pathIs("/api/agents") : request.pathStartsWith("/api/agents/"); }
export function httpPathNumber(): i64 { return request.pathNumberAfter("/api/agents/"); }
export function httpQueryBytes(): i64 { return request.queryNumber("bytes"); }
const chunkState = memory.data(16);
export function chunkedStart(): void { chunked.start(chunkState); }
export function chunkedStep(at: usize, length: u32): u32 { return chunked.step(chunkState, at, length); }
export function chunkedDataOffset(): u32 { return chunked.dataOffset(); }
export function chunkedDataBytes(): u32 { return chunked.dataBytes(); }
export function chunkedDone(): bool { return chunked.done(chunkState); }
export function chunkedFailed(): bool { return chunked.failed(chunkState); }
export function jsonSample(at: usize, capacity: u32, source: usize, sourceLength: u32): u32 {
  json.begin(at, capacity);
  json.objectBegin();
  json.fieldString("a", "x\"y\\z");
  json.key("b"); json.arrayBegin(); json.unsigned(1); json.signed(-2); json.boolean(true); json.nullValue(); json.arrayEnd();
  json.key("s"); json.stringFrom(source, sourceLength);
  json.key("ip"); json.ipv4(0x0a00020f);
  json.objectEnd();
  return json.overflowed() ? 0xffffffff : json.length();
}
export function tcpKeepaliveOn(localPort: u32, remoteIp: u32, remotePort: u32): i32 {
  const slot = tcp.input.find(localPort, remoteIp, remotePort);
  return slot < 0 ? -1 : <i32>tcp.setKeepalive(tcp.connection.handleOf(slot), true);
}
