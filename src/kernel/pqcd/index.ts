// pqcd — the kernel's post-quantum key service: ML-DSA-65 signing keys and
// ML-KEM-768 decapsulation keys made from the kernel DRBG, used by agents only
// through Key capabilities (syscalls/pqcd.ts), never handed out: no call returns
// a secret key. A key is Active, then — rotated — Retiring for an overlap window
// (it still verifies and decapsulates, so what it signed or sealed stays readable,
// but signs and is encapsulated to no more), then Retired; or Revoked at once,
// its id put on the revocation list, refused for everything. With a sealing
// backend (the TPM) and a writable file system, keys and the revocation list are
// kept across boots (keystore.ts: each key's generation seed sealed to this TPM);
// otherwise they live for the boot.
//   key slot (grown memory): public key | secret key | sealed seed
import { Errno } from "../../abi";
import * as clock from "../clock";
import { mldsa, mlkem, random } from "../crypto";
import * as line from "../line";
import * as log from "../log";
import { grown } from "../memory";
import * as platformTime from "../platform/time";
import * as keystore from "./store";

export { keystore };

export const enum Algorithm { MlDsa65 = 1, MlKem768 = 2 }
export const enum State { Free = 0, Active = 1, Retiring = 2, Revoked = 3 }

const DSA_LEVEL: i32 = 65;
const KEM_RANK: i32 = 3;                                  // ML-KEM-768
export const MAX_KEYS: i32 = 32;
const MAX_REVOKED: i32 = 256;
const PUBLIC_BYTES: usize = 1952;                          // the larger: ML-DSA-65 (ML-KEM-768's is 1184)
const SECRET_BYTES: usize = 4032;                          // ML-DSA-65's (ML-KEM-768's is 2400)
const SLOT_BYTES: usize = PUBLIC_BYTES + SECRET_BYTES + <usize>keystore.BLOB_BYTES;
const SEED_BYTES: usize = 64;
export const NO_KEY: i32 = -1;
/** Signatures are made in this context (FIPS 204's ctx), so they cannot stand
 *  for another protocol's. */
const CONTEXT = memory.data<u8>([0x41, 0x49, 0x4f, 0x53, 0x20, 0x70, 0x71, 0x63, 0x64, 0x20, 0x76, 0x31]);   // "AIOS pqcd v1"
export const CONTEXT_BYTES: usize = 12;

const states = memory.data(MAX_KEYS);
const algorithms = memory.data(MAX_KEYS);
const ids = memory.data(MAX_KEYS * 4);
const retires = memory.data(MAX_KEYS * 8);                // a Retiring key's end (monotonic)
const retiresUnix = memory.data(MAX_KEYS * 8);            // the same, in unix seconds (kept on disk)
const blobLengths = memory.data(MAX_KEYS * 4);            // its sealed seed's length, 0: not kept
let warnedUnsealed = false;
// The kept-keys file holds what this boot cannot read (seals another TPM or a
// changed firmware made, or damage): it is left as it is, never rewritten over.
let storeFrozen = false;
const revokedIds = memory.data(MAX_REVOKED * 4);
let revokedCount: i32 = 0;
let nextId: u32 = 1;
let slots: usize = 0;                                      // MAX_KEYS × SLOT_BYTES, grown at first use
const seed = memory.data(<i32>SEED_BYTES);

function publicOf(i: i32): usize { return slots + <usize>i * SLOT_BYTES; }
function secretOf(i: i32): usize { return publicOf(i) + PUBLIC_BYTES; }
function blobOf(i: i32): usize { return secretOf(i) + SECRET_BYTES; }
function seedBytes(algorithm: Algorithm): usize { return algorithm == Algorithm.MlDsa65 ? mldsa.KEYGEN_SEED_BYTES : mlkem.KEYGEN_SEED_BYTES; }
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

