// Test exports for src/kernel/measure: the kernel's check of a module record's
// ML-DSA-65 signature, on caller-placed buffers.
import * as measure from "../../../src/kernel/measure";

export function measureVerifyRecord(publicKey: usize, record: usize, signature: usize): bool {
  return measure.verifyRecord(publicKey, record, signature);
}
export function measureRecordBytes(): usize { return measure.RECORD_BYTES; }
