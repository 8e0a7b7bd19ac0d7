// seal.ts — guest scenarios for the sealing interface (src/kernel/seal) with the
// TPM backend (QEMU's tpm-tis backed by a fresh swtpm):
//   seal-tpm     seals a 48-byte secret to PCR 16 (the debug PCR, resettable, zero
//                on a fresh TPM) and another to PCRs 10 and 16, unseals both
//                intact; a blob with a byte changed (private area, public area,
//                header) is refused; after PCR 16 is extended both are refused
//                (PermissionDenied: the TPM's policy check); after PCR 16 is reset
//                to zero the first unseals again; bad arguments are refused.
//                Prints the secret and the blob for the host test (which checks
//                the blob's authPolicy against a PolicyPCR digest it computes).
//   seal-store   seals the secret to PCR 16 and writes the blob (u16 length, then
//                the bytes) to sector 0 of the first disk.
//   seal-restore reads that blob back and unseals it: in a later boot with the same
//                TPM state it comes back intact (the storage key is derived again,
//                the same); with another TPM the load is refused.
//   seal-absent  no TPM: no backend, seal and unseal return NotSupported.
import { Errno } from "../../abi";
import * as block from "../block";
import { frames } from "../memory";
import * as physical from "../physical";
import { sha256 } from "../crypto";
import * as devices from "../devices";
import * as line from "../line";
import * as log from "../log";
import * as grown from "../memory/grown";
import * as seal from "../seal";

const DEBUG_PCR: u32 = 16;
const MEASURE_PCR: u32 = 10;
const SECRET_BYTES: u32 = 48;
const BLOB: u32 = seal.MAX_BLOB_BYTES;
const HEADER: u32 = 8;

let area: usize = 0;
const digest = memory.data(32);
const EXTEND_MESSAGE = memory.data<u8>([0x73, 0x65, 0x61, 0x6c]);   // "seal"

const HEX_CHUNK: u32 = 200;              // bytes of hex per line: a line holds 512 characters

/** `count` bytes as hex, in lines "AIOS seal <label>=<hex>" of HEX_CHUNK bytes each. */
function hexLine(label: string, source: usize, count: u32): void {
  for (let offset: u32 = 0; offset < count; offset += HEX_CHUNK) {
    line.reset();
    line.text("AIOS seal ");
    line.text(label);
    line.text("=");
    const end = count - offset < HEX_CHUNK ? count : offset + HEX_CHUNK;
    for (let i = offset; i < end; i++) line.hexDigits(load<u8>(source + <usize>i), 2);
    log.publish();
  }
}

function failed(what: string, result: i32): bool {
  log.begin(log.Level.Error);
  line.text("seal scenario: ");
  line.text(what);
  line.text(" failed: ");
  line.signed(result);
  line.text(", TPM response code ");
  line.hex(devices.tpm.lastResponseCode());
  log.end();
  return false;
}

function same(left: usize, right: usize, count: u32): bool {
  for (let i: u32 = 0; i < count; i++) if (load<u8>(left + <usize>i) != load<u8>(right + <usize>i)) return false;
  return true;
}

/** Unseals `blob` into `out` and says whether the secret came back intact. */
function unsealsIntact(blob: usize, length: u32, out: usize, secret: usize): i32 {
  memory.fill(out, 0, SECRET_BYTES);
  const got = seal.unseal(blob, length, out, BLOB);
  if (got < 0) return got;
  return got == <i32>SECRET_BYTES && same(out, secret, SECRET_BYTES) ? got : -100;
}

/** Unseals a copy of `blob` with byte `at` flipped: the errno (negative), or the length when accepted. */
function tampered(blob: usize, length: u32, at: u32, copy: usize, out: usize): i32 {
  memory.copy(copy, blob, length);
  store<u8>(copy + <usize>at, load<u8>(copy + <usize>at) ^ 0x01);
  return seal.unseal(copy, length, out, BLOB);
}

