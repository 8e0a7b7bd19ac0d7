// hello — a small HTTP/JSON service: GET /health, POST /greet with a JSON body
// {"name": "..."} answered {"greeting": "hello, ...", "greeted": n}, GET /stats.
// It is what every service on the service plane looks like: the kernel gives it a
// NetworkPort capability for its port, and src/lib/http serves the connections.
import * as http from "../../lib/http/service";
import * as json from "../../lib/http/json";
import * as jsonread from "../../lib/http/jsonread";
import * as request from "../../lib/http/request";
import { Method } from "../../lib/http/request";

@external("aios", "net_listen") declare function netListen(capability: u32, port: u32): i32;
@external("aios", "net_accept") declare function netAccept(listener: i32, timeoutMs: u32): i32;
@external("aios", "net_send") declare function netSend(socket: i32, pointer: usize, length: u32, timeoutMs: u32): i32;
@external("aios", "net_receive") declare function netReceive(socket: i32, pointer: usize, capacity: u32, timeoutMs: u32): i32;
@external("aios", "net_wait") declare function netWait(list: usize, count: u32, timeoutMs: u32): i32;
@external("aios", "net_close") declare function netClose(socket: i32): i32;

function accept(listener: i32, timeoutMs: u32): i32 { return netAccept(listener, timeoutMs); }
function receive(socket: i32, pointer: usize, capacity: u32, timeoutMs: u32): i32 { return netReceive(socket, pointer, capacity, timeoutMs); }
function send(socket: i32, pointer: usize, length: u32, timeoutMs: u32): i32 { return netSend(socket, pointer, length, timeoutMs); }
function close(socket: i32): i32 { return netClose(socket); }
function wait(list: usize, count: u32, timeoutMs: u32): i32 { return netWait(list, count, timeoutMs); }

let greeted: u32 = 0;

function error(status: u32, message: string): u32 {
  json.objectBegin();
  json.fieldUnsigned("error", status);
  json.fieldString("message", message);
  json.objectEnd();
  return status;
}

function route(method: Method, body: usize, bodyLength: u32): u32 {
  if (request.pathIs("/health")) {
    if (method != Method.Get && method != Method.Head) return error(405, "GET or HEAD");
    json.objectBegin();
    json.fieldString("status", "ok");
    json.fieldString("service", "hello");
    json.objectEnd();
    return 200;
  }
  if (request.pathIs("/greet")) {
    if (method != Method.Post) return error(405, "POST a JSON body {\"name\": ...}");
    if (bodyLength == 0 || !jsonread.validate(body, bodyLength)) return error(400, "a JSON body is needed");
    if (!jsonread.stringField("name") || jsonread.stringLength() == 0 || jsonread.stringLength() > 100) return error(400, "\"name\" must be a string of 1 to 100 bytes");
    greeted++;
    json.objectBegin();
    json.key("greeting");
    json.stringOpen();
    json.raw("hello, ");
    for (let i: u32 = 0; i < jsonread.stringLength(); i++) json.stringByte(<u32>load<u8>(jsonread.stringAt() + <usize>i));
    json.stringClose();
    json.fieldUnsigned("greeted", greeted);
    json.objectEnd();
    return 200;
  }
  if (request.pathIs("/stats")) {
    json.objectBegin();
    json.fieldUnsigned("requests", http.requestsServed());
    json.fieldUnsigned("greeted", greeted);
    json.objectEnd();
    return 200;
  }
  return error(404, "no such path");
}

export function idle(): u32 { return 0; }

/** Serves HTTP on the port in the low 16 bits of `portAndRequests` until the
 *  high 16 bits' number of answers went out (0: for ever): the number, or
 *  0x8000_0000 | Errno when it could not listen. */
export function serve(capability: u32, portAndRequests: u32): u32 {
  const listener = netListen(capability, portAndRequests & 0xffff);
  if (listener < 0) return 0x8000_0000 | <u32>(-listener);
  const served = http.serve(listener, route, portAndRequests >> 16, accept, receive, send, close, wait);
  netClose(listener);
  return served;
}
