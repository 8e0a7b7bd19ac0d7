// seal — the sealing (enclave) interface (issue 9): data bound to this machine's
// hardware root and, through a policy on PCRs, to the state the machine booted
// into. seal() turns up to 128 bytes into an opaque blob that only the same
// backend, in the same PCR state, turns back into the bytes; the blob itself is
// safe to store anywhere (it is encrypted and integrity-protected by the backend).
//
// A backend is a set of function references, installed by init(). The only
// backend is the TPM 2.0's (seal/tpm.ts). Without a TPM there is no backend, and
// seal() / unseal() return Errno.NotSupported: there is no software fallback
// that would report success without a hardware root doing the work.
//
// Not re-entrant: callers hold the kernel lock (the TPM driver's buffers are shared).
import { Errno } from "../../abi";
import * as log from "../log";
import * as tpmBackend from "./tpm";

export { tpmBackend };

/** The most bytes one blob seals (the TPM's TPM2B_SENSITIVE_DATA limit). */
export const MAX_DATA_BYTES: u32 = tpmBackend.MAX_DATA_BYTES;
/** A blob's largest size: room enough to pass as `capacity` to seal(). */
export const MAX_BLOB_BYTES: u32 = 512;

export type SealFunction = (data: usize, length: u32, pcrMask: u32, out: usize, capacity: u32) => Errno;
export type UnsealFunction = (blob: usize, blobLength: u32, out: usize, capacity: u32) => i32;
export type LengthFunction = () => u32;

// The backend, as function table indices (0: none installed).
let sealIndex: u32 = 0;
let unsealIndex: u32 = 0;
let lengthIndex: u32 = 0;
let backendName: string = "none";

/** Installs a backend: its name and its three functions. */
export function install(name: string, sealWith: SealFunction, unsealWith: UnsealFunction, lengthOf: LengthFunction): void {
  sealIndex = <u32>changetype<usize>(sealWith);
  unsealIndex = <u32>changetype<usize>(unsealWith);
  lengthIndex = <u32>changetype<usize>(lengthOf);
  backendName = name;
}

/** Chooses the backend: the TPM's when the TPM driver found one (call after devicesInit). */
export function init(): void {
  if (!tpmBackend.available()) {
    log.info("seal: no backend (no TPM 2.0): sealing is not supported");
    return;
  }
  install("tpm2", tpmBackend.seal, tpmBackend.unseal, tpmBackend.sealedLength);
  log.info("seal: backend tpm2 (PolicyPCR-bound sealed objects under the owner storage key)");
}

export function available(): bool { return sealIndex != 0; }
/** The backend's name: "tpm2", or "none". */
export function backend(): string { return backendName; }

/** Seals `length` bytes (1..MAX_DATA_BYTES) at `data` to the current values of the
 *  SHA-256 PCRs in `pcrMask` (bit n = PCR n, at least one): the blob is written to
 *  `out` (at most `capacity` bytes; sealedLength() says how many). */
export function seal(data: usize, length: u32, pcrMask: u32, out: usize, capacity: u32): Errno {
  if (sealIndex == 0) return Errno.NotSupported;
  return changetype<SealFunction>(<usize>sealIndex)(data, length, pcrMask, out, capacity);
}

/** The length of the blob the last successful seal() wrote. */
export function sealedLength(): u32 {
  if (lengthIndex == 0) return 0;
  return changetype<LengthFunction>(<usize>lengthIndex)();
}

/** The bytes sealed in the `blobLength`-byte blob at `blob`, written to `out`:
 *  their length, or -Errno: NotSupported (no backend), Malformed (not a blob),
 *  InvalidArgument (not sealed by this backend, or changed), PermissionDenied
 *  (the PCRs no longer hold the values sealed against), ResourceExhausted
 *  (`capacity` too small), DeviceError / Timeout (the device failed). */
export function unseal(blob: usize, blobLength: u32, out: usize, capacity: u32): i32 {
  if (unsealIndex == 0) return -<i32>Errno.NotSupported;
  return changetype<UnsealFunction>(<usize>unsealIndex)(blob, blobLength, out, capacity);
}
