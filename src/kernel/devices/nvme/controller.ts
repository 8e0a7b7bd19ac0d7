// controller.ts — the NVMe controller's registers in BAR0 (NVMe base spec 2.0
// §3.1.4) and the admin commands the driver needs (§5): reset by CC.EN,
// the admin queues, enabling, Identify, and creating one I/O queue pair.
// Every wait is bounded by CAP.TO; a fatal status (CSTS.CFS) ends it early.
import { Errno } from "../../../abi";
import { cpu } from "../../../hal";
import * as clock from "../../clock";
import * as cmdline from "../../cmdline";
import * as format from "./format";
import * as queue from "./queue";

// controller registers (offsets in BAR0)
const REG_CAP: u64 = 0x00;          // capabilities, 64 bits
const REG_CC: u64 = 0x14;           // controller configuration
const REG_CSTS: u64 = 0x1c;         // controller status
const REG_AQA: u64 = 0x24;          // admin queue sizes, 0's based: submission 11:0, completion 27:16
const REG_ASQ: u64 = 0x28;          // admin submission queue base, 64 bits
const REG_ACQ: u64 = 0x30;          // admin completion queue base, 64 bits
export const DOORBELLS: u64 = 0x1000;

const CC_ENABLE: u32 = 1 << 0;
const CC_CSS_NVM: u32 = 0 << 4;     // bits 6:4, I/O command set: NVM
const CC_MPS_4K: u32 = 0 << 7;      // bits 10:7, memory page size 2^(12 + MPS)
const CC_AMS_ROUND_ROBIN: u32 = 0 << 11;
const CC_IOSQES: u32 = 6 << 16;     // bits 19:16, submission entry 2^6 = 64 bytes
const CC_IOCQES: u32 = 4 << 20;     // bits 23:20, completion entry 2^4 = 16 bytes
const CSTS_READY: u32 = 1 << 0;
const CSTS_FATAL: u32 = 1 << 1;     // CFS: the controller hit a fatal error

// admin command opcodes (§5) and their fields
const ADMIN_CREATE_SUBMISSION_QUEUE: u8 = 0x01;
const ADMIN_CREATE_COMPLETION_QUEUE: u8 = 0x05;
const ADMIN_IDENTIFY: u8 = 0x06;
export const IDENTIFY_NAMESPACE: u32 = 0x00;      // CNS in dword 10
export const IDENTIFY_CONTROLLER: u32 = 0x01;
const QUEUE_SIZE_SHIFT: u32 = 16;                 // dword 10: size (0's based) 31:16, id 15:0
const QUEUE_CONTIGUOUS: u32 = 1 << 0;             // dword 11 PC
const QUEUE_INTERRUPTS_ENABLED: u32 = 1 << 1;   // Create I/O CQ dword 11: IEN
const QUEUE_VECTOR_SHIFT: u32 = 16;               //   IV, the MSI-X entry, in bits 31:16
const COMPLETION_QUEUE_ID_SHIFT: u32 = 16;        // create SQ dword 11: the CQ it posts to
const ADMIN_CID: u16 = 0;                         // admin commands run one at a time
const ADMIN_WAIT_NS: u64 = 1_000_000_000;

const command = changetype<queue.Command>(memory.data(offsetof<queue.Command>()));

export function capabilities(registers: u64): u64 {
  // two 32-bit reads: the spec lets a host split a 64-bit register this way
  return <u64>cpu.load32(registers + REG_CAP) | (<u64>cpu.load32(registers + REG_CAP + 4) << 32);
}
export function status(registers: u64): u32 { return cpu.load32(registers + REG_CSTS); }

/** Waits for CSTS.RDY to equal `ready`: Ok, Timeout, or DeviceError on CFS
 *  (a fatal controller does not clear CFS until it is reset). */
