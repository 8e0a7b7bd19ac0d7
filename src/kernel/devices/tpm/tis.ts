// tis.ts — the TPM's FIFO (TIS) interface at locality 0: the register window at
// physical 0xFED40000 (PC Client Platform TPM Profile, "PTP" below, section 6.3 and
// table 19, which fixes the address for FIFO TPMs on PC platforms), and one
// command in, one response out. Everything is polled: the driver claims the
// locality once and keeps it, so callers (one flow of the kernel, under the kernel
// lock) never wait for another locality. Waits are bounded by the PTP's timeouts
// (6.5.1.3 / table 16) and fail with Errno.Timeout, never a panic.
import { Errno } from "../../../abi";
import { cpu } from "../../../hal";
import * as clock from "../../clock";
import { DIRECT_MAP_BASE } from "../../memory/layout";

/** The locality 0 register window (PTP 6.3, table 19: "FED4_0xxxh"). */
export const BASE_PHYSICAL: u64 = 0xfed40000;
export const WINDOW_BYTES: u64 = 0x1000;       // one 4 KiB page per locality

// ---- register offsets within a locality's page (PTP 6.3.2, table 19)
export const TPM_ACCESS: u64 = 0x00;           // 8-bit: locality request and status (6.3.2.2)
export const TPM_INT_ENABLE: u64 = 0x08;       // 32-bit: interrupts, left off (we poll)
export const TPM_INTF_CAPABILITY: u64 = 0x14;  // 32-bit: interface capabilities (6.3.2.4)
export const TPM_STS: u64 = 0x18;              // 32-bit: status, burst count, family (6.3.2.5)
export const TPM_DATA_FIFO: u64 = 0x24;        // 8-bit here: command and response bytes (6.3.2.6)
export const TPM_INTERFACE_ID: u64 = 0x30;     // 32-bit: which interface this is (6.3.2.7)
export const TPM_DID_VID: u64 = 0xf00;         // 32-bit: device id (31:16) and vendor id (15:0)
export const TPM_RID: u64 = 0xf04;             // 8-bit: revision id

// ---- TPM_ACCESS bits (PTP 6.3.2.2, table 20)
export const ACCESS_ESTABLISHMENT: u8 = 1 << 0;    // tpmEstablishment (active low)
export const ACCESS_REQUEST_USE: u8 = 1 << 1;      // requestUse: write 1 to ask for this locality
export const ACCESS_PENDING_REQUEST: u8 = 1 << 2;  // another locality is waiting
export const ACCESS_SEIZE: u8 = 1 << 3;
export const ACCESS_BEEN_SEIZED: u8 = 1 << 4;
export const ACCESS_ACTIVE_LOCALITY: u8 = 1 << 5;  // read: this locality is active; write 1: relinquish
export const ACCESS_REG_VALID: u8 = 1 << 7;        // tpmRegValidSts: the other bits mean something

// ---- TPM_STS bits (PTP 6.3.2.5, table 22)
export const STS_RESPONSE_RETRY: u32 = 1 << 1;     // write: send the response again from its start
export const STS_SELF_TEST_DONE: u32 = 1 << 2;
export const STS_EXPECT: u32 = 1 << 3;             // the TPM wants more command bytes
export const STS_DATA_AVAIL: u32 = 1 << 4;         // response bytes are waiting in the FIFO
export const STS_GO: u32 = 1 << 5;                 // write: execute the command now in the FIFO
export const STS_COMMAND_READY: u32 = 1 << 6;      // read: ready for a command; write: abort / go idle → ready
export const STS_VALID: u32 = 1 << 7;              // Expect and dataAvail are valid
export const STS_BURST_SHIFT: u32 = 8;             // burstCount, bits 23:8: bytes writable/readable without waiting
export const STS_BURST_MASK: u32 = 0xffff;
export const STS_COMMAND_CANCEL: u32 = 1 << 24;
export const STS_FAMILY_SHIFT: u32 = 26;           // tpmFamily, bits 27:26
export const STS_FAMILY_MASK: u32 = 0x3;
export const FAMILY_TPM12: u32 = 0;
export const FAMILY_TPM20: u32 = 1;

