// encoding.ts — the Intel VT-d formats the IOMMU driver reads and writes, as named
// constants and pure functions (host-tested): the remapping unit's registers
// (VT-d spec rev 3+ §11.4), root and context entries in legacy mode (§9.1, §9.3)
// and second-level paging entries (§9.8). Nothing here touches hardware.
//   root entry    (16 bytes, one per bus):   lo: P 0 | CTP 63:12            hi: reserved
//   context entry (16 bytes, one per devfn): lo: P 0 | FPD 1 | TT 3:2 | SLPTPTR 63:12
//                                            hi: AW 2:0 | DID 23:8
//   second-level entry (8 bytes):            R 0 | W 1 | PS 7 | ADDR 51:12 | ignored 61:52

// ---- register offsets from the unit's base (§11.4)
export const REG_VERSION: u64 = 0x000;            // 32-bit: max 7:4, min 3:0
export const REG_CAPABILITY: u64 = 0x008;         // 64-bit
export const REG_EXTENDED_CAPABILITY: u64 = 0x010; // 64-bit
export const REG_GLOBAL_COMMAND: u64 = 0x018;     // 32-bit
export const REG_GLOBAL_STATUS: u64 = 0x01c;      // 32-bit
export const REG_ROOT_TABLE_ADDRESS: u64 = 0x020; // 64-bit: RTA 63:12 | TTM 11:10 (0 = legacy)
export const REG_CONTEXT_COMMAND: u64 = 0x028;    // 64-bit
export const REG_FAULT_STATUS: u64 = 0x034;       // 32-bit
export const REG_FAULT_EVENT_CONTROL: u64 = 0x038; // 32-bit
/** The IOTLB invalidate register is 8 bytes past the IVA register, which sits at ECAP.IRO × 16 (§11.4.8). */
const IOTLB_AFTER_IVA: u64 = 8;
/** Each fault recording register is 16 bytes; the first at CAP.FRO × 16 (§11.4.14). */
export const FAULT_RECORD_BYTES: u64 = 16;
/** The unit's registers span at least one 4 KiB page. */
export const REGISTER_BYTES: u64 = 4096;

// ---- capability register (§11.4.2)
const CAP_DOMAINS_SHIFT: u64 = 0;                 // ND 2:0: 2^(4 + 2·ND) domain ids
const CAP_DOMAINS_MASK: u64 = 0x7;
export const CAP_WRITE_BUFFER_FLUSH: u64 = 1 << 4; // RWBF: flush write buffers after table updates
export const CAP_CACHING_MODE: u64 = 1 << 7;      // CM: not-present entries may be cached too
const CAP_SAGAW_SHIFT: u64 = 8;                   // SAGAW 12:8
const CAP_SAGAW_MASK: u64 = 0x1f;
export const SAGAW_39_BIT: u32 = 1 << 1;          // 3-level tables
export const SAGAW_48_BIT: u32 = 1 << 2;          // 4-level tables
const CAP_MGAW_SHIFT: u64 = 16;                   // MGAW 21:16, width - 1
const CAP_MGAW_MASK: u64 = 0x3f;
const CAP_FRO_SHIFT: u64 = 24;                    // FRO 33:24, in 16-byte units
const CAP_FRO_MASK: u64 = 0x3ff;
const CAP_NFR_SHIFT: u64 = 40;                    // NFR 47:40, count - 1
const CAP_NFR_MASK: u64 = 0xff;
export const CAP_WRITE_DRAINING: u64 = <u64>1 << 54; // DWD
export const CAP_READ_DRAINING: u64 = <u64>1 << 55;  // DRD

// ---- extended capability register (§11.4.3)
export const ECAP_COHERENT: u64 = 1 << 0;         // C: table walks snoop the caches
const ECAP_IRO_SHIFT: u64 = 8;                    // IRO 17:8, in 16-byte units
const ECAP_IRO_MASK: u64 = 0x3ff;

// ---- global command and status (§11.4.4, §11.4.5): the same bit for a command and its status
export const GLOBAL_TRANSLATION: u32 = 1 << 31;         // TE / TES
export const GLOBAL_SET_ROOT_POINTER: u32 = 1 << 30;    // SRTP / RTPS (one-shot)
const GLOBAL_SET_FAULT_LOG: u32 = 1 << 29;              // SFL / FLS (one-shot)
export const GLOBAL_WRITE_BUFFER_FLUSH: u32 = 1 << 27;  // WBF / WBFS (one-shot; WBFS set while flushing)
export const GLOBAL_QUEUED_INVALIDATION: u32 = 1 << 26; // QIE / QIES
const GLOBAL_SET_INTERRUPT_POINTER: u32 = 1 << 24;      // SIRTP / IRTPS (one-shot)
/** The one-shot command bits: writing them back from the status register would
 *  repeat the command, so a new command starts from the status without them. */
