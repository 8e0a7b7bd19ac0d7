// seal/tpm.ts — the TPM 2.0 sealing backend. Sealed data objects are made under
// a primary storage key of the owner hierarchy (ECC P-256, restricted decryption,
// AES-128-CFB: commands.createStoragePrimary), made once per boot and left loaded;
// being primary, it is derived again, the same, every boot of the same TPM.
//
// seal: read the selected SHA-256 PCRs, policy := the digest TPM2_PolicyPCR over
// those values yields (commands.policyPcrDigest), TPM2_Create of a KEYEDHASH
// object holding the caller's bytes with that authPolicy and no userWithAuth.
// The blob is the TPM's wrapping of it (TPM2B_PRIVATE, encrypted and integrity-
// protected by the storage key) and its TPM2B_PUBLIC, behind a small header:
//   magic "AST1" u32 | pcrMask u32 | TPM2B_PRIVATE | TPM2B_PUBLIC   (big-endian)
// unseal: TPM2_Load under the storage key (the TPM checks the private area's
// integrity and its binding to the public area), TPM2_StartAuthSession of a policy
// session, TPM2_PolicyPCR over the header's PCRs (the TPM folds in their current
// values), TPM2_Unseal with that session — refused by the TPM (TPM_RC_POLICY_FAIL)
// unless the session's digest equals the object's authPolicy, i.e. unless the PCRs
// hold the values sealed against — then TPM2_FlushContext of session and object.
// The TPM driver's two buffers carry the secret, so they are wiped after each call.
import { Errno } from "../../abi";
import * as sha256 from "../crypto/sha256";
import * as tpm from "../devices/tpm";
import * as commands from "../devices/tpm/commands";
import * as line from "../line";
import * as log from "../log";

export const MAX_DATA_BYTES: u32 = 128;                 // commands.MAX_SEALED_BYTES
const BLOB_MAGIC: u32 = 0x41535431;                      // "AST1"
export const BLOB_HEADER_BYTES: u32 = 8;
const NO_HANDLE: u32 = 0;
const DIGEST: u32 = 32;

const context = memory.data(sha256.CONTEXT_BYTES);
const pcrValue = memory.data(32);
const pcrDigest = memory.data(32);
const policy = memory.data(32);
const policyInput = memory.data(80);                     // commands.POLICY_INPUT_BYTES (78)
const nonce = memory.data(32);
let storageHandle: u32 = NO_HANDLE;
let sealedBytes: u32 = 0;

export function available(): bool { return tpm.available(); }

function tpmFailed(what: string): void {
  log.begin(log.Level.Warn);
  line.text("seal: ");
  line.text(what);
  line.text(" refused by the TPM, response code ");
  line.hex(tpm.lastResponseCode());
  log.end();
}

/** Runs the command marshalled in the driver's buffer; DeviceError (with a log
 *  line) when the TPM answered with an error. */
function execute(length: u32, what: string): Errno {
  const result = tpm.execute(length);
  if (result != Errno.Ok) return result;
  if (tpm.lastResponseCode() != commands.RC_SUCCESS) {
    tpmFailed(what);
    return Errno.DeviceError;
  }
  return Errno.Ok;
}

function flush(handle: u32): void {
  if (handle == NO_HANDLE) return;
  tpm.execute(commands.flushContext(tpm.commandBuffer(), handle));
}

/** Makes (once per boot) the storage key sealed objects live under. */
function storageKey(): Errno {
  if (storageHandle != NO_HANDLE) return Errno.Ok;
  const result = execute(commands.createStoragePrimary(tpm.commandBuffer()), "TPM2_CreatePrimary (storage key)");
  if (result != Errno.Ok) return result;
  const handle = commands.parseHandle(tpm.responseBuffer(), tpm.responseLength());
  if (handle == NO_HANDLE) return Errno.Malformed;
  storageHandle = handle;
  return Errno.Ok;
}

function maskValid(mask: u32): bool { return mask != 0 && mask < (<u32>1 << commands.PCR_COUNT); }

/** The SHA-256 of the current values of the PCRs in `mask`, lowest first: the
 *  pcrDigest TPM2_PolicyPCR computes (Part 3, 23.7.1). */
function currentPcrDigest(mask: u32): Errno {
  sha256.init(context);
  for (let pcr: u32 = 0; pcr < commands.PCR_COUNT; pcr++) {
    if ((mask & (<u32>1 << pcr)) == 0) continue;
    const result = tpm.readPcr(pcr, pcrValue);
    if (result != Errno.Ok) return result;
    sha256.update(context, pcrValue, DIGEST);
  }
  sha256.final(context, pcrDigest);
  return Errno.Ok;
}

