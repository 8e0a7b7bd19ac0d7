// port.ts — one AHCI port with a drive behind it: its engines (FIS receive and
// command list) stopped and started as AHCI 1.3.1 §10.1.2 requires, commands
// issued by slot, completion reaped in one place (complete(), which an interrupt
// handler can call as it is), and the error recovery of §6.2.2. Polled: the
// caller waits with waitAny(). Not locked: one caller at a time, like virtio-blk.
//   memory (one frame): +0 command list (32 headers, 1 KiB) | +1 KiB received
//   FIS area (256 bytes) | +2 KiB IDENTIFY buffer (512 bytes);
//   tables (two frames): one command table of ata.TABLE_BYTES per slot.
import { Errno } from "../../../abi";
import { cpu } from "../../../hal";
import * as clock from "../../clock";
import { DIRECT_MAP_BASE } from "../../memory/layout";
import * as ata from "./ata";
import * as r from "./registers";

export const RECEIVED_FIS_OFFSET: u64 = 1024;
export const IDENTIFY_OFFSET: u64 = 2048;
const ALL_ONES: u32 = 0xffffffff;
const ENGINE_STOP_NS: u64 = 500_000_000;      // CR and FR clear within 500 ms (§10.1.2, §10.3.2)
const COMRESET_HOLD_NS: u64 = 1_000_000;      // DET=1 for at least 1 ms (§10.4.2)
export const LINK_WAIT_NS: u64 = 20_000_000;  // a device answers COMRESET with COMINIT in ~10 ms
const READY_WAIT_NS: u64 = 1_000_000_000;     // BSY and DRQ to clear before a start

export const enum Queuing { None = 0, Native = 1 }

@unmanaged export class Drive {
  registers: u64;        // virtual address of this port's registers
  memory: u64;           // physical: command list, received FIS, IDENTIFY buffer
  tables: u64;           // physical: the command tables, one per slot
  sectors: u64;          // capacity in 512-byte sectors
  port: u32;
  slots: u32;            // slots in use: CAP.NCS + 1, or the NCQ depth if lower
  queued: bool;          // data commands go as READ/WRITE FPDMA QUEUED
  canFlush: bool;        // the drive implements FLUSH CACHE EXT
  online: bool;          // false once recovery failed: requests get NotReady
  outstanding: u32;      // slots issued and not yet seen finished
  errors: u32;           // PxIS error causes seen since the last recovery
  taskFile: u32;         // PxTFD when the first error was seen
  modelLength: i32;
}

function read(d: Drive, register: u64): u32 { return cpu.load32(d.registers + register); }
function write(d: Drive, register: u64, value: u32): void { cpu.store32(d.registers + register, value); }

/** Waits until `register` & `bits` reads `wanted`; false at the deadline. */
function waitFor(d: Drive, register: u64, bits: u32, wanted: u32, timeout: u64): bool {
  const start = clock.nanoseconds();
  while ((read(d, register) & bits) != wanted) {
    if (clock.nanoseconds() - start > timeout) return false;
    cpu.pause();
  }
  return true;
}

/** Virtual address of slot `slot`'s command header. */
export function header(d: Drive, slot: u32): u64 { return DIRECT_MAP_BASE + d.memory + <u64>slot * ata.HEADER_BYTES; }
/** Physical address of slot `slot`'s command table. */
export function table(d: Drive, slot: u32): u64 { return d.tables + <u64>slot * ata.TABLE_BYTES; }

/** Stops the command list engine (ST off, then CR off, §10.3.2); clearing ST also
 *  clears PxCI and PxSACT. False when CR stays set. */
export function stopCommands(d: Drive): bool {
  const command = read(d, r.PX_CMD);
  if ((command & r.CMD_ST) != 0) write(d, r.PX_CMD, command & ~r.CMD_ST);
  return waitFor(d, r.PX_CMD, r.CMD_CR, 0, ENGINE_STOP_NS);
}

/** Stops FIS reception (FRE off, then FR off); only with the command engine stopped. */
export function stopReceive(d: Drive): bool {
  const command = read(d, r.PX_CMD);
  if ((command & r.CMD_FRE) != 0) write(d, r.PX_CMD, command & ~r.CMD_FRE);
  return waitFor(d, r.PX_CMD, r.CMD_FR, 0, ENGINE_STOP_NS);
}

/** Points the port at this drive's command list and received-FIS area, clears
 *  stale errors and turns FIS reception on (§10.1.2 steps 5-6). */
export function startReceive(d: Drive): void {
  const fis = d.memory + RECEIVED_FIS_OFFSET;
  write(d, r.PX_CLB, <u32>d.memory);
  write(d, r.PX_CLBU, <u32>(d.memory >> 32));
  write(d, r.PX_FB, <u32>fis);
  write(d, r.PX_FBU, <u32>(fis >> 32));
  write(d, r.PX_SERR, ALL_ONES);
  write(d, r.PX_IS, ALL_ONES);
  write(d, r.PX_CMD, read(d, r.PX_CMD) | r.CMD_FRE);
}

/** Waits for the device's first register FIS: the signature is in and BSY is
 *  clear. The signature, or SIG_NONE when none came in time. */
