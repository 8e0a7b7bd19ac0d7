// commands.ts — TPM 2.0 commands marshalled into, and responses parsed from,
// byte buffers in linear memory; pure (no device access), host-tested against
// byte sequences worked out from the specification. Facts are from "Trusted
// Platform Module Library, Family 2.0": Part 2 (Structures) for the constants and
// structure layouts, Part 3 (Commands) for each command's fields, in order.
// Every integer on the wire is big-endian (Part 1, 18.3).
//   command:  tag u16 | commandSize u32 | commandCode u32 | handles | [authorizationSize u32 | sessions] | parameters
//   response: tag u16 | responseSize u32 | responseCode u32 | handles | [parameterSize u32] | parameters | [sessions]
import { Errno } from "../../../abi";
import * as sha256 from "../../crypto/sha256";

// ---- structure tags (Part 2, 6.9 TPM_ST)
export const ST_NO_SESSIONS: u16 = 0x8001;
export const ST_SESSIONS: u16 = 0x8002;
export const ST_ATTEST_QUOTE: u16 = 0x8018;
// ---- command codes (Part 2, 6.5.2 TPM_CC)
export const CC_PCR_RESET: u32 = 0x13d;
export const CC_CREATE_PRIMARY: u32 = 0x131;
export const CC_CREATE: u32 = 0x153;
export const CC_LOAD: u32 = 0x157;
export const CC_UNSEAL: u32 = 0x15e;
export const CC_START_AUTH_SESSION: u32 = 0x176;
export const CC_POLICY_PCR: u32 = 0x17f;
export const CC_STARTUP: u32 = 0x144;
export const CC_QUOTE: u32 = 0x158;
export const CC_FLUSH_CONTEXT: u32 = 0x165;
export const CC_GET_RANDOM: u32 = 0x17b;
export const CC_PCR_READ: u32 = 0x17e;
export const CC_PCR_EXTEND: u32 = 0x182;
// ---- startup types (Part 2, 6.10 TPM_SU)
export const SU_CLEAR: u16 = 0x0000;
export const SU_STATE: u16 = 0x0001;
// ---- response codes (Part 2, 6.6 TPM_RC)
export const RC_SUCCESS: u32 = 0x000;
export const RC_INITIALIZE: u32 = 0x100;          // TPM2_Startup when the TPM has already started
// ---- algorithms (Part 2, 6.3 TPM_ALG_ID) and curves (6.4 TPM_ECC_CURVE)
export const ALG_AES: u16 = 0x0006;
export const ALG_KEYEDHASH: u16 = 0x0008;
export const ALG_SHA256: u16 = 0x000b;
export const ALG_CFB: u16 = 0x0043;
export const ALG_NULL: u16 = 0x0010;
export const ALG_ECDSA: u16 = 0x0018;
export const ALG_ECC: u16 = 0x0023;
export const ECC_NIST_P256: u16 = 0x0003;
// ---- handles (Part 2, 7.4 TPM_RH and 7.5 TPM_HC): a PCR's handle is its number
export const RS_PW: u32 = 0x40000009;             // the password authorization session
export const RH_OWNER: u32 = 0x40000001;
export const RH_NULL: u32 = 0x40000007;
export const RH_ENDORSEMENT: u32 = 0x4000000b;
// ---- session types (Part 2, 6.14 TPM_SE) and attributes (8.4 TPMA_SESSION)
export const SE_POLICY: u8 = 0x01;
export const SESSION_CONTINUE: u8 = 0x01;
// ---- object attributes (Part 2, 8.3 TPMA_OBJECT)
export const OBJECT_FIXED_TPM: u32 = 1 << 1;
export const OBJECT_FIXED_PARENT: u32 = 1 << 4;
export const OBJECT_SENSITIVE_DATA_ORIGIN: u32 = 1 << 5;
export const OBJECT_USER_WITH_AUTH: u32 = 1 << 6;
export const OBJECT_NO_DA: u32 = 1 << 10;
export const OBJECT_RESTRICTED: u32 = 1 << 16;
export const OBJECT_DECRYPT: u32 = 1 << 17;
export const OBJECT_SIGN: u32 = 1 << 18;
/** The attestation key: generated in and bound to this TPM, used with an empty
 *  password, restricted so it signs only TPM-made structures (a quote cannot be
 *  forged by asking it to sign arbitrary bytes). */