const GLOBAL_ONE_SHOT: u32 = GLOBAL_SET_ROOT_POINTER | GLOBAL_SET_FAULT_LOG | GLOBAL_WRITE_BUFFER_FLUSH | GLOBAL_SET_INTERRUPT_POINTER;

/** The global command value that sets (`on`) or clears `bit` and keeps every
 *  other persistent setting the status register shows (§11.4.4: software reads
 *  GSTS, drops the one-shot bits, and changes one command bit per write). */
export function globalCommand(status: u32, bit: u32, on: bool): u32 {
  const kept = status & ~GLOBAL_ONE_SHOT;
  return on ? kept | bit : kept & ~bit;
}

// ---- context command register (§11.4.7)
export const CONTEXT_INVALIDATE: u64 = <u64>1 << 63;          // ICC: set to start, hardware clears when done
export const CONTEXT_GLOBAL: u64 = <u64>1 << 61;              // CIRG = 01: every context entry
const CONTEXT_ACTUAL_SHIFT: u64 = 59;                         // CAIG 60:59: 0 = request not performed
const GRANULARITY_MASK: u64 = 0x3;

// ---- IOTLB invalidate register (§11.4.8.1)
export const IOTLB_INVALIDATE: u64 = <u64>1 << 63;            // IVT: set to start, hardware clears when done
export const IOTLB_GLOBAL: u64 = <u64>1 << 60;                // IIRG = 01
export const IOTLB_DOMAIN: u64 = <u64>2 << 60;                // IIRG = 10: one domain (DID 47:32)
export const IOTLB_DRAIN_READS: u64 = <u64>1 << 49;           // DR
export const IOTLB_DRAIN_WRITES: u64 = <u64>1 << 48;          // DW
const IOTLB_DOMAIN_SHIFT: u64 = 32;
const IOTLB_ACTUAL_SHIFT: u64 = 57;                           // IAIG 58:57: 0 = request not performed

// ---- fault status and recording (§11.4.9, §11.4.14)
export const FAULT_OVERFLOW: u32 = 1 << 0;        // PFO (write 1 to clear)
export const FAULT_PENDING: u32 = 1 << 1;         // PPF: some record has F set
const FAULT_INDEX_SHIFT: u32 = 8;                 // FRI 15:8
const FAULT_INDEX_MASK: u32 = 0xff;
/** The recording register's high quadword: F 63 (write 1 to clear) | T1 62 | FR 39:32 | SID 15:0. */
export const RECORD_FAULT: u64 = <u64>1 << 63;
const RECORD_READ: u64 = <u64>1 << 62;            // T1: 1 read, 0 write (with T2 = 0, no PASID)
const RECORD_REASON_SHIFT: u64 = 32;
const RECORD_REASON_MASK: u64 = 0xff;
const RECORD_SOURCE_MASK: u64 = 0xffff;
const PAGE_ADDRESS_MASK: u64 = 0xffff_ffff_ffff_f000;

// ---- fault event control (§11.4.10)
export const FAULT_EVENT_MASKED: u32 = 1 << 31;   // IM: no fault interrupt (faults are polled)

// ---- translation structures (§9.1, §9.3, §9.8)
export const ENTRY_PRESENT: u64 = 1 << 0;         // root and context entries
const CONTEXT_TRANSLATE_UNTRANSLATED: u64 = 0 << 2; // TT = 00: untranslated requests walk the second level; no device TLB
const CONTEXT_DOMAIN_SHIFT: u64 = 8;
export const SL_READ: u64 = 1 << 0;
export const SL_WRITE: u64 = 1 << 1;
/** Bits 61:52 of a second-level entry are ignored by hardware: a leaf keeps there
 *  how many map() calls share its page, so the last unmap() alone removes it. */
const SL_COUNT_SHIFT: u64 = 52;
export const SL_COUNT_MAX: u32 = 0x3ff;
const SL_ADDRESS_MASK: u64 = 0x000f_ffff_ffff_f000; // ADDR 51:12
export const TABLE_ENTRIES: u64 = 512;            // 4 KiB of 8-byte entries, 9 address bits a level
export const ROOT_ENTRY_BYTES: u64 = 16;
export const CONTEXT_ENTRY_BYTES: u64 = 16;
export const PAGE_SHIFT: u64 = 12;
export const PAGE_BYTES: u64 = 1 << PAGE_SHIFT;
const LEVEL_BITS: u64 = 9;

