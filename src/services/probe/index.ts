// probe — a minimal service module that the kernel's self-test scenarios and
// benchmarks instantiate: it touches its own linear memory on request, so tests
// can watch demand mapping, guard pages, memory.grow and quotas at work.
// Numbered exports: src/kernel/modules/probe.ts; allowed imports: manifest.json.

@external("aios", "log") declare function kernelLog(pointer: usize, length: u32): void;
@external("aios", "clock_ns") declare function clockNs(): u64;
@external("aios", "ipc_send") declare function ipcSend(handle: u32, pointer: usize, length: u32, flags: u32): i32;
@external("aios", "ipc_receive") declare function ipcReceive(handle: u32, pointer: usize, capacity: u32, flags: u32): i32;
@external("aios", "cap_check") declare function capCheck(handle: u32, rights: u32): i32;
@external("aios", "event_subscribe") declare function eventSubscribe(topic: u32, endpoint: u32): i32;

const MESSAGE = memory.data(8);
const NO_WAIT: u32 = 0;

// "hello from probe, t=" as bytes: a module without a managed heap has no strings to spare
const GREETING = memory.data<u8>([104, 101, 108, 108, 111, 32, 102, 114, 111, 109, 32, 112, 114, 111, 98, 101]);
const GREETING_LENGTH: u32 = 16;

/** Logs through the kernel ABI; 1 when the clock moved forward across the call. */
export function hello(): u32 {
  const before = clockNs();
  kernelLog(GREETING, GREETING_LENGTH);
  return clockNs() > before ? 1 : 0;
}

export function read(offset: u32): u32 {
  return load<u32>(<usize>offset);
}

export function write(offset: u32, value: u32): u32 {
  store<u32>(<usize>offset, value);
  return value;
}

export function grow(pages: u32): u32 {
  return <u32>memory.grow(<i32>pages);
}

export function size(): u32 {
  return <u32>memory.size();
}

/** Writes a pattern over the first `pages` wasm pages and returns its checksum. */
export function fill(pages: u32, seed: u32): u32 {
  const words = <usize>pages * 65536 / 4;
  let sum: u32 = 0;
  for (let i: usize = 0; i < words; i++) {
    const value = <u32>i * 2654435761 ^ seed;
    store<u32>(i * 4, value);
    sum += value;
  }
  return sum;
}

/** The sum of the words over the first `pages` wasm pages (reads only). */
export function sum(pages: u32): u32 {
  const words = <usize>pages * 65536 / 4;
  let total: u32 = 0;
  for (let i: usize = 0; i < words; i++) total += load<u32>(i * 4);
  return total;
}

/** rounds × C = A·B over n×n i32 matrices placed at the start of memory; a
 *  checksum of C. The compute kernel for the bounds-check benchmark. */
export function matrix(n: u32, rounds: u32): u32 {
  const size = <usize>n * <usize>n * 4;
  const a: usize = 0;
  const b: usize = size;
  const c: usize = size * 2;
  for (let i: usize = 0; i < <usize>n * <usize>n; i++) {
    store<u32>(a + i * 4, <u32>i * 7 + 1);
    store<u32>(b + i * 4, <u32>i * 13 + 5);
  }
  let checksum: u32 = 0;
  for (let round: u32 = 0; round < rounds; round++) {
    for (let i: usize = 0; i < <usize>n; i++) {
      for (let j: usize = 0; j < <usize>n; j++) {
        let sum: u32 = round;
        for (let k: usize = 0; k < <usize>n; k++) {
          sum += load<u32>(a + (i * <usize>n + k) * 4) * load<u32>(b + (k * <usize>n + j) * 4);
        }
        store<u32>(c + (i * <usize>n + j) * 4, sum);
        checksum = checksum * 31 + sum;
      }
    }
  }
  return checksum;
}

/** Hands the kernel a log line at any pointer: the kernel must refuse a bad one. */
export function say(pointer: u32, length: u32): u32 {
  kernelLog(<usize>pointer, length);
  return 0;
}

/** Never returns: counts forever at `offset`, an agent stuck in an endless loop. */
export function spin(offset: u32): u32 {
  while (true) store<u32>(<usize>offset, load<u32>(<usize>offset) + 1);
  return 0;
}