// ---- TPM_INTERFACE_ID (PTP 6.3.2.7, table 24): InterfaceType in bits 3:0
export const INTERFACE_TYPE_MASK: u32 = 0xf;
export const INTERFACE_TYPE_FIFO: u32 = 0x0;       // FIFO interface for TPM 2.0
export const INTERFACE_TYPE_CRB: u32 = 0x1;        // command response buffer: not this driver's
export const INTERFACE_TYPE_TIS13: u32 = 0xf;      // the TPM 1.2 TIS: the FIFO registers still apply

// ---- timeouts (PTP 6.5.1.3, table 16). A TPM that overruns one fails the
// command with Errno.Timeout; the generous command duration covers key generation.
export const TIMEOUT_A_NS: u64 = 750_000_000;      // locality requests, burst counts
export const TIMEOUT_B_NS: u64 = 2_000_000_000;    // commandReady after a write of commandReady
export const TIMEOUT_C_NS: u64 = 200_000_000;      // stsValid after a FIFO access
export const COMMAND_DURATION_NS: u64 = 30_000_000_000;   // the longest a command may run (CreatePrimary)

/** An absent device reads as all ones (or, on some machines, zeros). */
const ABSENT_ONES: u32 = 0xffffffff;
const ABSENT_ZEROS: u32 = 0;
/** Every TPM 2.0 response starts with tag (2), size (4) and code (4) (Part 1 18.1). */
const HEADER_BYTES: u32 = 10;
const SIZE_OFFSET: u32 = 2;

let base: u64 = 0;                       // virtual address of locality 0's page, 0 until probed
let lastLength: u32 = 0;

function read8(register: u64): u8 { return cpu.load8(base + register); }
function write8(register: u64, value: u8): void { cpu.store8(base + register, value); }
function read32(register: u64): u32 { return cpu.load32(base + register); }
function write32(register: u64, value: u32): void { cpu.store32(base + register, value); }

/** Whether a TPM_DID_VID value names a device (not a floating bus). Pure. */
export function didVidPresent(didVid: u32): bool { return didVid != ABSENT_ONES && didVid != ABSENT_ZEROS; }
/** The TPM family from a TPM_STS value: FAMILY_TPM12 or FAMILY_TPM20. Pure. */
export function family(status: u32): u32 { return (status >> STS_FAMILY_SHIFT) & STS_FAMILY_MASK; }
/** burstCount from a TPM_STS value. Pure. */
export function burstCount(status: u32): u32 { return (status >> STS_BURST_SHIFT) & STS_BURST_MASK; }

/** Looks at the window: TPM_DID_VID as read, 0xffffffff when nothing answers. */
export function probe(): u32 {
  base = DIRECT_MAP_BASE + BASE_PHYSICAL;
  const didVid = read32(TPM_DID_VID);
  if (!didVidPresent(didVid) || (read8(TPM_ACCESS) & ACCESS_REG_VALID) == 0) {
    base = 0;
    return ABSENT_ONES;
  }
  return didVid;
}

export function status(): u32 { return read32(TPM_STS); }
export function interfaceId(): u32 { return read32(TPM_INTERFACE_ID); }
export function revision(): u8 { return read8(TPM_RID); }

/** Waits until `bits` of TPM_STS all read as set; false at the timeout. */
function waitStatus(bits: u32, timeoutNs: u64): bool {
  const start = clock.nanoseconds();
  while ((read32(TPM_STS) & bits) != bits) {
    if (clock.nanoseconds() - start > timeoutNs) return false;
    cpu.pause();
  }
  return true;
}

/** A nonzero burst count, or 0 at the timeout (PTP 6.5.2.5: the count may read 0
 *  while the TPM drains the FIFO; the host waits rather than writing past it). */
function waitBurst(): u32 {
  const start = clock.nanoseconds();
  let burst = burstCount(read32(TPM_STS));
  while (burst == 0 && clock.nanoseconds() - start <= TIMEOUT_A_NS) {
    cpu.pause();
    burst = burstCount(read32(TPM_STS));
  }
  return burst;
}

/** Makes locality 0 the active one (PTP 6.5.2.1): requestUse, then wait for
 *  activeLocality. Firmware may have left it active, or relinquished it. */
export function requestLocality(): Errno {
  const access = read8(TPM_ACCESS);
  if ((access & (ACCESS_REG_VALID | ACCESS_ACTIVE_LOCALITY)) == (ACCESS_REG_VALID | ACCESS_ACTIVE_LOCALITY)) return Errno.Ok;
  write8(TPM_ACCESS, ACCESS_REQUEST_USE);
  const start = clock.nanoseconds();
  while ((read8(TPM_ACCESS) & (ACCESS_REG_VALID | ACCESS_ACTIVE_LOCALITY)) != (ACCESS_REG_VALID | ACCESS_ACTIVE_LOCALITY)) {
    if (clock.nanoseconds() - start > TIMEOUT_A_NS) return Errno.Timeout;
    cpu.pause();
  }
  return Errno.Ok;
}