/** Makes slot `i` key `id` of `algorithm` from the seed in `seed`. */
function generate(i: i32, id: u32, algorithm: Algorithm): bool {
  const made = algorithm == Algorithm.MlDsa65
    ? mldsa.keygen(DSA_LEVEL, seed, publicOf(i), secretOf(i))
    : mlkem.keygen(KEM_RANK, seed, publicOf(i), secretOf(i));
  if (!made) return false;
  store<u8>(states + <usize>i, State.Active);
  store<u8>(algorithms + <usize>i, <u8>algorithm);
  store<u32>(ids + <usize>i * 4, id);
  store<u32>(blobLengths + <usize>i * 4, 0);
  return true;
}

/** A new key of `algorithm`: its id, or 0 (no slot, memory or random bytes).
 *  Kept on disk, sealed, when keystore.enabled(). */
export function create(algorithm: Algorithm): u32 {
  if (algorithm != Algorithm.MlDsa65 && algorithm != Algorithm.MlKem768) return 0;
  if (!slotsReady()) return 0;
  let i = freeSlot();
  if (i == NO_KEY) { sweep(clock.nanoseconds()); i = freeSlot(); }   // retired keys make room
  if (i == NO_KEY) return 0;
  if (random.fill(seed, SEED_BYTES) != Errno.Ok) return 0;
  const made = generate(i, nextId, algorithm);
  if (made && keystore.enabled()) {
    const sealed = keystore.sealSeed(seed, <u32>seedBytes(algorithm), blobOf(i));
    store<u32>(blobLengths + <usize>i * 4, sealed);
    if (sealed == 0 && !warnedUnsealed) { warnedUnsealed = true; log.warn("pqcd: a key could not be sealed; it lives for this boot only"); }
  }
  memory.fill(seed, 0, SEED_BYTES);                        // the seed would rebuild the secret key
  if (!made) return 0;
  nextId++;
  persist();
  return idOf(i);
}

function slotsReady(): bool {
  if (slots == 0) slots = grown.take(<usize>MAX_KEYS * SLOT_BYTES);
  return slots != 0;
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
  store<i64>(retiresUnix + <usize>i * 8, platformTime.unixSeconds() + <i64>((overlapNs + 999_999_999) / 1_000_000_000));
  persist();
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
  memory.fill(blobOf(i), 0, keystore.BLOB_BYTES);
  store<u32>(blobLengths + <usize>i * 4, 0);
  persist();
  return Errno.Ok;
}

/** Frees the slots of retired keys (past their overlap) and erases their secrets;
 *  revoked keys keep their slot (and id) so their refusal stays "Revoked". */
export function sweep(now: u64): void {
  let freed = false;
  for (let i = 0; i < MAX_KEYS; i++) {
    if (stateOf(i) != State.Retiring || now < load<u64>(retires + <usize>i * 8)) continue;
    memory.fill(secretOf(i), 0, SECRET_BYTES);
    memory.fill(blobOf(i), 0, keystore.BLOB_BYTES);
    store<u8>(states + <usize>i, State.Free);
    freed = true;
  }
  if (freed) persist();
}

/** Rewrites the kept keys (those with a sealed seed) and the revocation list. */
function persist(): void {
  if (!keystore.enabled() || storeFrozen) return;
  let records: u32 = 0;
  for (let i = 0; i < MAX_KEYS; i++) if (stateOf(i) != State.Free && load<u32>(blobLengths + <usize>i * 4) != 0) records++;
  if (keystore.area(records, <u32>revokedCount) == 0) return;
  let r: u32 = 0;
  for (let i = 0; i < MAX_KEYS; i++) {
    const length = load<u32>(blobLengths + <usize>i * 4);
    if (stateOf(i) == State.Free || length == 0) continue;
    const at = keystore.recordAt(r++);
    memory.fill(at, 0, <usize>keystore.RECORD_BYTES);
    store<u32>(at, idOf(i));
    store<u8>(at + 4, <u8>algorithmOf(i));
    store<u8>(at + 5, <u8>stateOf(i));
    store<i64>(at + 8, stateOf(i) == State.Retiring ? load<i64>(retiresUnix + <usize>i * 8) : 0);
    store<u32>(at + 16, length);
    memory.copy(at + 24, blobOf(i), <usize>length);
  }
  for (let k = 0; k < revokedCount; k++) store<u32>(keystore.revokedAt(records, <u32>k), load<u32>(revokedIds + <usize>k * 4));
  const written = keystore.write(records, <u32>revokedCount);
  if (written != Errno.Ok) {
    log.begin(log.Level.Warn);
    line.text("pqcd: the kept keys could not be written (");
    line.decimal(<u32>written);
    line.text(")");
    log.end();
  }
}

