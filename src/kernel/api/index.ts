// api — the kernel's own HTTP API on port 9000 (JSON): health, the system, the
// agents, the boot log, interrupts, devices, the audit log, the network; plus
// two diagnostic routes the tests and benchmarks use (a SHA-256 sink for
// uploads, a pattern source for downloads). route() is the router
// net/http/server.ts calls with a parsed request; every answer is built in the
// server's response buffer with net/http/net.http.json.ts. Reads only: nothing here
// changes kernel state.
import * as net from "../net";
import * as attestation from "./attestation";
import * as system from "./system";
import * as tables from "./tables";

export const PORT: u32 = 9000;
const GET = net.http.request.Method.Get;
const HEAD = net.http.request.Method.Head;
const POST = net.http.request.Method.Post;
const MAX_SOURCE_BYTES: i64 = 1 << 30;

function readOnly(method: net.http.request.Method): bool { return method == GET || method == HEAD; }

function notAllowed(methods: string): u32 {
  net.http.server.setAllowed(methods);
  net.http.json.objectBegin();
  net.http.json.fieldUnsigned("error", 405);
  net.http.json.fieldString("message", "Method Not Allowed");
  net.http.json.objectEnd();
  return 405;
}

function notFound(): u32 {
  net.http.json.objectBegin();
  net.http.json.fieldUnsigned("error", 404);
  net.http.json.fieldString("message", "Not Found");
  net.http.json.objectEnd();
  return 404;
}

function badRequest(why: string): u32 {
  net.http.json.objectBegin();
  net.http.json.fieldUnsigned("error", 400);
  net.http.json.fieldString("message", why);
  net.http.json.objectEnd();
  return 400;
}

/** The router: one request, its answer's status (the body written with net.http.json.ts). */
export function route(method: net.http.request.Method, body: usize, bodyLength: u32): u32 {
  if (net.http.request.pathIs("/health")) return readOnly(method) ? system.health() : notAllowed("GET, HEAD");
  if (net.http.request.pathIs("/api/system")) return readOnly(method) ? system.describe() : notAllowed("GET, HEAD");
  if (net.http.request.pathIs("/api/agents")) return readOnly(method) ? tables.listAgents() : notAllowed("GET, HEAD");
  if (net.http.request.pathStartsWith("/api/agents/")) {
    if (!readOnly(method)) return notAllowed("GET, HEAD");
    const id = net.http.request.pathNumberAfter("/api/agents/");
    if (id < 0) return badRequest("an agent id is a decimal number");
    return tables.showAgent(id);
  }
  if (net.http.request.pathIs("/api/boot/log")) return readOnly(method) ? system.bootLog() : notAllowed("GET, HEAD");
  if (net.http.request.pathIs("/api/interrupts")) return readOnly(method) ? tables.listInterrupts() : notAllowed("GET, HEAD");
  if (net.http.request.pathIs("/api/devices")) return readOnly(method) ? tables.listDevices() : notAllowed("GET, HEAD");
  if (net.http.request.pathIs("/api/audit")) return readOnly(method) ? tables.listAudit(net.http.request.queryNumber("limit")) : notAllowed("GET, HEAD");
  if (net.http.request.pathIs("/api/net")) return readOnly(method) ? system.network() : notAllowed("GET, HEAD");
  if (net.http.request.pathIs("/api/attestation")) return readOnly(method) ? attestation.attestation() : notAllowed("GET, HEAD");
  if (net.http.request.pathIs("/api/diag/sink")) {
    if (method != POST && method != net.http.request.Method.Put) return notAllowed("POST, PUT");
    return net.http.request.queryNumber("digest") == 0 ? net.http.server.DISCARD : net.http.server.SINK;   // ?digest=0: count only
  }
  if (net.http.request.pathIs("/api/diag/source")) {
    if (!readOnly(method)) return notAllowed("GET, HEAD");
    const bytes = net.http.request.queryNumber("bytes");
    if (bytes < 0 || bytes > MAX_SOURCE_BYTES) return badRequest("bytes=N, at most 1 GiB");
    net.http.server.setSourceLength(<u64>bytes);
    return net.http.server.SOURCE;
  }
  return notFound();
}