export function seal(data: usize, length: u32, mask: u32, out: usize, capacity: u32): Errno {
  sealedBytes = 0;
  if (length == 0 || length > MAX_DATA_BYTES || !maskValid(mask)) return Errno.InvalidArgument;
  if (capacity < BLOB_HEADER_BYTES) return Errno.ResourceExhausted;
  let result = storageKey();
  if (result != Errno.Ok) return result;
  result = currentPcrDigest(mask);
  if (result != Errno.Ok) return result;
  commands.policyPcrDigest(mask, pcrDigest, policyInput, policy);
  result = execute(commands.createSealed(tpm.commandBuffer(), storageHandle, data, length, policy), "TPM2_Create (sealed object)");
  if (result != Errno.Ok) {
    tpm.wipeBuffers();
    return result;
  }
  const got = commands.parseCreate(tpm.responseBuffer(), tpm.responseLength(), out + BLOB_HEADER_BYTES, capacity - BLOB_HEADER_BYTES);
  tpm.wipeBuffers();
  if (got < 0) return Errno.ResourceExhausted;
  commands.put32(out, BLOB_MAGIC);
  commands.put32(out + 4, mask);
  sealedBytes = BLOB_HEADER_BYTES + <u32>got;
  return Errno.Ok;
}

export function sealedLength(): u32 { return sealedBytes; }

/** The blob's header and its two sizes against its length; the PCR mask or 0. */
function blobMask(blob: usize, blobLength: u32): u32 {
  if (blobLength < BLOB_HEADER_BYTES + 4 || blobLength > tpm.COMMAND_BUFFER_BYTES / 2) return 0;
  if (commands.get32(blob) != BLOB_MAGIC) return 0;
  const mask = commands.get32(blob + 4);
  if (!maskValid(mask)) return 0;
  const privateBytes = <u32>commands.get16(blob + BLOB_HEADER_BYTES) + 2;
  if (BLOB_HEADER_BYTES + privateBytes + 2 > blobLength) return 0;
  const publicBytes = <u32>commands.get16(blob + BLOB_HEADER_BYTES + <usize>privateBytes) + 2;
  if (BLOB_HEADER_BYTES + privateBytes + publicBytes != blobLength) return 0;
  return mask;
}

export function unseal(blob: usize, blobLength: u32, out: usize, capacity: u32): i32 {
  const mask = blobMask(blob, blobLength);
  if (mask == 0) return -<i32>Errno.Malformed;
  let result = storageKey();
  if (result != Errno.Ok) return -<i32>result;
  const privateArea = blob + BLOB_HEADER_BYTES;
  const publicArea = privateArea + 2 + <usize>commands.get16(privateArea);
  // the TPM refuses a private area that is not this storage key's wrapping of this public area
  result = execute(commands.loadObject(tpm.commandBuffer(), storageHandle, privateArea, publicArea), "TPM2_Load (sealed blob)");
  if (result != Errno.Ok) return -<i32>(result == Errno.DeviceError ? Errno.InvalidArgument : result);
  const object = commands.parseHandle(tpm.responseBuffer(), tpm.responseLength());
  if (object == NO_HANDLE) return -<i32>Errno.Malformed;
  if (tpm.random(nonce, commands.SESSION_NONCE_BYTES) != <i32>commands.SESSION_NONCE_BYTES) {
    flush(object);
    return -<i32>Errno.DeviceError;
  }
  result = execute(commands.startPolicySession(tpm.commandBuffer(), nonce), "TPM2_StartAuthSession");
  const session = result == Errno.Ok ? commands.parseHandle(tpm.responseBuffer(), tpm.responseLength()) : NO_HANDLE;
  if (session == NO_HANDLE) {
    flush(object);
    return -<i32>(result == Errno.Ok ? Errno.Malformed : result);
  }
  let answer: i32 = -<i32>Errno.DeviceError;
  result = execute(commands.policyPcr(tpm.commandBuffer(), session, mask), "TPM2_PolicyPCR");
  if (result == Errno.Ok) {
    result = tpm.execute(commands.unseal(tpm.commandBuffer(), object, session));
    if (result != Errno.Ok) answer = -<i32>result;
    else if (tpm.lastResponseCode() != commands.RC_SUCCESS) {
      // the policy was not met (TPM_RC_POLICY_FAIL): the PCRs differ from the sealed-against values
      log.begin(log.Level.Info);
      line.text("seal: TPM2_Unseal refused (the PCRs differ from those sealed against?), response code ");
      line.hex(tpm.lastResponseCode());
      log.end();
      answer = -<i32>Errno.PermissionDenied;
    } else {
      answer = commands.parseUnseal(tpm.responseBuffer(), tpm.responseLength(), out, capacity);
      if (answer < 0) answer = -<i32>Errno.ResourceExhausted;
    }
  } else answer = -<i32>result;
  tpm.wipeBuffers();
  flush(session);
  flush(object);
  return answer;
}
