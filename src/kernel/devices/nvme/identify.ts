// identify.ts — the fields the driver reads from the two Identify data structures
// (NVMe base spec 2.0 §5.17.2.1 controller, NVM command set spec 1.0 §4.1.5.1
// namespace), each a 4 KiB page in physical memory the controller just filled.
//   controller: +4 serial (20 ASCII) +24 model (40 ASCII) +77 MDTS +512 SQES +513 CQES +516 NN
//   namespace:  +0 NSZE u64 +25 NLBAF +26 FLBAS +128 LBA format descriptors (4 bytes each)
import { cpu } from "../../../hal";
import { DIRECT_MAP_BASE } from "../../memory/layout";
import * as format from "./format";

const CONTROLLER_SERIAL: u64 = 4;
export const SERIAL_BYTES: i32 = 20;
const CONTROLLER_MODEL: u64 = 24;
export const MODEL_BYTES: i32 = 40;
const CONTROLLER_MDTS: u64 = 77;      // max transfer: 2^MDTS minimum pages; 0: no limit
const CONTROLLER_SQES: u64 = 512;     // bits 3:0, the required (smallest) entry size, log2
const CONTROLLER_CQES: u64 = 513;
const CONTROLLER_NN: u64 = 516;       // the number of namespaces
const NAMESPACE_NSZE: u64 = 0;        // size in logical blocks
const NAMESPACE_NLBAF: u64 = 25;      // number of LBA formats, 0's based
const NAMESPACE_FLBAS: u64 = 26;
const NAMESPACE_LBAF: u64 = 128;
const ENTRY_SIZE_MASK: u8 = 0xf;
const SUBMISSION_ENTRY_SHIFT: u8 = 6; // the driver's 64-byte entries
const COMPLETION_ENTRY_SHIFT: u8 = 4; // and 16-byte ones
const CHAR_SPACE: u8 = 0x20;
const CHAR_LAST_PRINTABLE: u8 = 0x7e;
const CHAR_QUESTION: u8 = 0x3f;

function byte(page: u64, offset: u64): u8 { return cpu.load8(DIRECT_MAP_BASE + page + offset); }

/** Copies a space-padded ASCII field to `destination`; its length without the
 *  padding. Anything unprintable becomes '?'. */
function copyText(page: u64, offset: u64, bytes: i32, destination: usize): i32 {
  let length = 0;
  for (let i = 0; i < bytes; i++) {
    let c = byte(page, offset + <u64>i);
    if (c < CHAR_SPACE || c > CHAR_LAST_PRINTABLE) c = CHAR_QUESTION;
    store<u8>(destination + <usize>i, c);
    if (c != CHAR_SPACE) length = i + 1;
  }
  return length;
}

export function copyModel(page: u64, destination: usize): i32 { return copyText(page, CONTROLLER_MODEL, MODEL_BYTES, destination); }
export function copySerial(page: u64, destination: usize): i32 { return copyText(page, CONTROLLER_SERIAL, SERIAL_BYTES, destination); }
export function maxTransferShift(page: u64): u32 { return <u32>byte(page, CONTROLLER_MDTS); }
export function namespaceCount(page: u64): u32 { return cpu.load32(DIRECT_MAP_BASE + page + CONTROLLER_NN); }
/** The controller accepts 64-byte submission and 16-byte completion entries. */
export function entrySizesFit(page: u64): bool {
  return (byte(page, CONTROLLER_SQES) & ENTRY_SIZE_MASK) <= SUBMISSION_ENTRY_SHIFT
    && (byte(page, CONTROLLER_CQES) & ENTRY_SIZE_MASK) <= COMPLETION_ENTRY_SHIFT;
}

/** NSZE: 0 for an inactive namespace, which identifies as all zeroes. */
export function namespaceBlocks(page: u64): u64 { return cpu.load64(DIRECT_MAP_BASE + page + NAMESPACE_NSZE); }
/** The LBA format descriptor FLBAS selects, or -1 when it points past NLBAF. */
export function formatInUse(page: u64): i64 {
  const index = format.formatIndex(byte(page, NAMESPACE_FLBAS));
  if (index > <u32>byte(page, NAMESPACE_NLBAF)) return -1;
  return <i64>cpu.load32(DIRECT_MAP_BASE + page + NAMESPACE_LBAF + <u64>index * 4);
}