/** Takes back the keys kept on disk (at boot, after the file system and the
 *  sealing backend): each seed unsealed and its key made again, with its id; the
 *  revocation list too. Keys whose seal this TPM (or this firmware) will not open
 *  stay on disk, unused, and are named in the log. */
export function restore(): void {
  if (!keystore.sealing()) { log.info("pqcd: no sealing backend (no TPM): keys live for one boot"); return; }
  const records = keystore.read();
  if (records < 0) {
    if (records != -(<i32>Errno.NotFound)) {
      storeFrozen = true;
      log.warn("pqcd: the kept keys file is unreadable or damaged; left as it is, and keys live for this boot");
    }
    return;
  }
  if (!slotsReady()) return;
  const revoked = keystore.revokedCount();
  for (let k: u32 = 0; k < revoked && revokedCount < MAX_REVOKED; k++) {
    const id = load<u32>(keystore.revokedAt(<u32>records, k));
    store<u32>(revokedIds + <usize>(revokedCount++) * 4, id);
    if (id >= nextId) nextId = id + 1;
  }
  let restored = 0, refused = 0, retired = 0;
  const nowUnix = platformTime.unixSeconds();
  for (let r: u32 = 0; r < <u32>records; r++) {
    const at = keystore.recordAt(r);
    const id = load<u32>(at);
    const algorithm = <Algorithm>load<u8>(at + 4);
    const state = <State>load<u8>(at + 5);
    const retireUnix = load<i64>(at + 8);
    const length = load<u32>(at + 16);
    if (id >= nextId) nextId = id + 1;
    if (state == State.Retiring && retireUnix <= nowUnix) { retired++; continue; }
    const i = freeSlot();
    if (i == NO_KEY || length > keystore.BLOB_BYTES || (algorithm != Algorithm.MlDsa65 && algorithm != Algorithm.MlKem768)) { refused++; continue; }
    const got = keystore.unsealSeed(at + 24, length, seed, <u32>SEED_BYTES);
    if (got != <i32>seedBytes(algorithm) || !generate(i, id, algorithm)) { refused++; memory.fill(seed, 0, SEED_BYTES); continue; }
    memory.fill(seed, 0, SEED_BYTES);
    memory.copy(blobOf(i), at + 24, <usize>length);
    store<u32>(blobLengths + <usize>i * 4, length);
    if (state == State.Retiring) {
      store<u8>(states + <usize>i, State.Retiring);
      store<i64>(retiresUnix + <usize>i * 8, retireUnix);
      store<u64>(retires + <usize>i * 8, clock.nanoseconds() + <u64>(retireUnix - nowUnix) * 1_000_000_000);
    }
    restored++;
  }
  log.begin(refused == 0 ? log.Level.Info : log.Level.Warn);
  line.text("pqcd: ");
  line.decimal(restored);
  line.text(" kept keys restored, ");
  line.decimal(revokedCount);
  line.text(" revoked");
  if (retired > 0) { line.text(", "); line.decimal(retired); line.text(" retired"); }
  if (refused > 0) {
    line.text(", ");
    line.decimal(refused);
    line.text(" could not be unsealed (another TPM or firmware?) and stay sealed; the file is left as it is and new keys live for this boot");
    storeFrozen = true;
  }
  log.end();
}

/** Whether key `id` is held (any state but free). */
export function exists(id: u32): bool { return slotOf(id) != NO_KEY; }