function waitReady(registers: u64, ready: bool, timeoutNs: u64): Errno {
  const start = clock.nanoseconds();
  while (true) {
    let csts = status(registers);
    if (ready && cmdline.faultInjected(cmdline.Fault.NvmeFatal)) csts |= CSTS_FATAL;
    if (csts == 0xffffffff) return Errno.DeviceError;    // the function stopped answering
    if (ready && (csts & CSTS_FATAL) != 0) return Errno.DeviceError;
    if (((csts & CSTS_READY) != 0) == ready) return Errno.Ok;
    if (clock.nanoseconds() - start > timeoutNs) return Errno.Timeout;
    cpu.pause();
  }
}

/** Clears CC.EN and waits for CSTS.RDY to drop: the controller forgets every
 *  queue and stops touching host memory. */
export function disable(registers: u64, timeoutNs: u64): Errno {
  const cc = cpu.load32(registers + REG_CC);
  if ((cc & CC_ENABLE) != 0) cpu.store32(registers + REG_CC, cc & ~CC_ENABLE);
  return waitReady(registers, false, timeoutNs);
}

/** Gives the disabled controller its admin queues and enables it for the NVM
 *  command set with 4 KiB pages and 64/16-byte entries. */
export function enable(registers: u64, admin: queue.Queue, timeoutNs: u64): Errno {
  const entries = <u32>admin.entries - 1;
  cpu.store32(registers + REG_AQA, entries | (entries << 16));
  cpu.store32(registers + REG_ASQ, <u32>admin.submissions);
  cpu.store32(registers + REG_ASQ + 4, <u32>(admin.submissions >> 32));
  cpu.store32(registers + REG_ACQ, <u32>admin.completions);
  cpu.store32(registers + REG_ACQ + 4, <u32>(admin.completions >> 32));
  cpu.store32(registers + REG_CC, CC_CSS_NVM | CC_MPS_4K | CC_AMS_ROUND_ROBIN | CC_IOSQES | CC_IOCQES | CC_ENABLE);
  return waitReady(registers, true, timeoutNs);
}

/** Runs one admin command to completion: its Errno, Timeout when the controller
 *  never answers. */
function adminCommand(admin: queue.Queue, opcode: u8, namespace: u32, prp1: u64, dword10: u32, dword11: u32): Errno {
  command.opcode = opcode;
  command.cid = ADMIN_CID;
  command.namespace = namespace;
  command.prp1 = prp1;
  command.prp2 = 0;
  command.dword10 = dword10;
  command.dword11 = dword11;
  command.dword12 = 0;
  if (!queue.submit(admin, command)) return Errno.ResourceExhausted;
  queue.ring(admin);
  if (!queue.waitAll(admin, 1, ADMIN_WAIT_NS)) return Errno.Timeout;
  return format.statusErrno(queue.status(admin, ADMIN_CID));
}

/** Identify (CNS `structure`) into the 4 KiB page at physical `page`. */
export function identify(admin: queue.Queue, structure: u32, namespace: u32, page: u64): Errno {
  return adminCommand(admin, ADMIN_IDENTIFY, namespace, page, structure, 0);
}

/** Creates I/O queue pair `io` (already set up in memory): the completion queue
 *  first, since the submission queue names it. With `msixEntry` >= 0 the
 *  completion queue interrupts through that MSI-X entry (IEN, IV); else it is
 *  polled (IEN 0). */
export function createQueues(admin: queue.Queue, io: queue.Queue, msixEntry: i32): Errno {
  const sizeAndId = ((<u32>io.entries - 1) << QUEUE_SIZE_SHIFT) | <u32>io.id;
  const interrupts = msixEntry >= 0 ? QUEUE_INTERRUPTS_ENABLED | (<u32>msixEntry << QUEUE_VECTOR_SHIFT) : 0;
  const completion = adminCommand(admin, ADMIN_CREATE_COMPLETION_QUEUE, 0, io.completions, sizeAndId, QUEUE_CONTIGUOUS | interrupts);
  if (completion != Errno.Ok) return completion;
  return adminCommand(admin, ADMIN_CREATE_SUBMISSION_QUEUE, 0, io.submissions, sizeAndId,
    (<u32>io.id << COMPLETION_QUEUE_ID_SHIFT) | QUEUE_CONTIGUOUS);
}