// ---- capabilities decoded
export function domainCount(capability: u64): u32 {
  const nd = <u32>((capability >> CAP_DOMAINS_SHIFT) & CAP_DOMAINS_MASK);
  return nd > 6 ? 1 << 16 : 1 << (4 + 2 * nd);     // ND 7 is reserved; 16 bits name at most 64 Ki
}
export function sagaw(capability: u64): u32 { return <u32>((capability >> CAP_SAGAW_SHIFT) & CAP_SAGAW_MASK); }
export function maximumGuestWidth(capability: u64): u32 { return <u32>((capability >> CAP_MGAW_SHIFT) & CAP_MGAW_MASK) + 1; }
export function faultRecordOffset(capability: u64): u64 { return ((capability >> CAP_FRO_SHIFT) & CAP_FRO_MASK) * 16; }
export function faultRecordCount(capability: u64): u32 { return <u32>((capability >> CAP_NFR_SHIFT) & CAP_NFR_MASK) + 1; }
export function iotlbOffset(extended: u64): u64 { return ((extended >> ECAP_IRO_SHIFT) & ECAP_IRO_MASK) * 16 + IOTLB_AFTER_IVA; }

/** Second-level table depth to use: 4 (48-bit) when SAGAW offers it, else 3
 *  (39-bit), else 0 (neither: the unit is refused). */
export function levelsFor(capability: u64): i32 {
  const widths = sagaw(capability);
  if ((widths & SAGAW_48_BIT) != 0) return 4;
  if ((widths & SAGAW_39_BIT) != 0) return 3;
  return 0;
}
/** The adjusted guest address width a table depth covers: 39 or 48 bits. */
export function addressWidthOf(levels: i32): u32 { return <u32>(12 + 9 * levels); }
/** The context entry's AW field for a depth: 1 = 3-level, 2 = 4-level. */
export function addressWidthCode(levels: i32): u64 { return <u64>(levels - 2); }

export function contextActualGranularity(command: u64): u32 { return <u32>((command >> CONTEXT_ACTUAL_SHIFT) & GRANULARITY_MASK); }
export function iotlbActualGranularity(command: u64): u32 { return <u32>((command >> IOTLB_ACTUAL_SHIFT) & GRANULARITY_MASK); }
export function iotlbDomainCommand(domain: u16, drain: u64): u64 {
  return IOTLB_INVALIDATE | IOTLB_DOMAIN | drain | (<u64>domain << IOTLB_DOMAIN_SHIFT);
}

// ---- faults decoded
export function firstFaultIndex(status: u32): u32 { return (status >> FAULT_INDEX_SHIFT) & FAULT_INDEX_MASK; }
export function faultSource(high: u64): u16 { return <u16>(high & RECORD_SOURCE_MASK); }
export function faultReason(high: u64): u8 { return <u8>((high >> RECORD_REASON_SHIFT) & RECORD_REASON_MASK); }
export function faultIsRead(high: u64): bool { return (high & RECORD_READ) != 0; }
export function faultAddress(low: u64): u64 { return low & PAGE_ADDRESS_MASK; }
/** A PCI requester id: bus 15:8 | device 7:3 | function 2:0. */
export function sourceId(bus: u32, slot: u32, fn: u32): u16 { return <u16>((bus << 8) | (slot << 3) | fn); }

// ---- entries encoded
export function rootEntry(contextTable: u64): u64 { return (contextTable & PAGE_ADDRESS_MASK) | ENTRY_PRESENT; }
export function contextLow(pageTable: u64): u64 {
  return (pageTable & PAGE_ADDRESS_MASK) | CONTEXT_TRANSLATE_UNTRANSLATED | ENTRY_PRESENT;
}
export function contextHigh(domain: u16, levels: i32): u64 { return addressWidthCode(levels) | (<u64>domain << CONTEXT_DOMAIN_SHIFT); }

/** A non-leaf entry: read and write pass through to the level below (the
 *  permissions of every level along a walk are ANDed). */
export function tableEntry(table: u64): u64 { return (table & SL_ADDRESS_MASK) | SL_READ | SL_WRITE; }
export function leafEntry(page: u64, writable: bool, count: u32): u64 {
  return (page & SL_ADDRESS_MASK) | SL_READ | (writable ? SL_WRITE : 0) | (<u64>(count & SL_COUNT_MAX) << SL_COUNT_SHIFT);
}
export function entryPresent(entry: u64): bool { return (entry & (SL_READ | SL_WRITE)) != 0; }
export function entryWritable(entry: u64): bool { return (entry & SL_WRITE) != 0; }
export function entryAddress(entry: u64): u64 { return entry & SL_ADDRESS_MASK; }
export function leafCount(entry: u64): u32 { return <u32>(entry >> SL_COUNT_SHIFT) & SL_COUNT_MAX; }

/** Which of a table's 512 entries translates `address` at `level` (1 = the leaf table). */
export function indexAt(address: u64, level: i32): u64 {
  return (address >> (PAGE_SHIFT + LEVEL_BITS * <u64>(level - 1))) & (TABLE_ENTRIES - 1);
}
