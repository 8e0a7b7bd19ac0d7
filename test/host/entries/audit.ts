// Test exports for the audit log (src/kernel/audit) and SHA-256 (src/kernel/crypto).
import * as audit from "../../../src/kernel/audit";
import { sha256 } from "../../../src/kernel/crypto";
import { Errno } from "../../../src/abi";

const context = memory.data(sha256.CONTEXT_BYTES);

// ---- SHA-256
export function sha256ContextBytes(): i32 { return sha256.CONTEXT_BYTES; }
export function sha256Digest(source: usize, length: usize, output: usize): void { sha256.digest(source, length, output); }
export function sha256Init(): void { sha256.init(context); }
export function sha256Update(source: usize, length: usize): void { sha256.update(context, source, length); }
export function sha256Final(output: usize): void { sha256.final(context, output); }
export function sha256Equal(left: usize, right: usize): bool { return sha256.equal(left, right); }

// ---- audit log
export function auditCapacity(): u32 { return audit.CAPACITY; }
export function auditRecordBytes(): usize { return audit.RECORD_BYTES; }
export function auditAppendAt(timestamp: u64, kind: u32, subject: u64, object: u64, result: i32, payload: usize, payloadLength: u32): i64 {
  return audit.appendAt(timestamp, <audit.EventKind>kind, subject, object, <Errno>result, payload, payloadLength);
}
export function auditAppend(kind: u32, subject: u64, object: u64, result: i32, payload: usize, payloadLength: u32): i64 {
  return audit.append(<audit.EventKind>kind, subject, object, <Errno>result, payload, payloadLength);
}
export function auditVerify(): i32 { return audit.verify(); }
export function auditFirstBadIndex(): i32 { return audit.firstBadIndex(); }
export function auditLastFailure(): i32 { return audit.lastFailure(); }
export function auditBrokenDrops(): u32 { return audit.brokenDropCount(); }
export function auditHeadHash(output: usize): u64 { return audit.headHash(output); }
export function auditAnchor(output: usize): u64 { return audit.anchor(output); }
export function auditCount(): u32 { return audit.count(); }
export function auditRecordAddress(index: u32): usize { return audit.recordAddress(index); }
export function auditSequenceAt(index: u32): u64 { return audit.sequenceAt(index); }
export function auditTimestampAt(index: u32): u64 { return audit.timestampAt(index); }
export function auditKindAt(index: u32): u32 { return audit.kindAt(index); }
export function auditResultAt(index: u32): i32 { return audit.resultAt(index); }
export function auditSubjectAt(index: u32): u64 { return audit.subjectAt(index); }
export function auditObjectAt(index: u32): u64 { return audit.objectAt(index); }
export function auditCopyPayload(index: u32, output: usize): u32 { return audit.copyPayload(index, output); }
export function auditCopyHash(index: u32, output: usize): bool { return audit.copyHash(index, output); }
