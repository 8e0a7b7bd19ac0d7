// syscalls — the kernel side of the ABI that service modules import as "aios"
// (tools/abi.ts lists it; tools/modulegen.ts binds each import a module's manifest
// allows to the export here of the same name). The first argument is always the
// calling instance's slot, supplied by the generated binding, never by the module.
// Every pointer and length is checked against the caller's own linear memory.
import { cpu } from "../../hal";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";

const LOG_LIMIT: u32 = 256;

/** True when [pointer, pointer + length) lies inside the caller's memory. */
export function inCallerMemory(slot: u32, pointer: u32, length: u32): bool {
  const size = cpu.moduleMemorySize(slot);
  return length <= size && pointer <= size - length;
}

/** aios.log(pointer, length): one line in the kernel log, tagged with the caller. */
export function log_(slot: u32, pointer: u32, length: u32): void {
  if (!inCallerMemory(slot, pointer, length) || length > LOG_LIMIT) {
    log.begin(log.Level.Warn);
    line.text("abi: log from instance ");
    line.decimal(slot);
    line.text(" refused: the text is not inside its memory or longer than 256 bytes");
    log.end();
    return;
  }
  const base = cpu.moduleMemoryBase(slot) + <u64>pointer;
  log.begin(log.Level.Info);
  line.text("instance ");
  line.decimal(slot);
  line.text(": ");
  for (let i: u32 = 0; i < length; i++) {
    const c = cpu.load8(base + <u64>i);
    line.byte(c >= 0x20 && c < 0x7f ? c : 0x3f);
  }
  log.end();
}

/** aios.clock_ns(): the monotonic clock. */
export function clockNs(slot: u32): u64 {
  return clock.nanoseconds();
}
