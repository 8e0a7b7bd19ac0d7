// probe.ts — the probe service module as the self-tests see it: its module ids
// (found by name) and its exports, numbered in its manifest's order
// (src/services/probe/manifest.json), checked against the linked table by name.
import * as registry from "./registry";

export const enum ProbeFunction {
  Read = 0,      // (offset) -> u32 at offset
  Write = 1,     // (offset, value) -> value
  Grow = 2,      // (pages) -> old size in pages, or -1
  Size = 3,      // () -> size in pages
  Fill = 4,      // (pages, seed) -> checksum of a pattern written over `pages` wasm pages
  Matrix = 5,    // (n, rounds) -> checksum of rounds × an n×n i32 matrix product
  Hello = 6,     // () -> 1, after logging a line through the aios.log import
  Say = 7,       // (pointer, length): aios.log of any bytes, for the ABI's checks
  Spin = 8,      // (offset): counts at offset forever (an endless loop)
  Send = 9,      // (handle, value): aios.ipc_send of 4 bytes (value 0xffffffff: a bad pointer)
  Receive = 10,  // (handle): aios.ipc_receive of 4 bytes, the value or -Errno
  CheckedCalls = 11,  // (handle, n): n aios.cap_check calls; the errors
  PlainCalls = 12,    // (n): n calls of a module function, the baseline
  Subscribe = 13,     // (topic handle, endpoint handle): aios.event_subscribe
  DiskWrite = 14,     // (disk handle, sector): aios.block_write of a pattern sector
  DiskRead = 15,      // (disk handle, sector): aios.block_read, 0 when the pattern is back
  Sum = 16,           // (pages): the sum of the words over `pages` wasm pages, read only
  DeviceRead = 17,    // (device handle, offset): a BAR 0 register, or 0xe0000000 | Errno
  EduFactorial = 18,  // (device handle, n): n! computed by QEMU's edu device, driven by the agent
  RevokeRace = 19,    // (handle, words): aios.cap_check in a loop while the kernel revokes the handle
}

/** The guard-page build of probe. */
export function id(): u32 { return registry.find("probe"); }
/** The same wasm with wasm2c's explicit bounds checks. */
export function checkedId(): u32 { return registry.find("probe_checked"); }

/** True when the manifest's numbering is what ProbeFunction says. */
export function numberingMatches(): bool {
  const module = id();
  return registry.exportIndex(module, "read") == ProbeFunction.Read
    && registry.exportIndex(module, "matrix") == ProbeFunction.Matrix
    && registry.exportIndex(module, "hello") == ProbeFunction.Hello
    && registry.exportIndex(module, "say") == ProbeFunction.Say;
}
