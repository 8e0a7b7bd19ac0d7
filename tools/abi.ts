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
  key_create: { params: ["i32", "i32"], result: "i32", kernelExport: "abiKeyCreate", summary: "key_create(keyring handle, algorithm 1 ML-DSA-65 | 2 ML-KEM-768): the new key's handle, or -Errno; needs Control on the keyring (a Key capability of object 0)" },
  key_open: { params: ["i32", "i32"], result: "i32", kernelExport: "abiKeyOpen", summary: "key_open(keyring handle, key id): a handle for a key kept from an earlier boot or made elsewhere, or -Errno (NotFound, Revoked); needs Control on the keyring" },
  key_public: { params: ["i32", "i32", "i32"], result: "i32", kernelExport: "abiKeyPublic", summary: "key_public(key handle, pointer, capacity): the public key's length, or -Errno; needs Read" },
  key_sign: { params: ["i32", "i32", "i32", "i32"], result: "i32", kernelExport: "abiKeySign", summary: "key_sign(key handle, message pointer, length (at most 64 KiB), signature pointer): the signature's length (3309), or -Errno; needs Execute; an Active ML-DSA-65 key, context \"AIOS pqcd v1\"" },
  key_verify: { params: ["i32", "i32", "i32", "i32"], result: "i32", kernelExport: "abiKeyVerify", summary: "key_verify(key handle, message pointer, length, signature pointer): 0, SignatureInvalid, Revoked, Expired or another Errno; needs Read" },
  key_encapsulate: { params: ["i32", "i32", "i32"], result: "i32", kernelExport: "abiKeyEncapsulate", summary: "key_encapsulate(key handle, ciphertext pointer, secret pointer (32 bytes)): the ciphertext's length (1088), or -Errno; needs Read; an Active ML-KEM-768 key" },
  key_decapsulate: { params: ["i32", "i32", "i32"], result: "i32", kernelExport: "abiKeyDecapsulate", summary: "key_decapsulate(key handle, ciphertext pointer, secret pointer): 0 or an Errno; needs Execute" },
  key_rotate: { params: ["i32", "i32"], result: "i32", kernelExport: "abiKeyRotate", summary: "key_rotate(key handle, overlap ms): the successor's handle, or -Errno; the old key verifies and decapsulates until the overlap ends; needs Control" },
  key_revoke: { params: ["i32"], result: "i32", kernelExport: "abiKeyRevoke", summary: "key_revoke(key handle): 0 or an Errno; the key is refused from then on for every holder (the revocation list); needs Revoke" },
  cap_check: { params: ["i32", "i32"], result: "i32", kernelExport: "abiCapCheck", unlocked: "abiCapCheckUnlocked", summary: "cap_check(handle, rights): 0 when the handle holds the rights, else an Errno (the cheapest checked call)" },
  file_open: { params: ["i32", "i32", "i32", "i32"], result: "i32", kernelExport: "abiFileOpen", summary: "file_open(subtree handle, path pointer, length, flags 1 read | 2 write | 4 create | 8 truncate): an fd or -Errno; paths are relative to the capability's directory, no '..'; needs Read and/or Write" },
  file_read: { params: ["i32", "i32", "i32"], result: "i32", kernelExport: "abiFileRead", summary: "file_read(fd, pointer, length): bytes read (0 at the end) or -Errno; at most 64 KiB; advances the offset" },
  file_write: { params: ["i32", "i32", "i32"], result: "i32", kernelExport: "abiFileWrite", summary: "file_write(fd, pointer, length): bytes written or -Errno (ResourceExhausted past the agent's space quota or a full disk); at most 64 KiB" },
  file_seek: { params: ["i32", "i64", "i32"], result: "i64", kernelExport: "abiFileSeek", summary: "file_seek(fd, offset, whence 0 set | 1 current | 2 end): the new offset or -Errno" },
  file_stat: { params: ["i32", "i32"], result: "i32", kernelExport: "abiFileStat", summary: "file_stat(fd, pointer): 0 or -Errno; 32 bytes: kind u32, blocks u32, size u64, modified ns u64, inode u32, owner u32" },
  dir_read: { params: ["i32", "i32", "i32"], result: "i64", kernelExport: "abiDirRead", summary: "dir_read(fd of a directory, position, pointer): the position of the next entry (64 bytes at pointer: inode u32, kind u8, name length u8, name), -1 at the end, or -1 - Errno" },
  dir_make: { params: ["i32", "i32", "i32"], result: "i32", kernelExport: "abiDirMake", summary: "dir_make(subtree handle, path pointer, length): 0 or -Errno; needs Write" },
  file_rename: { params: ["i32", "i32", "i32", "i32", "i32"], result: "i32", kernelExport: "abiFileRename", summary: "file_rename(subtree handle, from pointer, length, to pointer, length): 0 or -Errno; a file at `to` is replaced; needs Write" },
  file_unlink: { params: ["i32", "i32", "i32"], result: "i32", kernelExport: "abiFileUnlink", summary: "file_unlink(subtree handle, path pointer, length): 0 or -Errno (a file or an empty directory); needs Write" },
  file_sync: { params: ["i32"], result: "i32", kernelExport: "abiFileSync", summary: "file_sync(fd): 0 or -Errno; every write so far is durable (a journal commit and disk flushes)" },
  file_close: { params: ["i32"], result: "i32", kernelExport: "abiFileClose", summary: "file_close(fd): 0 or -Errno" },
};