export const ATTESTATION_KEY_ATTRIBUTES: u32 = OBJECT_FIXED_TPM | OBJECT_FIXED_PARENT | OBJECT_SENSITIVE_DATA_ORIGIN |
  OBJECT_USER_WITH_AUTH | OBJECT_NO_DA | OBJECT_RESTRICTED | OBJECT_SIGN;
/** The storage key sealed objects are made under: a restricted decryption key
 *  (a parent: it only wraps and unwraps its children's private areas), bound to
 *  this TPM, used with the owner hierarchy's empty password. */
export const STORAGE_KEY_ATTRIBUTES: u32 = OBJECT_FIXED_TPM | OBJECT_FIXED_PARENT | OBJECT_SENSITIVE_DATA_ORIGIN |
  OBJECT_USER_WITH_AUTH | OBJECT_NO_DA | OBJECT_RESTRICTED | OBJECT_DECRYPT;
/** A sealed data object: never leaves this TPM or its parent; no userWithAuth,
 *  so the user role (TPM2_Unseal) is granted only by a policy session meeting
 *  authPolicy (Part 1, 19.7.11); no sensitiveDataOrigin: the caller gives the
 *  data; neither sign nor decrypt: a sealed object, not a key (Part 2, 8.3.3.1). */
export const SEALED_OBJECT_ATTRIBUTES: u32 = OBJECT_FIXED_TPM | OBJECT_FIXED_PARENT | OBJECT_NO_DA;
/** The most a sealed object holds: TPM2B_SENSITIVE_DATA's limit (Part 2, 10.4.2,
 *  MAX_SYM_DATA) is 128 bytes. */
export const MAX_SEALED_BYTES: u32 = 128;
/** TPM_GENERATED_VALUE (Part 2, 6.2): the first field of every TPMS_ATTEST. */
export const GENERATED_VALUE: u32 = 0xff544347;

export const HEADER_BYTES: u32 = 10;
export const SHA256_BYTES: u32 = 32;
/** PCRs a PC Client TPM has (PTP 4.6.1: 24) and bytes of a PCR selection bitmap. */
export const PCR_COUNT: u32 = 24;
export const PCR_SELECT_BYTES: u8 = 3;
/** TPM2_StartAuthSession's nonceCaller: at least 16 bytes, at most the session
 *  hash's digest (Part 3, 11.1.1). */
export const SESSION_NONCE_BYTES: u32 = 32;
/** A policy session's authorization: handle, nonce, attributes, hmac (empty: no
 *  PolicyAuthValue in the policy, so no HMAC is asked for; Part 1, 19.6.13). */
const POLICY_SESSION_BYTES: u32 = 4 + 2 + 1 + 2;
/** A password session with an empty password: handle, nonce, attributes, hmac (Part 1, 19.8.4). */
const PASSWORD_SESSION_BYTES: u32 = 4 + 2 + 1 + 2;
/** In a response to a command with sessions, the empty password session echoed: nonce, attributes, hmac. */
const PASSWORD_SESSION_RESPONSE_BYTES: u32 = 2 + 1 + 2;
const RESPONSE_CODE_OFFSET: usize = 6;

// ---- big-endian access to linear memory
export function put16(at: usize, value: u16): void { store<u8>(at, <u8>(value >> 8)); store<u8>(at + 1, <u8>value); }
export function put32(at: usize, value: u32): void { put16(at, <u16>(value >> 16)); put16(at + 2, <u16>value); }
export function get16(at: usize): u16 { return (<u16>load<u8>(at) << 8) | <u16>load<u8>(at + 1); }
export function get32(at: usize): u32 { return (<u32>get16(at) << 16) | <u32>get16(at + 2); }