export function tpm(): bool {
  if (area == 0) area = grown.take(4 * BLOB);
  const secret = area, blob = area + BLOB, blob2 = area + 2 * BLOB, scratch = area + 3 * BLOB;
  const out = scratch + BLOB / 2;
  if (!seal.available()) return failed("available()", -<i32>Errno.NotSupported);
  for (let i: u32 = 0; i < SECRET_BYTES; i++) store<u8>(secret + <usize>i, <u8>(i * 37 + 11));
  hexLine("secret", secret, SECRET_BYTES);
  let result = devices.tpm.resetPcr(DEBUG_PCR);
  if (result != Errno.Ok) return failed("resetPcr 16", -<i32>result);
  // seal to PCR 16, and to PCRs 10 (the measurement log's) and 16
  result = seal.seal(secret, SECRET_BYTES, <u32>1 << DEBUG_PCR, blob, BLOB);
  if (result != Errno.Ok) return failed("seal to PCR 16", -<i32>result);
  const length = seal.sealedLength();
  hexLine("blob", blob, length);
  result = seal.seal(secret, SECRET_BYTES, (<u32>1 << MEASURE_PCR) | (<u32>1 << DEBUG_PCR), blob2, BLOB);
  if (result != Errno.Ok) return failed("seal to PCRs 10, 16", -<i32>result);
  const length2 = seal.sealedLength();
  let got = unsealsIntact(blob, length, out, secret);
  if (got < 0) return failed("unseal (PCR 16)", got);
  got = unsealsIntact(blob2, length2, out, secret);
  if (got < 0) return failed("unseal (PCRs 10, 16)", got);
  // a changed blob: inside the private area (the wrapped sensitive part), the
  // public area's authPolicy, the header's PCR mask, and a cut-short blob
  const privateBytes = 2 + ((<u32>load<u8>(blob + HEADER) << 8) | <u32>load<u8>(blob + HEADER + 1));
  const changedPrivate = tampered(blob, length, HEADER + privateBytes - 5, scratch, out);
  const changedPolicy = tampered(blob, length, HEADER + privateBytes + 2 + 10 + 3, scratch, out);
  const changedMask = tampered(blob, length, 7, scratch, out);       // PCR 0 added to the mask: another policy
  const cutShort = seal.unseal(blob, length - 1, out, BLOB);
  const tooSmall = seal.unseal(blob, length, out, SECRET_BYTES - 1);
  // PCR 16 moves on: neither blob unseals
  sha256.digest(EXTEND_MESSAGE, 4, digest);
  result = devices.tpm.extend(DEBUG_PCR, digest);
  if (result != Errno.Ok) return failed("extend 16", -<i32>result);
  const afterExtend = seal.unseal(blob, length, out, BLOB);
  const afterExtend2 = seal.unseal(blob2, length2, out, BLOB);
  // PCR 16 back at zero: the first unseals again (bound to the value, not to a boot)
  result = devices.tpm.resetPcr(DEBUG_PCR);
  if (result != Errno.Ok) return failed("resetPcr 16 again", -<i32>result);
  const afterReset = unsealsIntact(blob, length, out, secret);
  const badLength = seal.seal(secret, seal.MAX_DATA_BYTES + 1, <u32>1 << DEBUG_PCR, scratch, BLOB);
  const noPcrs = seal.seal(secret, SECRET_BYTES, 0, scratch, BLOB);
  const noRoom = seal.seal(secret, SECRET_BYTES, <u32>1 << DEBUG_PCR, scratch, 64);
  line.reset();
  line.text("AIOS seal backend=");
  line.text(seal.backend());
  line.text(" blob_bytes=");
  line.decimal(length);
  line.text(" unsealed=intact changed_private=");
  line.signed(changedPrivate);
  line.text(" changed_policy=");
  line.signed(changedPolicy);
  line.text(" changed_mask=");
  line.signed(changedMask);
  line.text(" cut_short=");
  line.signed(cutShort);
  line.text(" too_small=");
  line.signed(tooSmall);
  log.publish();
  line.reset();
  line.text("AIOS seal after_extend=");
  line.signed(afterExtend);
  line.text(" after_extend_10_16=");
  line.signed(afterExtend2);
  line.text(" after_reset=");
  line.signed(afterReset);
  line.text(" bad_length=");
  line.decimal(<u32>badLength);
  line.text(" no_pcrs=");
  line.decimal(<u32>noPcrs);
  line.text(" no_room=");
  line.decimal(<u32>noRoom);
  log.publish();
  return changedPrivate == -<i32>Errno.InvalidArgument && changedPolicy == -<i32>Errno.InvalidArgument && changedMask == -<i32>Errno.PermissionDenied && cutShort == -<i32>Errno.Malformed &&
    tooSmall == -<i32>Errno.ResourceExhausted &&
    afterExtend == -<i32>Errno.PermissionDenied && afterExtend2 == -<i32>Errno.PermissionDenied &&
    afterReset == <i32>SECRET_BYTES && badLength == Errno.InvalidArgument && noPcrs == Errno.InvalidArgument &&
    noRoom == Errno.ResourceExhausted;
}

