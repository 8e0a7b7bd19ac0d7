// abi.ts — the kernel ABI a service module may import (wasm import module "aios").
// Each entry: the wasm signature (every value i32 unless named) and the kernel
// module export that serves it. A module's manifest names the subset it may use;
// tools/modulegen.ts binds exactly those and build.ts refuses anything else.
export interface AbiFunction {
  params: ("i32" | "i64")[];
  result: "i32" | "i64" | null;
  kernelExport: string;     // called as kernelExport(callerSlot, ...params)
  /** A kernel export that serves the call without the kernel lock (same
   *  arguments): a pure read of the capability tables, made inside their seqlock
   *  (src/kernel/caps/version.ts). It answers, or returns 0xffffffff (retry) for
   *  what it cannot decide; the stub then calls kernelExport, as it does when the
   *  tables changed during the read. i32 results only. */
  unlocked?: string;
  summary: string;
}

export const ABI_MODULE = "aios";

export const ABI: Record<string, AbiFunction> = {
  log: { params: ["i32", "i32"], result: null, kernelExport: "abiLog", summary: "log(bytes pointer, length): a line in the kernel log, tagged with the caller" },
  clock_ns: { params: [], result: "i64", kernelExport: "abiClockNs", summary: "clock_ns(): the monotonic clock in nanoseconds" },
  ipc_send: { params: ["i32", "i32", "i32", "i32"], result: "i32", kernelExport: "abiIpcSend", summary: "ipc_send(endpoint handle, pointer, length, flags): 0 or an Errno; needs Send" },
  ipc_receive: { params: ["i32", "i32", "i32", "i32"], result: "i32", kernelExport: "abiIpcReceive", summary: "ipc_receive(endpoint handle, pointer, capacity, flags): the length, or -Errno; needs Receive" },
  event_subscribe: { params: ["i32", "i32"], result: "i32", kernelExport: "abiEventSubscribe", summary: "event_subscribe(topic handle, endpoint handle): 0 or an Errno; needs Subscribe on the topic and Receive on the endpoint" },
  block_read: { params: ["i32", "i64", "i32", "i32"], result: "i32", kernelExport: "abiBlockRead", summary: "block_read(disk handle, sector, pointer, sectors): 0 or an Errno; needs Read; at most 64 KiB; paced by the agent's I/O rate" },
  block_write: { params: ["i32", "i64", "i32", "i32"], result: "i32", kernelExport: "abiBlockWrite", summary: "block_write(disk handle, sector, pointer, sectors): 0 or an Errno; needs Write; at most 64 KiB; paced by the agent's I/O rate" },
  block_flush: { params: ["i32"], result: "i32", kernelExport: "abiBlockFlush", summary: "block_flush(disk handle): 0 or an Errno; needs Write" },
  block_info: { params: ["i32", "i32"], result: "i64", kernelExport: "abiBlockInfo", summary: "block_info(disk handle, 0 sectors | 1 sector size): the value or -Errno; needs Read" },
  device_read32: { params: ["i32", "i32", "i32"], result: "i64", kernelExport: "abiDeviceRead32", summary: "device_read32(device handle, bar, offset): a 32-bit register of a PCI function granted to the caller, or -Errno; needs Read" },
  device_write32: { params: ["i32", "i32", "i32", "i32"], result: "i32", kernelExport: "abiDeviceWrite32", summary: "device_write32(device handle, bar, offset, value): 0 or an Errno; needs Write" },
  net_listen: { params: ["i32", "i32"], result: "i32", kernelExport: "abiNetListen", summary: "net_listen(port capability, port): a listening socket, or -Errno; needs Receive on a NetworkPort covering the port" },
  net_accept: { params: ["i32", "i32"], result: "i32", kernelExport: "abiNetAccept", summary: "net_accept(listener, timeout ms): the next connection's socket, or -Errno (Timeout)" },
  net_connect: { params: ["i32", "i32", "i32", "i32"], result: "i32", kernelExport: "abiNetConnect", summary: "net_connect(port capability, IPv4, port, timeout ms): a connected socket, or -Errno; needs Send on a NetworkPort covering the remote port (and address)" },
  net_send: { params: ["i32", "i32", "i32", "i32"], result: "i32", kernelExport: "abiNetSend", summary: "net_send(socket, pointer, length, timeout ms): bytes queued (at most 64 KiB), or -Errno" },
  net_receive: { params: ["i32", "i32", "i32", "i32"], result: "i32", kernelExport: "abiNetReceive", summary: "net_receive(socket, pointer, capacity, timeout ms): bytes read, 0 at the peer's end, or -Errno" },
  net_wait: { params: ["i32", "i32", "i32"], result: "i32", kernelExport: "abiNetWait", summary: "net_wait(pointer to socket ids, count (at most 64), timeout ms): the index of the first ready socket (a connection to accept, bytes to read, the peer's end), or -Errno" },
  net_close: { params: ["i32"], result: "i32", kernelExport: "abiNetClose", summary: "net_close(socket): 0 or an Errno; a connection's queued data goes before its FIN" },
  cap_check: { params: ["i32", "i32"], result: "i32", kernelExport: "abiCapCheck", unlocked: "abiCapCheckUnlocked", summary: "cap_check(handle, rights): 0 when the handle holds the rights, else an Errno (the cheapest checked call)" },
};