function header(buffer: usize, tag: u16, code: u32): usize {
  put16(buffer, tag);
  put32(buffer + 6, code);
  return buffer + <usize>HEADER_BYTES;
}

/** Writes commandSize from where marshalling ended; returns the length. */
function finish(buffer: usize, end: usize): u32 {
  const length = <u32>(end - buffer);
  put32(buffer + 2, length);
  return length;
}

/** authorizationSize, then one password session with an empty password. */
function passwordSession(at: usize): usize {
  put32(at, PASSWORD_SESSION_BYTES);
  put32(at + 4, RS_PW);
  put16(at + 8, 0);                      // nonceCaller: empty
  store<u8>(at + 10, 0);                 // sessionAttributes: none (a password session is never continued)
  put16(at + 11, 0);                     // hmac: the password, empty
  return at + 4 + <usize>PASSWORD_SESSION_BYTES;
}

/** TPML_PCR_SELECTION with one SHA-256 bank and the PCRs in `mask` (bit n = PCR n). */
function pcrSelection(at: usize, mask: u32): usize {
  put32(at, 1);                          // count: one bank
  put16(at + 4, ALG_SHA256);
  store<u8>(at + 6, PCR_SELECT_BYTES);
  store<u8>(at + 7, <u8>mask);
  store<u8>(at + 8, <u8>(mask >> 8));
  store<u8>(at + 9, <u8>(mask >> 16));
  return at + 10;
}

/** TPML_PCR_SELECTION for `mask` as it goes on the wire (10 bytes), for the policy digest. */
export const PCR_SELECTION_BYTES: u32 = 10;
export function pcrSelectionBytes(at: usize, mask: u32): usize { return pcrSelection(at, mask); }

/** TPM2_Startup (Part 3, 9.3). */
export function startup(buffer: usize, type: u16): u32 {
  const at = header(buffer, ST_NO_SESSIONS, CC_STARTUP);
  put16(at, type);
  return finish(buffer, at + 2);
}

/** TPM2_GetRandom (Part 3, 16.1): up to `count` bytes (the TPM may give fewer). */
export function getRandom(buffer: usize, count: u16): u32 {
  const at = header(buffer, ST_NO_SESSIONS, CC_GET_RANDOM);
  put16(at, count);
  return finish(buffer, at + 2);
}

/** TPM2_PCR_Extend (Part 3, 22.2) of PCR `pcr`'s SHA-256 bank by the 32 bytes at `digest`. */
export function pcrExtend(buffer: usize, pcr: u32, digest: usize): u32 {
  let at = header(buffer, ST_SESSIONS, CC_PCR_EXTEND);
  put32(at, pcr);                        // pcrHandle: PCR n is handle n (Part 2, 7.4: TPM_HT_PCR is 00h)
  at = passwordSession(at + 4);
  put32(at, 1);                          // TPML_DIGEST_VALUES: count
  put16(at + 4, ALG_SHA256);             // TPMT_HA: hashAlg, then the digest
  memory.copy(at + 6, digest, SHA256_BYTES);
  return finish(buffer, at + 6 + <usize>SHA256_BYTES);
}

/** TPM2_PCR_Read (Part 3, 22.4) of one PCR's SHA-256 bank. */
export function pcrRead(buffer: usize, pcr: u32): u32 {
  const at = header(buffer, ST_NO_SESSIONS, CC_PCR_READ);
  return finish(buffer, pcrSelection(at, <u32>1 << pcr));
}

/** TPM2_CreatePrimary (Part 3, 24.1) of the attestation key under the endorsement
 *  hierarchy (empty authorization): ECC NIST P-256, ECDSA with SHA-256, restricted
 *  signing. A primary key is derived from the hierarchy's seed and the template,
 *  so every boot of the same TPM gets the same key. */