/** Sends `value` (4 bytes) on the endpoint `handle` names: 0 or an Errno. A
 *  `value` of 0xffffffff sends from an address past memory instead. */
export function send(handle: u32, value: u32): u32 {
  if (value == 0xffffffff) return <u32>ipcSend(handle, 0xfffffff0, 4, NO_WAIT);
  store<u32>(MESSAGE, value);
  return <u32>ipcSend(handle, MESSAGE, 4, NO_WAIT);
}

/** Receives 4 bytes from the endpoint: the value, or the negative Errno. */
export function receive(handle: u32): u32 {
  const length = ipcReceive(handle, MESSAGE, 8, NO_WAIT);
  return length == 4 ? load<u32>(MESSAGE) : <u32>length;
}

/** `count` capability-checked calls into the kernel; the errors seen. */
export function checkedCalls(handle: u32, count: u32): u32 {
  let errors: u32 = 0;
  for (let i: u32 = 0; i < count; i++) if (capCheck(handle, 1) != 0) errors++;
  return errors;
}

// The revoke race (src/kernel/selftest/capssmp.ts): words at `words` that the
// kernel and this loop share. The kernel sets REVOKING just before it revokes the
// handle and REVOKED once revoke() has returned; the loop writes its counts.
const RACE_REVOKING: u32 = 0;
const RACE_REVOKED: u32 = 4;
const RACE_PASSED: u32 = 8;           // calls that passed
const RACE_EARLY_DENIALS: u32 = 12;   // denied, though the revoke had not begun when the call returned (0)
const RACE_LATE_PASSES: u32 = 16;     // passed, though revoke() had returned before the call began (0)
const RACE_LAST_ERROR: u32 = 20;      // the last denial's Errno
const RACE_CALLS_AFTER: u32 = 2000;   // calls made after REVOKED was seen, before stopping

/** aios.cap_check on `handle` in a loop while the kernel revokes it from another
 *  CPU: a call that began after revoke() returned must be denied, and a call
 *  that returned before the revoke began must pass. The flags are read around
 *  each call (the import is a call Binaryen and gcc cannot move loads across).
 *  Returns the late passes (0 when right). */
export function revokeRace(handle: u32, words: u32): u32 {
  const at = <usize>words;
  let after: u32 = 0;
  while (after < RACE_CALLS_AFTER) {
    const revoked = load<u32>(at + RACE_REVOKED) != 0;
    const error = capCheck(handle, 1);
    const revoking = load<u32>(at + RACE_REVOKING) != 0;
    if (error == 0) {
      store<u32>(at + RACE_PASSED, load<u32>(at + RACE_PASSED) + 1);
      if (revoked) store<u32>(at + RACE_LATE_PASSES, load<u32>(at + RACE_LATE_PASSES) + 1);
    } else {
      store<u32>(at + RACE_LAST_ERROR, <u32>error);
      if (!revoking) store<u32>(at + RACE_EARLY_DENIALS, load<u32>(at + RACE_EARLY_DENIALS) + 1);
    }
    if (revoked) after++;
  }
  return load<u32>(at + RACE_LATE_PASSES);
}

// The baseline: Binaryen inlines every direct call of a small function here, so
// the baseline calls through a function reference it cannot resolve (the
// variable is writable from outside): one indirect call, no kernel, no check.
function plain(value: u32): u32 { return value * 3 + 1; }
function plainOther(value: u32): u32 { return value * 5 + 2; }
let callee: (value: u32) => u32 = plain;

/** Switches the baseline's callee (which keeps the reference opaque to Binaryen). */
export function plainOnce(which: u32): u32 {
  callee = which == 0 ? plain : plainOther;
  return callee(which);
}

/** `count` plain calls of a function in this module, the baseline. */
export function plainCalls(count: u32): u32 {
  let sum: u32 = 0;
  for (let i: u32 = 0; i < count; i++) sum += callee(i);
  return sum;
}

/** Subscribes the endpoint to the topic (both handles): 0 or an Errno. */
export function subscribe(topic: u32, endpoint: u32): u32 { return <u32>eventSubscribe(topic, endpoint); }

