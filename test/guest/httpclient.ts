// httpclient.ts — host-side helpers for the guest HTTP tests: free ports to
// forward, requests on fresh or kept-alive connections, raw request bytes, and
// the pattern the guest's /api/diag/source sends.
import { request, Agent } from "node:http";
import { connect, createServer } from "node:net";
import { createHash } from "node:crypto";

/** A TCP port free on 127.0.0.1 now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

/** One request; `agent: false` opens a fresh connection. */
export function fetchReply(port: number, path: string, options: { method?: string; body?: Buffer; agent?: Agent | false; timeoutMs?: number } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: options.method ?? "GET", agent: options.agent ?? false,
      headers: options.body ? { "content-length": options.body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.setTimeout(options.timeoutMs ?? 20_000, () => req.destroy(new Error(`timeout on ${path}`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Writes `bytes` on a fresh connection and gathers what comes back until the guest closes it. */
export function rawExchange(port: number, bytes: Buffer | string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { socket.destroy(); resolve(Buffer.concat(chunks).toString("latin1")); }, timeoutMs);
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", () => {});
    socket.on("close", () => { clearTimeout(timer); resolve(Buffer.concat(chunks).toString("latin1")); });
  });
}

/** Connects to `port` and closes: how the tests tell a scenario to finish. */
export function knock(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => { socket.end(); });
    socket.on("error", () => resolve());
    socket.on("close", () => resolve());
  });
}

/** The SHA-256 of `bytes` bytes of the guest's source pattern: byte k is byte
 *  k % 8 of the little-endian u64 (k / 8) * 0x9E3779B97F4A7C15. */
export function sourceDigest(bytes: number): string {
  const words = Math.ceil(bytes / 8);
  const data = new BigUint64Array(words);
  const golden = 0x9E3779B97F4A7C15n;
  const mask = (1n << 64n) - 1n;
  for (let w = 0; w < words; w++) data[w] = (BigInt(w) * golden) & mask;
  return createHash("sha256").update(Buffer.from(data.buffer, 0, bytes)).digest("hex");
}

/** A kept-open connection that sends /health requests and counts the answers. */
export class HealthConnection {
  private socket;
  private answers = 0;
  private waiting: (() => void)[] = [];
  private buffered = "";
  constructor(port: number) {
    this.socket = connect(port, "127.0.0.1");
    this.socket.setNoDelay(true);
    this.socket.on("data", (d: Buffer) => {
      this.buffered += d.toString("latin1");
      let at: number;
      while ((at = this.buffered.indexOf('{"status":"ok"}')) >= 0) {
        this.buffered = this.buffered.slice(at + 15);
        this.answers++;
        this.waiting.shift()?.();
      }
    });
    this.socket.on("error", () => {});
  }
  /** One request, resolved when its answer came, rejected after `timeoutMs`. */
  ask(timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer")), timeoutMs);
      this.waiting.push(() => { clearTimeout(timer); resolve(); });
      this.socket.write("GET /health HTTP/1.1\r\nHost: aios\r\n\r\n");
    });
  }
  close(): void { this.socket.end(); }
}