export function createPrimary(buffer: usize): u32 {
  let at = header(buffer, ST_SESSIONS, CC_CREATE_PRIMARY);
  put32(at, RH_ENDORSEMENT);
  at = passwordSession(at + 4);
  // TPM2B_SENSITIVE_CREATE: size, userAuth (empty), data (empty)
  put16(at, 4); put16(at + 2, 0); put16(at + 4, 0);
  at += 6;
  // TPM2B_PUBLIC: size, then TPMT_PUBLIC (Part 2, 12.2.4)
  const sizeAt = at;
  at += 2;
  put16(at, ALG_ECC);                    // type
  put16(at + 2, ALG_SHA256);             // nameAlg
  put32(at + 4, ATTESTATION_KEY_ATTRIBUTES);
  put16(at + 8, 0);                      // authPolicy: empty
  // TPMS_ECC_PARMS (Part 2, 12.2.3.6)
  put16(at + 10, ALG_NULL);              // symmetric: none (a signing key)
  put16(at + 12, ALG_ECDSA);             // scheme, with its hash
  put16(at + 14, ALG_SHA256);
  put16(at + 16, ECC_NIST_P256);         // curveID
  put16(at + 18, ALG_NULL);              // kdf: none
  put16(at + 20, 0);                     // unique: TPMS_ECC_POINT x and y, empty
  put16(at + 22, 0);
  at += 24;
  put16(sizeAt, <u16>(at - sizeAt - 2));
  put16(at, 0);                          // outsideInfo: empty
  put32(at + 2, 0);                      // creationPCR: no banks
  return finish(buffer, at + 6);
}

/** TPMS_ECC_PARMS of a storage parent (Part 2, 12.2.3.6): AES-128 in CFB mode
 *  wraps its children (a restricted decryption key must name a symmetric
 *  algorithm, Part 2, 12.2.3.6), no scheme, NIST P-256, no kdf. */
function storageParameters(at: usize): usize {
  put16(at, ALG_AES);                    // symmetric: TPMT_SYM_DEF_OBJECT algorithm, keyBits, mode
  put16(at + 2, 128);
  put16(at + 4, ALG_CFB);
  put16(at + 6, ALG_NULL);               // scheme: none (a restricted decryption key has none)
  put16(at + 8, ECC_NIST_P256);          // curveID
  put16(at + 10, ALG_NULL);              // kdf: none
  return at + 12;
}

/** TPM2_CreatePrimary (Part 3, 24.1) of the storage key under the owner hierarchy
 *  (empty authorization): ECC NIST P-256, restricted decryption, AES-128-CFB.
 *  Derived from the owner seed and this template, it is the same key every boot
 *  of the same TPM (until TPM2_Clear), so blobs sealed in one boot load in the next. */
export function createStoragePrimary(buffer: usize): u32 {
  let at = header(buffer, ST_SESSIONS, CC_CREATE_PRIMARY);
  put32(at, RH_OWNER);
  at = passwordSession(at + 4);
  put16(at, 4); put16(at + 2, 0); put16(at + 4, 0);     // TPM2B_SENSITIVE_CREATE: empty userAuth, data
  at += 6;
  const sizeAt = at;
  at += 2;
  put16(at, ALG_ECC);                    // TPMT_PUBLIC: type
  put16(at + 2, ALG_SHA256);             // nameAlg
  put32(at + 4, STORAGE_KEY_ATTRIBUTES);
  put16(at + 8, 0);                      // authPolicy: empty
  at = storageParameters(at + 10);
  put16(at, 0);                          // unique: TPMS_ECC_POINT x and y, empty
  put16(at + 2, 0);
  at += 4;
  put16(sizeAt, <u16>(at - sizeAt - 2));
  put16(at, 0);                          // outsideInfo: empty
  put32(at + 2, 0);                      // creationPCR: no banks
  return finish(buffer, at + 6);
}

