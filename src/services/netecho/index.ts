// netecho — a TCP echo server agent. It holds no network rights of its own: the
// kernel gives it a NetworkPort capability, and every socket call is checked
// against it. serve() listens on a port, echoes each connection's bytes back
// until the peer ends, and returns after a number of connections.
@external("aios", "log") declare function log(pointer: usize, length: u32): void;
@external("aios", "net_listen") declare function netListen(capability: u32, port: u32): i32;
@external("aios", "net_accept") declare function netAccept(listener: i32, timeoutMs: u32): i32;
@external("aios", "net_connect") declare function netConnect(capability: u32, ip: u32, port: u32, timeoutMs: u32): i32;
@external("aios", "net_send") declare function netSend(socket: i32, pointer: usize, length: u32, timeoutMs: u32): i32;
@external("aios", "net_receive") declare function netReceive(socket: i32, pointer: usize, capacity: u32, timeoutMs: u32): i32;
@external("aios", "net_close") declare function netClose(socket: i32): i32;

const BUFFER_BYTES: u32 = 65536;
const buffer = memory.data(<i32>BUFFER_BYTES);
const ACCEPT_TIMEOUT_MS: u32 = 120_000;
const IO_TIMEOUT_MS: u32 = 30_000;

/** The agent's entry when it is only called into. */
export function idle(): u32 { return 0; }

/** Listens on `port` with `capability` and closes at once: 0, or the Errno. */
export function tryListen(capability: u32, port: u32): u32 {
  const listener = netListen(capability, port);
  if (listener < 0) return <u32>(-listener);
  netClose(listener);
  return 0;
}

/** Connects to 10.0.2.2:`port` (the host, through QEMU's user networking) and
 *  closes at once: 0, or the Errno. */
export function tryConnect(capability: u32, port: u32): u32 {
  const socket = netConnect(capability, 0x0a000202, port, 5_000);
  if (socket < 0) return <u32>(-socket);
  netClose(socket);
  return 0;
}

/** Sends all `length` bytes of the buffer; false when the connection failed. */
function sendAll(socket: i32, length: u32): bool {
  let sent: u32 = 0;
  while (sent < length) {
    const n = netSend(socket, buffer + <usize>sent, length - sent, IO_TIMEOUT_MS);
    if (n <= 0) return false;
    sent += <u32>n;
  }
  return true;
}

/** Serves `connections` echo connections on `port`: the bytes echoed in all, or
 *  0x8000_0000 | Errno when listening failed. */
export function serve(capability: u32, portAndCount: u32): u32 {
  const port = portAndCount & 0xffff;
  const connections = portAndCount >> 16;
  const listener = netListen(capability, port);
  if (listener < 0) return 0x8000_0000 | <u32>(-listener);
  let echoed: u32 = 0;
  for (let served: u32 = 0; served < connections; served++) {
    const socket = netAccept(listener, ACCEPT_TIMEOUT_MS);
    if (socket < 0) break;
    while (true) {
      const n = netReceive(socket, buffer, BUFFER_BYTES, IO_TIMEOUT_MS);
      if (n <= 0) break;
      if (!sendAll(socket, <u32>n)) break;
      echoed += <u32>n;
    }
    netClose(socket);
  }
  netClose(listener);
  return echoed;
}
