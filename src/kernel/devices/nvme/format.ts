// format.ts — NVMe formats decoded at the boundary, pure so the host tests can
// check them: the controller capabilities (NVMe base spec 2.0 §3.1.4.1), the
// completion status field (§4.2.3) as an Errno, the LBA format in use from
// Identify Namespace (NVM command set spec 1.0 §4.1.5.1), and how many memory
// pages a transfer touches (PRP entries, base spec §4.1.1).
import { Errno } from "../../../abi";

// CAP, controller capabilities (64 bits)
const CAP_MQES_MASK: u64 = 0xffff;            // bits 15:0, maximum queue entries, 0's based
const CAP_TO_SHIFT: u64 = 24;                 // bits 31:24, ready timeout in 500 ms units
const CAP_TO_MASK: u64 = 0xff;
const CAP_DSTRD_SHIFT: u64 = 32;              // bits 35:32, doorbell stride 2^(2 + DSTRD)
const CAP_DSTRD_MASK: u64 = 0xf;
const CAP_CSS_NVM: u64 = <u64>1 << 37;        // bit 37 (CSS bit 0): the NVM command set
const CAP_MPSMIN_SHIFT: u64 = 48;             // bits 51:48, minimum page size 2^(12 + MPSMIN)
const CAP_MPSMIN_MASK: u64 = 0xf;
const TIMEOUT_UNIT_NS: u64 = 500_000_000;

/** The most entries one I/O queue may have (MQES is 0's based). */
export function maxQueueEntries(cap: u64): u32 { return <u32>(cap & CAP_MQES_MASK) + 1; }
/** How long the controller may take to become ready or to reset; at least one unit,
 *  because a TO of 0 is a broken report, not an instant controller. */
export function readyTimeoutNs(cap: u64): u64 {
  const units = (cap >> CAP_TO_SHIFT) & CAP_TO_MASK;
  return (units == 0 ? 1 : units) * TIMEOUT_UNIT_NS;
}
/** Bytes between one doorbell register and the next. */
export function doorbellStride(cap: u64): u64 { return <u64>4 << ((cap >> CAP_DSTRD_SHIFT) & CAP_DSTRD_MASK); }
export function supportsNvmCommands(cap: u64): bool { return (cap & CAP_CSS_NVM) != 0; }
/** The smallest memory page the controller accepts, in bytes. */
export function minimumPageBytes(cap: u64): u64 { return <u64>4096 << ((cap >> CAP_MPSMIN_SHIFT) & CAP_MPSMIN_MASK); }

// the status field: completion dword 3 bits 31:17, here shifted down to 14:0
const STATUS_CODE_MASK: u16 = 0xff;           // SC
const STATUS_TYPE_SHIFT: u16 = 8;             // SCT, 3 bits
const STATUS_TYPE_MASK: u16 = 0x7;
const TYPE_GENERIC: u16 = 0;
const TYPE_COMMAND_SPECIFIC: u16 = 1;
const GENERIC_SUCCESS: u16 = 0x00;
const GENERIC_INVALID_OPCODE: u16 = 0x01;
const GENERIC_INVALID_FIELD: u16 = 0x02;
const GENERIC_INVALID_NAMESPACE: u16 = 0x0b;
const GENERIC_NAMESPACE_WRITE_PROTECTED: u16 = 0x20;
const GENERIC_LBA_OUT_OF_RANGE: u16 = 0x80;
const GENERIC_CAPACITY_EXCEEDED: u16 = 0x81;
const GENERIC_NAMESPACE_NOT_READY: u16 = 0x82;
const NVM_WRITE_TO_READ_ONLY_RANGE: u16 = 0x82; // command specific, for Write (NVM set §4.1.1.1)

export function statusCode(status: u16): u16 { return status & STATUS_CODE_MASK; }
export function statusType(status: u16): u16 { return (status >> STATUS_TYPE_SHIFT) & STATUS_TYPE_MASK; }

/** What a completion's status means to the caller. A request the controller
 *  judged malformed (out of range, bad field) is the caller's InvalidArgument;
 *  media and every other failure is the device's DeviceError. */
export function statusErrno(status: u16): Errno {
  const code = statusCode(status);
  const type = statusType(status);
  if (type == TYPE_GENERIC) {
    if (code == GENERIC_SUCCESS) return Errno.Ok;
    if (code == GENERIC_LBA_OUT_OF_RANGE || code == GENERIC_CAPACITY_EXCEEDED) return Errno.InvalidArgument;
    if (code == GENERIC_INVALID_OPCODE || code == GENERIC_INVALID_FIELD || code == GENERIC_INVALID_NAMESPACE) return Errno.InvalidArgument;
    if (code == GENERIC_NAMESPACE_WRITE_PROTECTED) return Errno.PermissionDenied;
    if (code == GENERIC_NAMESPACE_NOT_READY) return Errno.NotReady;
    return Errno.DeviceError;
  }
  if (type == TYPE_COMMAND_SPECIFIC && code == NVM_WRITE_TO_READ_ONLY_RANGE) return Errno.PermissionDenied;
  return Errno.DeviceError;                   // media and data integrity, path, vendor
}

// Identify Namespace: FLBAS (byte 26) and the LBA format descriptors (from byte 128)
const FLBAS_INDEX_LOW_MASK: u8 = 0xf;         // bits 3:0, the format index's low bits
const FLBAS_INDEX_HIGH_SHIFT: u8 = 5;         // bits 6:5, its high bits (when NLBAF > 16)
const FLBAS_INDEX_HIGH_MASK: u8 = 0x3;
const LBAF_METADATA_MASK: u32 = 0xffff;       // descriptor bits 15:0, metadata bytes per block
const LBAF_DATA_SHIFT: u32 = 16;              // bits 23:16, LBADS: block size 2^LBADS
const LBAF_DATA_MASK: u32 = 0xff;

/** Which LBA format descriptor the namespace is formatted with. */
export function formatIndex(flbas: u8): u32 {
  return <u32>(flbas & FLBAS_INDEX_LOW_MASK) | (<u32>((flbas >> FLBAS_INDEX_HIGH_SHIFT) & FLBAS_INDEX_HIGH_MASK) << 4);
}
/** log2 of the block size a format descriptor gives. */
export function blockShift(descriptor: u32): u32 { return (descriptor >> LBAF_DATA_SHIFT) & LBAF_DATA_MASK; }
export function metadataBytes(descriptor: u32): u32 { return descriptor & LBAF_METADATA_MASK; }

/** The memory pages (of `page` bytes) that `bytes` from physical `address` touch:
 *  PRP1 names the first, PRP2 the second or a list of the rest. */
export function pagesSpanned(address: u64, bytes: u64, page: u64): u64 {
  if (bytes == 0) return 0;
  const first = address & ~(page - 1);
  return (address + bytes - first + page - 1) / page;
}