/** TPM2_Create (Part 3, 12.1) of a sealed data object under `parent`: the
 *  `length` bytes at `data` as its sensitive data, no authValue, and the 32-byte
 *  `policy` at `policy` as its authPolicy. TPMT_PUBLIC (Part 2, 12.2.4) of type
 *  TPM_ALG_KEYEDHASH with scheme TPM_ALG_NULL is how a sealed object is written
 *  (Part 2, 12.2.3.3). */
export function createSealed(buffer: usize, parent: u32, data: usize, length: u32, policy: usize): u32 {
  let at = header(buffer, ST_SESSIONS, CC_CREATE);
  put32(at, parent);
  at = passwordSession(at + 4);
  // TPM2B_SENSITIVE_CREATE: size | userAuth TPM2B_AUTH (empty) | data TPM2B_SENSITIVE_DATA
  put16(at, <u16>(2 + 2 + length));
  put16(at + 2, 0);
  put16(at + 4, <u16>length);
  memory.copy(at + 6, data, length);
  at += 6 + <usize>length;
  const sizeAt = at;
  at += 2;
  put16(at, ALG_KEYEDHASH);              // type
  put16(at + 2, ALG_SHA256);             // nameAlg (also the policy's hash)
  put32(at + 4, SEALED_OBJECT_ATTRIBUTES);
  put16(at + 8, <u16>SHA256_BYTES);      // authPolicy: TPM2B_DIGEST
  memory.copy(at + 10, policy, SHA256_BYTES);
  at += 10 + <usize>SHA256_BYTES;
  put16(at, ALG_NULL);                   // TPMS_KEYEDHASH_PARMS: scheme none (sealed data)
  put16(at + 2, 0);                      // unique: TPM2B_DIGEST, empty (the TPM fills it)
  at += 4;
  put16(sizeAt, <u16>(at - sizeAt - 2));
  put16(at, 0);                          // outsideInfo: empty
  put32(at + 2, 0);                      // creationPCR: no banks
  return finish(buffer, at + 6);
}

/** TPM2_Load (Part 3, 12.2) under `parent` of the object whose TPM2B_PRIVATE and
 *  TPM2B_PUBLIC (each with its u16 size) are at `privateArea` and `publicArea`. */
export function loadObject(buffer: usize, parent: u32, privateArea: usize, publicArea: usize): u32 {
  let at = header(buffer, ST_SESSIONS, CC_LOAD);
  put32(at, parent);
  at = passwordSession(at + 4);
  const privateBytes = <u32>get16(privateArea) + 2;
  memory.copy(at, privateArea, privateBytes);
  at += <usize>privateBytes;
  const publicBytes = <u32>get16(publicArea) + 2;
  memory.copy(at, publicArea, publicBytes);
  return finish(buffer, at + <usize>publicBytes);
}

/** TPM2_StartAuthSession (Part 3, 11.1) of a policy session: not salted (tpmKey
 *  TPM_RH_NULL), not bound (bind TPM_RH_NULL), no parameter encryption (symmetric
 *  TPM_ALG_NULL), SHA-256; the 32 bytes at `nonce` as nonceCaller. */
export function startPolicySession(buffer: usize, nonce: usize): u32 {
  let at = header(buffer, ST_NO_SESSIONS, CC_START_AUTH_SESSION);
  put32(at, RH_NULL);                    // tpmKey
  put32(at + 4, RH_NULL);                // bind
  put16(at + 8, <u16>SESSION_NONCE_BYTES);
  memory.copy(at + 10, nonce, SESSION_NONCE_BYTES);
  at += 10 + <usize>SESSION_NONCE_BYTES;
  put16(at, 0);                          // encryptedSalt: empty
  store<u8>(at + 2, SE_POLICY);          // sessionType
  put16(at + 3, ALG_NULL);               // symmetric: TPMT_SYM_DEF, TPM_ALG_NULL (no keyBits, mode)
  put16(at + 5, ALG_SHA256);             // authHash
  return finish(buffer, at + 7);
}

/** TPM2_PolicyPCR (Part 3, 23.7) in `session` over the SHA-256 PCRs in `mask`,
 *  with an empty pcrDigest: the TPM folds in the PCRs' current values, so the
 *  session's digest matches an object's authPolicy only when they equal the
 *  values sealed against. */
