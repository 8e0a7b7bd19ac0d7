// pqcd — the kernel's post-quantum key service: ML-DSA-65 signing keys and
// ML-KEM-768 decapsulation keys made from the kernel DRBG, used by agents only
// through Key capabilities (syscalls/pqcd.ts), never handed out: no call returns
// a secret key. A key is Active, then — rotated — Retiring for an overlap window
// (it still verifies and decapsulates, so what it signed or sealed stays readable,
// but signs and is encapsulated to no more), then Retired; or Revoked at once,
// its id put on the revocation list, refused for everything. Keys live for the
// boot; their sealed storage on disk comes with the TPM sealing backend.
//   key slot: state | algorithm | id | created | retires | successor | public | secret
import { Errno } from "../../abi";
import * as clock from "../clock";
import { mldsa, mlkem, random } from "../crypto";
import { grown } from "../memory";

export const enum Algorithm { MlDsa65 = 1, MlKem768 = 2 }
export const enum State { Free = 0, Active = 1, Retiring = 2, Revoked = 3 }

const DSA_LEVEL: i32 = 65;
const KEM_RANK: i32 = 3;                                  // ML-KEM-768
export const MAX_KEYS: i32 = 32;
const MAX_REVOKED: i32 = 256;
const PUBLIC_BYTES: usize = 1952;                          // the larger: ML-DSA-65 (ML-KEM-768's is 1184)
const SECRET_BYTES: usize = 4032;                          // ML-DSA-65's (ML-KEM-768's is 2400)
const SLOT_BYTES: usize = PUBLIC_BYTES + SECRET_BYTES + 128;
const SEED_BYTES: usize = 64;
export const NO_KEY: i32 = -1;
/** Signatures are made in this context (FIPS 204's ctx), so they cannot stand
 *  for another protocol's. */
const CONTEXT = memory.data<u8>([0x41, 0x49, 0x4f, 0x53, 0x20, 0x70, 0x71, 0x63, 0x64, 0x20, 0x76, 0x31]);   // "AIOS pqcd v1"
export const CONTEXT_BYTES: usize = 12;

const states = memory.data(MAX_KEYS);
const algorithms = memory.data(MAX_KEYS);
const ids = memory.data(MAX_KEYS * 4);
const retires = memory.data(MAX_KEYS * 8);                // a Retiring key's end
const revokedIds = memory.data(MAX_REVOKED * 4);
let revokedCount: i32 = 0;
let nextId: u32 = 1;
let slots: usize = 0;                                      // MAX_KEYS × SLOT_BYTES, grown at first use
const seed = memory.data(<i32>SEED_BYTES);

function publicOf(i: i32): usize { return slots + <usize>i * SLOT_BYTES; }
function secretOf(i: i32): usize { return publicOf(i) + PUBLIC_BYTES; }
export function stateOf(i: i32): State { return <State>load<u8>(states + <usize>i); }
export function algorithmOf(i: i32): Algorithm { return <Algorithm>load<u8>(algorithms + <usize>i); }
export function idOf(i: i32): u32 { return load<u32>(ids + <usize>i * 4); }
export function publicBytes(algorithm: Algorithm): usize { return algorithm == Algorithm.MlDsa65 ? mldsa.publicKeyBytes(DSA_LEVEL) : mlkem.publicKeyBytes(KEM_RANK); }
export function signatureBytes(): usize { return mldsa.signatureBytes(DSA_LEVEL); }
export function ciphertextBytes(): usize { return mlkem.ciphertextBytes(KEM_RANK); }
export const SHARED_SECRET_BYTES: usize = 32;

/** The slot of key `id`, or NO_KEY. */
export function slotOf(id: u32): i32 {
  if (id == 0) return NO_KEY;
  for (let i = 0; i < MAX_KEYS; i++) if (stateOf(i) != State.Free && idOf(i) == id) return i;
  return NO_KEY;
}

export function isRevoked(id: u32): bool {
  for (let i = 0; i < revokedCount; i++) if (load<u32>(revokedIds + <usize>i * 4) == id) return true;
  return false;
}
export function revocationCount(): i32 { return revokedCount; }

/** Whether key slot `i` may be used for a public-side operation (verify,
 *  decapsulate) at `now`: Ok, Revoked, or Expired once its overlap has ended. */
function usable(i: i32, now: u64): Errno {
  const state = stateOf(i);
  if (state == State.Revoked || isRevoked(idOf(i))) return Errno.Revoked;
  if (state == State.Retiring && now >= load<u64>(retires + <usize>i * 8)) return Errno.Expired;
  return state == State.Free ? Errno.NotFound : Errno.Ok;
}

function freeSlot(): i32 {
  for (let s = 0; s < MAX_KEYS; s++) if (stateOf(s) == State.Free) return s;
  return NO_KEY;
}

/** A new key of `algorithm`: its id, or 0 (ResourceExhausted: no slot or memory;
 *  NotReady: no random bytes). */
export function create(algorithm: Algorithm): u32 {
  if (algorithm != Algorithm.MlDsa65 && algorithm != Algorithm.MlKem768) return 0;
  if (slots == 0) slots = grown.take(<usize>MAX_KEYS * SLOT_BYTES);
  if (slots == 0) return 0;
  let i = freeSlot();
  if (i == NO_KEY) { sweep(clock.nanoseconds()); i = freeSlot(); }   // retired keys make room
  if (i == NO_KEY) return 0;
  if (random.fill(seed, SEED_BYTES) != Errno.Ok) return 0;
  const made = algorithm == Algorithm.MlDsa65
    ? mldsa.keygen(DSA_LEVEL, seed, publicOf(i), secretOf(i))
    : mlkem.keygen(KEM_RANK, seed, publicOf(i), secretOf(i));
  memory.fill(seed, 0, SEED_BYTES);                        // the seed would rebuild the secret key
  if (!made) return 0;
  store<u8>(states + <usize>i, State.Active);
  store<u8>(algorithms + <usize>i, <u8>algorithm);
  store<u32>(ids + <usize>i * 4, nextId++);
  return idOf(i);
}