export function awaitSignature(d: Drive, timeout: u64): u32 {
  const start = clock.nanoseconds();
  while (read(d, r.PX_SIG) == r.SIG_NONE || (read(d, r.PX_TFD) & r.TFD_STS_BSY) != 0) {
    if (clock.nanoseconds() - start > timeout) return r.SIG_NONE;
    cpu.pause();
  }
  return read(d, r.PX_SIG);
}

/** Starts the command list engine once the device is idle (§3.3.7: ST may be set
 *  only with FRE on and BSY, DRQ clear). PxIS is cleared first, so the status
 *  FIS of a reset or signature is not taken for a command's. False when the
 *  device stays busy. */
export function startCommands(d: Drive): bool {
  if (!waitFor(d, r.PX_TFD, r.TFD_STS_BSY | r.TFD_STS_DRQ, 0, READY_WAIT_NS)) return false;
  write(d, r.PX_IS, ALL_ONES);
  write(d, r.PX_CMD, read(d, r.PX_CMD) | r.CMD_ST);
  return true;
}

/** COMRESET (§10.4.2): with the command engine stopped, DET=1 for a millisecond,
 *  then DET=0 and wait for the link and for the device to clear BSY. */
export function comreset(d: Drive): bool {
  const control = read(d, r.PX_SCTL) & ~r.SCTL_DET_MASK;
  write(d, r.PX_SCTL, control | r.SCTL_DET_COMRESET);
  const start = clock.nanoseconds();
  while (clock.nanoseconds() - start < COMRESET_HOLD_NS) cpu.pause();
  write(d, r.PX_SCTL, control);
  if (!waitFor(d, r.PX_SSTS, r.SSTS_DET_MASK, r.SSTS_DET_PRESENT, LINK_WAIT_NS)) return false;
  write(d, r.PX_SERR, ALL_ONES);             // link bring-up records its own events
  return waitFor(d, r.PX_TFD, r.TFD_STS_BSY | r.TFD_STS_DRQ, 0, READY_WAIT_NS);
}

/** Hands slots `slots` (commands built in their headers and tables) to the HBA.
 *  Queued commands get their PxSACT bits before PxCI, as §5.3.1 requires. */
export function issue(d: Drive, slots: u32, queuing: Queuing): void {
  d.outstanding |= slots;
  if (queuing == Queuing.Native) write(d, r.PX_SACT, slots);
  write(d, r.PX_CI, slots);
}

/** Reaps completions: the outstanding slots the HBA no longer holds in PxCI or
 *  PxSACT have finished. PxCI/PxSACT are read before PxIS, so a finish seen here
 *  has its error bits already posted. Errors are recorded in d.errors: PxIS.TFES
 *  and the fatal causes, or a status FIS that arrived with STS.ERR (an NCQ
 *  failure reported in a Set Device Bits FIS). Returns the slots that finished. */
export function complete(d: Drive): u32 {
  const busy = read(d, r.PX_CI) | read(d, r.PX_SACT);
  const status = read(d, r.PX_IS);
  if (status != 0) write(d, r.PX_IS, status);
  let failed = status & r.IS_ERRORS;
  if ((status & r.IS_STATUS_UPDATED) != 0 && (read(d, r.PX_TFD) & r.TFD_STS_ERR) != 0) failed |= r.IS_TFES;
  if (failed != 0) {
    if (d.errors == 0) d.taskFile = read(d, r.PX_TFD);
    d.errors |= failed;
  }
  const finished = d.outstanding & ~busy;
  d.outstanding &= ~finished;
  return finished;
}

/** Polls complete() until a slot finishes, an error shows or `timeout` passes
 *  with nothing finished: the slots finished, or -DeviceError / -Timeout. */
export function waitAny(d: Drive, timeout: u64): i64 {
  const start = clock.nanoseconds();
  while (true) {
    const finished = complete(d);
    if (d.errors != 0) return -(<i64>Errno.DeviceError);
    if (finished != 0 || d.outstanding == 0) return <i64>finished;
    if (clock.nanoseconds() - start > timeout) return -(<i64>Errno.Timeout);
    cpu.pause();
  }
}

/** Error recovery (§6.2.2): stop the command engine (which drops every issued
 *  command), clear PxSERR and PxIS, reset the link when the device is still busy,
 *  an error was fatal or the drive queues (after an NCQ error a drive refuses
 *  queued commands until it is reset or its NCQ log is read), then start again.
 *  False when the port would not come back (an engine that will not stop needs
 *  an HBA reset, which would take every other port down with it). */
export function recover(d: Drive): bool {
  if (!stopCommands(d)) return false;
  write(d, r.PX_SERR, ALL_ONES);
  write(d, r.PX_IS, ALL_ONES);
  const stuck = (read(d, r.PX_TFD) & (r.TFD_STS_BSY | r.TFD_STS_DRQ)) != 0;
  if (stuck || d.queued || (d.errors & r.IS_FATAL) != 0) {
    if (!comreset(d)) return false;
  }
  d.outstanding = 0;
  d.errors = 0;
  return startCommands(d);
}