export function policyPcr(buffer: usize, session: u32, mask: u32): u32 {
  const at = header(buffer, ST_NO_SESSIONS, CC_POLICY_PCR);
  put32(at, session);
  put16(at + 4, 0);                      // pcrDigest: empty
  return finish(buffer, pcrSelection(at + 6, mask));
}

/** TPM2_Unseal (Part 3, 12.7) of loaded object `item`, authorized by the policy
 *  session `session` (kept open: the caller flushes it, failed or not). */
export function unseal(buffer: usize, item: u32, session: u32): u32 {
  let at = header(buffer, ST_SESSIONS, CC_UNSEAL);
  put32(at, item);
  put32(at + 4, POLICY_SESSION_BYTES);   // authorizationSize
  put32(at + 8, session);
  put16(at + 12, 0);                     // nonceCaller: empty (no HMAC is computed)
  store<u8>(at + 14, SESSION_CONTINUE);
  put16(at + 15, 0);                     // hmac: empty
  return finish(buffer, at + 17);
}

/** TPM2_PCR_Reset (Part 3, 22.3) of PCR `pcr`: only the debug PCR 16 and 23 can
 *  be reset from locality 0 on a PC Client TPM (PTP, 4.6.2). */
export function pcrReset(buffer: usize, pcr: u32): u32 {
  const at = header(buffer, ST_SESSIONS, CC_PCR_RESET);
  put32(at, pcr);
  return finish(buffer, passwordSession(at + 4));
}

/** The authPolicy an object gets when TPM2_PolicyPCR over `mask` is its whole
 *  policy, from the 32-byte `pcrDigest` (SHA-256 of the selected PCRs' values,
 *  lowest PCR first) into `out` (Part 3, 23.7.1):
 *    policyDigest := SHA-256(0³² || TPM_CC_PolicyPCR || TPML_PCR_SELECTION || pcrDigest)
 *  `scratch` holds the 78 bytes hashed. */
export const POLICY_INPUT_BYTES: u32 = SHA256_BYTES + 4 + PCR_SELECTION_BYTES + SHA256_BYTES;
export function policyPcrDigest(mask: u32, pcrDigest: usize, scratch: usize, out: usize): void {
  memory.fill(scratch, 0, SHA256_BYTES);
  put32(scratch + SHA256_BYTES, CC_POLICY_PCR);
  pcrSelection(scratch + SHA256_BYTES + 4, mask);
  memory.copy(scratch + SHA256_BYTES + 4 + PCR_SELECTION_BYTES, pcrDigest, SHA256_BYTES);
  sha256.digest(scratch, POLICY_INPUT_BYTES, out);
}

/** TPM2_Quote (Part 3, 18.4) by key `handle` over the SHA-256 PCRs in `mask`,
 *  with `nonceLength` bytes of caller nonce (qualifyingData) at `nonce`. */
export function quote(buffer: usize, handle: u32, nonce: usize, nonceLength: u32, mask: u32): u32 {
  let at = header(buffer, ST_SESSIONS, CC_QUOTE);
  put32(at, handle);
  at = passwordSession(at + 4);
  put16(at, <u16>nonceLength);           // qualifyingData: TPM2B_DATA
  memory.copy(at + 2, nonce, nonceLength);
  at += 2 + <usize>nonceLength;
  put16(at, ALG_NULL);                   // inScheme: the key's own (ECDSA, SHA-256)
  return finish(buffer, pcrSelection(at + 2, mask));
}

/** TPM2_FlushContext (Part 3, 28.4) of a transient object. */
export function flushContext(buffer: usize, handle: u32): u32 {
  const at = header(buffer, ST_NO_SESSIONS, CC_FLUSH_CONTEXT);
  put32(at, handle);
  return finish(buffer, at + 4);
}

// ---- responses

/** The response code, or RC_SUCCESS's opposite when the response is shorter than
 *  its header or disagrees with its own size field. */