/** Copies key `id`'s public key to `out`: its length, or -Errno. */
export function publicKey(id: u32, out: usize, capacity: usize): i32 {
  const i = slotOf(id);
  if (i == NO_KEY) return -(<i32>Errno.NotFound);
  const n = publicBytes(algorithmOf(i));
  if (capacity < n) return -(<i32>Errno.InvalidArgument);
  memory.copy(out, publicOf(i), n);
  return <i32>n;
}

/** Signs `length` bytes at `message` with key `id` into `signature`
 *  (signatureBytes()): Ok, or why not. Only an Active signing key signs. */
export function sign(id: u32, message: usize, length: usize, signature: usize): Errno {
  const i = slotOf(id);
  if (i == NO_KEY) return Errno.NotFound;
  if (algorithmOf(i) != Algorithm.MlDsa65) return Errno.InvalidArgument;
  const check = usable(i, clock.nanoseconds());
  if (check != Errno.Ok) return check;
  if (stateOf(i) != State.Active) return Errno.Expired;    // retiring: verifies, signs no more
  if (random.fill(seed, 32) != Errno.Ok) return Errno.NotReady;   // hedged signing (FIPS 204 rnd)
  const signed = mldsa.sign(DSA_LEVEL, secretOf(i), message, length, CONTEXT, CONTEXT_BYTES, seed, signature);
  memory.fill(seed, 0, 32);
  return signed ? Errno.Ok : Errno.InvalidArgument;
}

/** Verifies a signature by key `id` (Active, or Retiring within its overlap). */
export function verify(id: u32, message: usize, length: usize, signature: usize): Errno {
  const i = slotOf(id);
  if (i == NO_KEY) return Errno.NotFound;
  if (algorithmOf(i) != Algorithm.MlDsa65) return Errno.InvalidArgument;
  const check = usable(i, clock.nanoseconds());
  if (check != Errno.Ok) return check;
  return mldsa.verify(DSA_LEVEL, publicOf(i), message, length, CONTEXT, CONTEXT_BYTES, signature) ? Errno.Ok : Errno.SignatureInvalid;
}

/** A shared secret for key `id`'s holder: the ciphertext (ciphertextBytes()) and
 *  the 32-byte secret. Only to an Active key. */
export function encapsulate(id: u32, ciphertext: usize, sharedSecret: usize): Errno {
  const i = slotOf(id);
  if (i == NO_KEY) return Errno.NotFound;
  if (algorithmOf(i) != Algorithm.MlKem768) return Errno.InvalidArgument;
  const check = usable(i, clock.nanoseconds());
  if (check != Errno.Ok) return check;
  if (stateOf(i) != State.Active) return Errno.Expired;
  if (random.fill(seed, 32) != Errno.Ok) return Errno.NotReady;
  const made = mlkem.encapsulate(KEM_RANK, publicOf(i), seed, ciphertext, sharedSecret);
  memory.fill(seed, 0, 32);
  return made ? Errno.Ok : Errno.InvalidArgument;
}

/** The shared secret in `ciphertext` for key `id` (Active, or Retiring within its overlap). */
export function decapsulate(id: u32, ciphertext: usize, sharedSecret: usize): Errno {
  const i = slotOf(id);
  if (i == NO_KEY) return Errno.NotFound;
  if (algorithmOf(i) != Algorithm.MlKem768) return Errno.InvalidArgument;
  const check = usable(i, clock.nanoseconds());
  if (check != Errno.Ok) return check;
  return mlkem.decapsulate(KEM_RANK, secretOf(i), ciphertext, sharedSecret) ? Errno.Ok : Errno.InvalidArgument;
}

/** Replaces key `id` with a new one of the same algorithm: the new id, or 0.
 *  The old key retires after `overlapNs` (verifying and decapsulating until then). */
export function rotate(id: u32, overlapNs: u64): u32 {
  const i = slotOf(id);
  if (i == NO_KEY || stateOf(i) != State.Active || isRevoked(id)) return 0;
  const successor = create(algorithmOf(i));
  if (successor == 0) return 0;
  store<u8>(states + <usize>i, State.Retiring);
  store<u64>(retires + <usize>i * 8, clock.nanoseconds() + overlapNs);
  return successor;
}

/** Revokes key `id` at once: on the revocation list, its secret erased. */
export function revoke(id: u32): Errno {
  const i = slotOf(id);
  if (i == NO_KEY) return Errno.NotFound;
  if (isRevoked(id)) return Errno.Ok;
  if (revokedCount < MAX_REVOKED) store<u32>(revokedIds + <usize>(revokedCount++) * 4, id);
  store<u8>(states + <usize>i, State.Revoked);
  memory.fill(secretOf(i), 0, SECRET_BYTES);
  return Errno.Ok;
}

/** Frees the slots of retired keys (past their overlap) and erases their secrets;
 *  revoked keys keep their slot (and id) so their refusal stays "Revoked". */
export function sweep(now: u64): void {
  for (let i = 0; i < MAX_KEYS; i++) {
    if (stateOf(i) != State.Retiring || now < load<u64>(retires + <usize>i * 8)) continue;
    memory.fill(secretOf(i), 0, SECRET_BYTES);
    store<u8>(states + <usize>i, State.Free);
  }
}