function fillSecret(secret: usize): void {
  for (let i: u32 = 0; i < SECRET_BYTES; i++) store<u8>(secret + <usize>i, <u8>(i * 37 + 11));
}

const STORE_DISK: i32 = 0;

export function storeBlob(): bool {
  if (area == 0) area = grown.take(4 * BLOB);
  const secret = area, blob = area + BLOB;
  if (!seal.available()) return failed("available()", -<i32>Errno.NotSupported);
  if (block.queue.count() == 0) return failed("a disk", -<i32>Errno.NotFound);
  fillSecret(secret);
  let result = seal.seal(secret, SECRET_BYTES, <u32>1 << DEBUG_PCR, blob, BLOB);
  if (result != Errno.Ok) return failed("seal to PCR 16", -<i32>result);
  const length = seal.sealedLength();
  const sector = frames.alloc(0, frames.Owner.Test);
  if (sector == 0) return failed("a frame", -<i32>Errno.ResourceExhausted);
  physical.zero(sector, 4096);
  physical.write8(sector, <u8>(length >> 8));
  physical.write8(sector + 1, <u8>length);
  for (let i: u32 = 0; i < length; i++) physical.write8(sector + 2 + <u64>i, load<u8>(blob + <usize>i));
  result = block.write(STORE_DISK, 0, sector, 1);
  if (result == Errno.Ok) result = block.flush(STORE_DISK);
  frames.free(sector);
  if (result != Errno.Ok) return failed("writing the blob", -<i32>result);
  line.reset();
  line.text("AIOS seal stored=");
  line.decimal(length);
  log.publish();
  return true;
}

export function restoreBlob(): bool {
  if (area == 0) area = grown.take(4 * BLOB);
  const secret = area, blob = area + BLOB, out = area + 2 * BLOB;
  if (!seal.available()) return failed("available()", -<i32>Errno.NotSupported);
  if (block.queue.count() == 0) return failed("a disk", -<i32>Errno.NotFound);
  fillSecret(secret);
  const sector = frames.alloc(0, frames.Owner.Test);
  if (sector == 0) return failed("a frame", -<i32>Errno.ResourceExhausted);
  const result = block.read(STORE_DISK, 0, sector, 1);
  const length = (<u32>physical.read8(sector) << 8) | <u32>physical.read8(sector + 1);
  for (let i: u32 = 0; i < length && i < BLOB; i++) store<u8>(blob + <usize>i, physical.read8(sector + 2 + <u64>i));
  frames.free(sector);
  if (result != Errno.Ok || length > BLOB) return failed("reading the blob", -<i32>result);
  const got = unsealsIntact(blob, length, out, secret);
  line.reset();
  line.text("AIOS seal restored=");
  line.signed(got);
  log.publish();
  return true;                            // the host test judges the answer (intact, or refused by another TPM)
}

export function absent(): bool {
  if (area == 0) area = grown.take(4 * BLOB);
  const sealed = seal.seal(area, SECRET_BYTES, <u32>1 << DEBUG_PCR, area + BLOB, BLOB);
  const unsealed = seal.unseal(area + BLOB, 64, area, BLOB);
  line.reset();
  line.text("AIOS seal available=");
  line.text(seal.available() ? "yes" : "no");
  line.text(" backend=");
  line.text(seal.backend());
  line.text(" seal=");
  line.decimal(<u32>sealed);
  line.text(" unseal=");
  line.signed(unsealed);
  log.publish();
  return !seal.available() && sealed == Errno.NotSupported && unsealed == -<i32>Errno.NotSupported;
}