export const RC_MALFORMED: u32 = 0xffffffff;
export function responseCode(response: usize, length: u32): u32 {
  if (length < HEADER_BYTES || get32(response + 2) != length) return RC_MALFORMED;
  return get32(response + RESPONSE_CODE_OFFSET);
}

/** A TPM2_PCR_Read response's digest for the one PCR asked for, copied to `out`
 *  (32 bytes). Malformed when the TPM answered another bank, PCR or length. */
export function parsePcrRead(response: usize, length: u32, pcr: u32, out: usize): Errno {
  if (responseCode(response, length) != RC_SUCCESS) return Errno.DeviceError;
  // pcrUpdateCounter u32 | TPML_PCR_SELECTION (10 bytes for one bank) | TPML_DIGEST: count u32, size u16, digest
  const selection = response + <usize>HEADER_BYTES + 4;
  const digests = selection + 10;
  if (length != HEADER_BYTES + 4 + 10 + 4 + 2 + SHA256_BYTES) return Errno.Malformed;
  if (get32(selection) != 1 || get16(selection + 4) != ALG_SHA256 || load<u8>(selection + 6) != PCR_SELECT_BYTES) return Errno.Malformed;
  const mask = <u32>load<u8>(selection + 7) | (<u32>load<u8>(selection + 8) << 8) | (<u32>load<u8>(selection + 9) << 16);
  if (mask != (<u32>1 << pcr)) return Errno.Malformed;
  if (get32(digests) != 1 || get16(digests + 4) != <u16>SHA256_BYTES) return Errno.Malformed;
  memory.copy(out, digests + 6, SHA256_BYTES);
  return Errno.Ok;
}

/** A TPM2_PCR_Extend response: success, and exactly the echoed password session. */
export function parsePcrExtend(response: usize, length: u32): Errno {
  if (responseCode(response, length) != RC_SUCCESS) return Errno.DeviceError;
  if (length != HEADER_BYTES + 4 + PASSWORD_SESSION_RESPONSE_BYTES || get32(response + HEADER_BYTES) != 0) return Errno.Malformed;
  return Errno.Ok;
}

/** A TPM2_GetRandom response: the count of random bytes copied to `out` (at most
 *  `capacity`), or -1 when the response is not a success or is malformed. */
export function parseGetRandom(response: usize, length: u32, out: usize, capacity: u32): i32 {
  if (responseCode(response, length) != RC_SUCCESS || length < HEADER_BYTES + 2) return -1;
  const count = <u32>get16(response + HEADER_BYTES);
  if (HEADER_BYTES + 2 + count != length || count > capacity) return -1;
  memory.copy(out, response + HEADER_BYTES + 2, count);
  return <i32>count;
}

/** A TPM2_CreatePrimary response: the new object's handle (stored at `handleOut`
 *  as a u32) and its public area (TPMT_PUBLIC, from TPM2B_PUBLIC outPublic)
 *  copied to `publicOut`. Returns the public area's length, or -1. */
export function parseCreatePrimary(response: usize, length: u32, handleOut: usize, publicOut: usize, capacity: u32): i32 {
  if (responseCode(response, length) != RC_SUCCESS || length < HEADER_BYTES + 4 + 4 + 2) return -1;
  // objectHandle u32 | parameterSize u32 | outPublic TPM2B_PUBLIC | creationData, creationHash, creationTicket, name | sessions
  const parameters = response + <usize>HEADER_BYTES + 8;
  const parameterSize = get32(response + HEADER_BYTES + 4);
  if (<u64>HEADER_BYTES + 8 + <u64>parameterSize > <u64>length) return -1;
  const publicSize = <u32>get16(parameters);
  if (publicSize + 2 > parameterSize || publicSize > capacity) return -1;
  store<u32>(handleOut, get32(response + HEADER_BYTES));
  memory.copy(publicOut, parameters + 2, publicSize);
  return <i32>publicSize;
}