@external("aios", "block_read") declare function blockRead(handle: u32, sector: u64, pointer: usize, count: u32): i32;
@external("aios", "block_write") declare function blockWrite(handle: u32, sector: u64, pointer: usize, count: u32): i32;
/** Where diskWrite takes its sector from and diskRead puts it (offset 8 KiB). */
const DISK_BUFFER: usize = 8192;
const SECTOR_BYTES: u32 = 512;

/** Writes one 512-byte sector of pattern (byte i = i * 7 + sector) to `sector`
 *  of the disk behind `handle`: 0 or an Errno. A sector of 0xffffffff writes
 *  from a pointer past this module's memory instead. */
export function diskWrite(handle: u32, sector: u32): u32 {
  if (sector == 0xffffffff) return <u32>blockWrite(handle, 0, <usize>0xffff_fe00, 1);
  for (let i: u32 = 0; i < SECTOR_BYTES; i++) store<u8>(DISK_BUFFER + <usize>i, <u8>(i * 7 + sector));
  return <u32>blockWrite(handle, <u64>sector, DISK_BUFFER, 1);
}

/** Reads `sector` into the buffer: 0 when it holds diskWrite's pattern for that
 *  sector, 0xffff when the bytes differ, else the Errno. */
export function diskRead(handle: u32, sector: u32): u32 {
  memory.fill(DISK_BUFFER, 0, SECTOR_BYTES);
  const result = blockRead(handle, <u64>sector, DISK_BUFFER, 1);
  if (result != 0) return <u32>result;
  for (let i: u32 = 0; i < SECTOR_BYTES; i++) if (load<u8>(DISK_BUFFER + <usize>i) != <u8>(i * 7 + sector)) return 0xffff;
  return 0;
}

@external("aios", "device_read32") declare function deviceRead32(handle: u32, bar: u32, offset: u32): i64;
@external("aios", "device_write32") declare function deviceWrite32(handle: u32, bar: u32, offset: u32, value: u32): i32;
/** What deviceRead returns for a refused read: this bit and the Errno. */
const REFUSED: u32 = 0xe000_0000;

/** One 32-bit register of BAR 0 of the device behind `handle`: its value, or
 *  REFUSED | the Errno. */
export function deviceRead(handle: u32, offset: u32): u32 {
  const value = deviceRead32(handle, 0, offset);
  return value < 0 ? REFUSED | <u32>(-value) : <u32>value;
}

// QEMU's "edu" teaching device (docs/specs/edu.rst), BAR 0: identification at
// 0x00 (0x010000ed for version 1.0), liveness at 0x04 (reads back the inverse of
// what was written), factorial at 0x08 (write n, read n!), status at 0x20 (bit 0:
// computing).
const EDU_LIVENESS: u32 = 0x04;
const EDU_FACTORIAL: u32 = 0x08;
const EDU_STATUS: u32 = 0x20;
const EDU_COMPUTING: u32 = 1;
const EDU_POLLS: u32 = 1_000_000;

/** This agent as the edu device's driver: a liveness check, then n! computed by
 *  the device. n!, or REFUSED | the Errno of the first refused access, or
 *  0xdead when the device answered wrongly or never finished. */
export function eduFactorial(handle: u32, n: u32): u32 {
  const written = deviceWrite32(handle, 0, EDU_LIVENESS, 0x1234_5678);
  if (written != 0) return REFUSED | <u32>written;
  const inverse = deviceRead32(handle, 0, EDU_LIVENESS);
  if (inverse < 0) return REFUSED | <u32>(-inverse);
  if (<u32>inverse != ~<u32>0x1234_5678) return 0xdead;
  const started = deviceWrite32(handle, 0, EDU_FACTORIAL, n);
  if (started != 0) return REFUSED | <u32>started;
  for (let i: u32 = 0; i < EDU_POLLS; i++) {
    const status = deviceRead32(handle, 0, EDU_STATUS);
    if (status < 0) return REFUSED | <u32>(-status);
    if ((<u32>status & EDU_COMPUTING) == 0) {
      const result = deviceRead32(handle, 0, EDU_FACTORIAL);
      return result < 0 ? REFUSED | <u32>(-result) : <u32>result;
    }
  }
  return 0xdead;
}