/** Moves the TPM to Ready (PTP 5.5.2.2 state machine): write commandReady, wait
 *  for it to read back. Also aborts a command or discards an unread response. */
function makeReady(): bool {
  if ((read32(TPM_STS) & STS_COMMAND_READY) != 0) return true;
  write32(TPM_STS, STS_COMMAND_READY);
  return waitStatus(STS_COMMAND_READY, TIMEOUT_B_NS);
}

/** Sends `length` command bytes from linear memory at `command`, waits for the
 *  TPM to execute them, and reads the response (at most `capacity` bytes) into
 *  `response`; responseLength() then says how many. The TPM's own response code
 *  is the caller's to decode. Errors: NotReady (not probed), Timeout (a wait ran
 *  past its PTP bound), DeviceError (the TPM wanted more bytes than the command
 *  has, or its response header is impossible), MessageTooLarge (the response
 *  does not fit). The TPM is returned to Ready on every path. */
export function transmit(command: usize, length: u32, response: usize, capacity: u32): Errno {
  lastLength = 0;
  if (base == 0) return Errno.NotReady;
  if (length < HEADER_BYTES || capacity < HEADER_BYTES) return Errno.InvalidArgument;
  const result = exchange(command, length, response, capacity);
  write32(TPM_STS, STS_COMMAND_READY);   // Completion (or any failure) → Idle/Ready, freeing the TPM's buffer
  return result;
}

function exchange(command: usize, length: u32, response: usize, capacity: u32): Errno {
  if (!makeReady()) return Errno.Timeout;
  // command transmission (PTP 5.5.2.5, 6.5.2.5): burstCount bytes at a time
  let sent: u32 = 0;
  while (sent < length) {
    const burst = waitBurst();
    if (burst == 0) return Errno.Timeout;
    let chunk = length - sent;
    if (chunk > burst) chunk = burst;
    for (let i: u32 = 0; i < chunk; i++) write8(TPM_DATA_FIFO, load<u8>(command + <usize>(sent + i)));
    sent += chunk;
    // Expect must stay set until the last byte, and clear after it (PTP 5.5.2.5)
    if (!waitStatus(STS_VALID, TIMEOUT_C_NS)) return Errno.Timeout;
    const expecting = (read32(TPM_STS) & STS_EXPECT) != 0;
    if (sent < length && !expecting) return Errno.DeviceError;     // took the command as complete early
    if (sent == length && expecting) return Errno.DeviceError;     // wants more than the header's size
  }
  write32(TPM_STS, STS_GO);
  if (!waitStatus(STS_VALID | STS_DATA_AVAIL, COMMAND_DURATION_NS)) return Errno.Timeout;
  // response: the header first, for its size, then the rest
  let received: u32 = 0;
  let total: u32 = HEADER_BYTES;
  while (received < total) {
    const burst = waitBurst();
    if (burst == 0) return Errno.Timeout;
    let chunk = total - received;
    if (chunk > burst) chunk = burst;
    for (let i: u32 = 0; i < chunk; i++) store<u8>(response + <usize>(received + i), read8(TPM_DATA_FIFO));
    received += chunk;
    if (received == HEADER_BYTES && total == HEADER_BYTES) {
      total = bigEndian32(response + <usize>SIZE_OFFSET);
      if (total < HEADER_BYTES) return Errno.DeviceError;
      if (total > capacity) return Errno.MessageTooLarge;
    }
  }
  // nothing may be left over (PTP 5.5.2.6: dataAvail clears after the last byte)
  if (!waitStatus(STS_VALID, TIMEOUT_C_NS)) return Errno.Timeout;
  if ((read32(TPM_STS) & STS_DATA_AVAIL) != 0) return Errno.DeviceError;
  lastLength = total;
  return Errno.Ok;
}

export function responseLength(): u32 { return lastLength; }

function bigEndian32(at: usize): u32 {
  return (<u32>load<u8>(at) << 24) | (<u32>load<u8>(at + 1) << 16) | (<u32>load<u8>(at + 2) << 8) | <u32>load<u8>(at + 3);
}