/** A TPM2_Quote response: the attestation (TPMS_ATTEST, from TPM2B_ATTEST quoted)
 *  and the signature (TPMT_SIGNATURE), each written to `out` as a big-endian u16
 *  length and the bytes. Returns the bytes written, or -1. */
export function parseQuote(response: usize, length: u32, out: usize, capacity: u32): i32 {
  if (responseCode(response, length) != RC_SUCCESS || length < HEADER_BYTES + 4 + 2) return -1;
  // parameterSize u32 | quoted TPM2B_ATTEST | signature TPMT_SIGNATURE | sessions
  const parameterSize = get32(response + HEADER_BYTES);
  const parameters = response + <usize>HEADER_BYTES + 4;
  if (<u64>HEADER_BYTES + 4 + <u64>parameterSize > <u64>length) return -1;
  const attestSize = <u32>get16(parameters);
  if (attestSize + 2 >= parameterSize) return -1;
  const signatureSize = parameterSize - 2 - attestSize;
  if (attestSize + signatureSize + 4 > capacity) return -1;
  put16(out, <u16>attestSize);
  memory.copy(out + 2, parameters + 2, attestSize);
  put16(out + 2 + <usize>attestSize, <u16>signatureSize);
  memory.copy(out + 4 + <usize>attestSize, parameters + 2 + <usize>attestSize, signatureSize);
  return <i32>(attestSize + signatureSize + 4);
}

/** A TPM2_Create response: outPrivate and outPublic, each copied to `out` with
 *  its u16 size (TPM2B_PRIVATE then TPM2B_PUBLIC, as the TPM gave them).
 *  Returns the bytes written, or -1. */
export function parseCreate(response: usize, length: u32, out: usize, capacity: u32): i32 {
  if (responseCode(response, length) != RC_SUCCESS || length < HEADER_BYTES + 4 + 4) return -1;
  // parameterSize u32 | outPrivate | outPublic | creationData, creationHash, creationTicket | sessions
  const parameterSize = get32(response + HEADER_BYTES);
  const parameters = response + <usize>HEADER_BYTES + 4;
  if (<u64>HEADER_BYTES + 4 + <u64>parameterSize > <u64>length) return -1;
  const privateBytes = <u32>get16(parameters) + 2;
  if (privateBytes + 2 > parameterSize) return -1;
  const publicBytes = <u32>get16(parameters + <usize>privateBytes) + 2;
  if (privateBytes + publicBytes > parameterSize || privateBytes + publicBytes > capacity) return -1;
  memory.copy(out, parameters, privateBytes + publicBytes);
  return <i32>(privateBytes + publicBytes);
}

/** A response whose first field is a handle (TPM2_CreatePrimary, TPM2_Load,
 *  TPM2_StartAuthSession): the handle, or 0 (no object or session has handle 0)
 *  when the response is not a success or is too short. */
export function parseHandle(response: usize, length: u32): u32 {
  if (responseCode(response, length) != RC_SUCCESS || length < HEADER_BYTES + 4) return 0;
  return get32(response + HEADER_BYTES);
}

/** A TPM2_Unseal response: outData (TPM2B_SENSITIVE_DATA) copied to `out`;
 *  its length, or -1 when not a success, malformed, or over `capacity`. */
export function parseUnseal(response: usize, length: u32, out: usize, capacity: u32): i32 {
  if (responseCode(response, length) != RC_SUCCESS || length < HEADER_BYTES + 4 + 2) return -1;
  const parameterSize = get32(response + HEADER_BYTES);
  if (<u64>HEADER_BYTES + 4 + <u64>parameterSize > <u64>length) return -1;
  const count = <u32>get16(response + HEADER_BYTES + 4);
  if (count + 2 > parameterSize || count > capacity) return -1;
  memory.copy(out, response + HEADER_BYTES + 6, count);
  return <i32>count;
}

/** TPM2_PCR_Reset's response: success with the password session echoed. */
export function parsePcrReset(response: usize, length: u32): Errno { return parsePcrExtend(response, length); }
