// audit.ts — guest scenario for the audit log: records appended past the ring's
// capacity verify; one flipped byte of a stored record is found at that record;
// with the byte put back the chain verifies again (the kernel's log is left whole).
import { Errno } from "../../abi";
import * as audit from "../audit";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";

const EXTRA_RECORDS: u32 = 100;           // enough to wrap the ring and move the anchor
const TAMPER_OFFSET: usize = 60;          // inside the subject field (record.ts layout)
const TAMPER_MASK: u8 = 0x04;
const payload = memory.data(<i32>audit.PAYLOAD_CAPACITY);

function fail(what: string): bool {
  log.begin(log.Level.Error);
  line.text("selftest: audit: ");
  line.text(what);
  log.end();
  return false;
}

function flip(address: usize): void { store<u8>(address, load<u8>(address) ^ TAMPER_MASK); }

/** Fills the log, flips one byte of a record in the middle, and expects verify()
 *  to name that record. */
export function auditTamper(): bool {
  const total = audit.CAPACITY + EXTRA_RECORDS;
  for (let i: u32 = 0; i < total; i++) {
    store<u32>(payload, i);
    const kind = i % 2 == 0 ? audit.EventKind.AgentSpawn : audit.EventKind.CapabilityDenied;
    const result = i % 2 == 0 ? Errno.Ok : Errno.PermissionDenied;
    if (audit.append(kind, <u64>i, <u64>(i * 3), result, payload, 4) < 0) return fail("append refused");
  }
  if (audit.count() != audit.CAPACITY) return fail("the full ring does not hold CAPACITY records");
  const start = clock.nanoseconds();
  if (audit.verify() != Errno.Ok) return fail("a log nobody touched does not verify");
  log.begin(log.Level.Info);
  line.text("selftest: audit: verified ");
  line.decimal(audit.count());
  line.text(" records in ");
  line.decimal((clock.nanoseconds() - start) / 1000);
  line.text(" us");
  log.end();

  const tampered = audit.count() / 2 + 7;
  const address = audit.recordAddress(tampered) + TAMPER_OFFSET;
  flip(address);
  const detected = audit.verify() == Errno.Malformed && audit.firstBadIndex() == <i32>tampered;
  flip(address);
  line.reset();
  line.text("AIOS audit tampered_index=");
  line.decimal(tampered);
  line.text(" detected=");
  line.text(detected ? "yes" : "no");
  log.publish();
  if (!detected) return false;
  return audit.verify() == Errno.Ok ? true : fail("the restored log does not verify");
}
