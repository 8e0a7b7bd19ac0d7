// pqcd.ts — the key calls of the agent ABI, over the kernel's key service
// (src/kernel/pqcd). Every key is reached through a Key capability whose object
// is the key's id; the keyring (object 0) with Control makes keys. Rights: Read —
// the public key, verify, encapsulate to it; Execute — sign, decapsulate;
// Control — rotate; Revoke — revoke. A key made by key_create comes to its maker
// with all of them (and Grant), to attenuate and pass on. Buffers are checked
// against the caller's memory and copied through a kernel staging area.
import { Errno } from "../../abi";
import * as agents from "../agents";
import * as caps from "../caps";
import * as clock from "../clock";
import { grown } from "../memory";
import * as pqcd from "../pqcd";
import { checked, fromCaller, inCallerMemory, toCaller } from "./index";

const MAX_MESSAGE: u32 = 65536;
const STAGE_BYTES: usize = 65536 + 8192;                 // a message and a signature
const KEY_RIGHTS: u32 = caps.Rights.Read | caps.Rights.Execute | caps.Rights.Control | caps.Rights.Revoke | caps.Rights.Grant;
const NS_PER_MS: u64 = 1_000_000;
const MAX_OVERLAP_MS: u32 = 7 * 24 * 3600 * 1000;
let stage: usize = 0;

function staging(): usize {
  if (stage == 0) stage = grown.take(STAGE_BYTES);
  return stage;
}

/** The key id capability `handle` names for `rights` (0 for the keyring), or -Errno. */
function keyOf(slot: u32, handle: u32, rights: u32): i64 {
  const index = checked(slot, handle, caps.ObjectKind.Key, rights);
  if (index < 0) return <i64>index;
  return <i64>caps.objectAt(index);
}


/** key_create(keyring, algorithm 1 ML-DSA-65 | 2 ML-KEM-768): the new key's handle, or -Errno. */
export function create(slot: u32, ring: u32, algorithm: u32): i32 {
  const id = keyOf(slot, ring, caps.Rights.Control);
  if (id < 0) return <i32>id;
  if (id != 0) return -(<i32>Errno.InvalidArgument);       // a key is no keyring
  if (algorithm != pqcd.Algorithm.MlDsa65 && algorithm != pqcd.Algorithm.MlKem768) return -(<i32>Errno.InvalidArgument);
  const made = pqcd.create(<pqcd.Algorithm>algorithm);
  if (made == 0) return -(<i32>Errno.ResourceExhausted);
  return caps.createRoot(agents.registry.agentOfInstance(slot), caps.ObjectKind.Key, <u64>made, KEY_RIGHTS, caps.NO_EXPIRY, clock.nanoseconds());
}

/** key_open(keyring, id): a handle for key `id` kept from an earlier boot (or
 *  made by another agent), or -Errno (NotFound); needs Control on the keyring. */
export function open(slot: u32, ring: u32, id: u32): i32 {
  const ringId = keyOf(slot, ring, caps.Rights.Control);
  if (ringId < 0) return <i32>ringId;
  if (ringId != 0) return -(<i32>Errno.InvalidArgument);
  if (pqcd.isRevoked(id)) return -(<i32>Errno.Revoked);
  if (!pqcd.exists(id)) return -(<i32>Errno.NotFound);
  return caps.createRoot(agents.registry.agentOfInstance(slot), caps.ObjectKind.Key, <u64>id, KEY_RIGHTS, caps.NO_EXPIRY, clock.nanoseconds());
}

/** key_public(key, pointer, capacity): the public key's length, or -Errno; needs Read. */
export function publicKey(slot: u32, handle: u32, pointer: u32, capacity: u32): i32 {
  const id = keyOf(slot, handle, caps.Rights.Read);
  if (id < 0) return <i32>id;
  if (!inCallerMemory(slot, pointer, capacity) || staging() == 0) return -(<i32>Errno.InvalidArgument);
  const n = pqcd.publicKey(<u32>id, stage, STAGE_BYTES);
  if (n < 0) return n;
  if (<u32>n > capacity) return -(<i32>Errno.InvalidArgument);
  toCaller(slot, stage, pointer, <u32>n);
  return n;
}

/** key_sign(key, message, length, signature out): the signature's length, or -Errno; needs Execute. */
export function sign(slot: u32, handle: u32, message: u32, length: u32, signature: u32): i32 {
  const id = keyOf(slot, handle, caps.Rights.Execute);
  if (id < 0) return <i32>id;
  const bytes = <u32>pqcd.signatureBytes();
  if (length > MAX_MESSAGE || !inCallerMemory(slot, message, length) || !inCallerMemory(slot, signature, bytes) || staging() == 0) return -(<i32>Errno.InvalidArgument);
  fromCaller(slot, message, stage, length);
  const result = pqcd.sign(<u32>id, stage, length, stage + <usize>MAX_MESSAGE);
  if (result != Errno.Ok) return -(<i32>result);
  toCaller(slot, stage + <usize>MAX_MESSAGE, signature, bytes);
  return <i32>bytes;
}

/** key_verify(key, message, length, signature): 0, or SignatureInvalid or another Errno; needs Read. */
export function verify(slot: u32, handle: u32, message: u32, length: u32, signature: u32): i32 {
  const id = keyOf(slot, handle, caps.Rights.Read);
  if (id < 0) return <i32>(-id);
  const bytes = <u32>pqcd.signatureBytes();
  if (length > MAX_MESSAGE || !inCallerMemory(slot, message, length) || !inCallerMemory(slot, signature, bytes) || staging() == 0) return <i32>Errno.InvalidArgument;
  fromCaller(slot, message, stage, length);
  fromCaller(slot, signature, stage + <usize>MAX_MESSAGE, bytes);
  return <i32>pqcd.verify(<u32>id, stage, length, stage + <usize>MAX_MESSAGE);
}

/** key_encapsulate(key, ciphertext out, secret out): the ciphertext's length, or -Errno; needs Read. */
export function encapsulate(slot: u32, handle: u32, ciphertext: u32, secret: u32): i32 {
  const id = keyOf(slot, handle, caps.Rights.Read);
  if (id < 0) return <i32>id;
  const bytes = <u32>pqcd.ciphertextBytes();
  if (!inCallerMemory(slot, ciphertext, bytes) || !inCallerMemory(slot, secret, 32) || staging() == 0) return -(<i32>Errno.InvalidArgument);
  const result = pqcd.encapsulate(<u32>id, stage, stage + <usize>MAX_MESSAGE);
  if (result != Errno.Ok) return -(<i32>result);
  toCaller(slot, stage, ciphertext, bytes);
  toCaller(slot, stage + <usize>MAX_MESSAGE, secret, 32);
  return <i32>bytes;
}

/** key_decapsulate(key, ciphertext, secret out): 0 or an Errno; needs Execute. */
export function decapsulate(slot: u32, handle: u32, ciphertext: u32, secret: u32): i32 {
  const id = keyOf(slot, handle, caps.Rights.Execute);
  if (id < 0) return <i32>(-id);
  const bytes = <u32>pqcd.ciphertextBytes();
  if (!inCallerMemory(slot, ciphertext, bytes) || !inCallerMemory(slot, secret, 32) || staging() == 0) return <i32>Errno.InvalidArgument;
  fromCaller(slot, ciphertext, stage, bytes);
  const result = pqcd.decapsulate(<u32>id, stage, stage + <usize>MAX_MESSAGE);
  if (result == Errno.Ok) toCaller(slot, stage + <usize>MAX_MESSAGE, secret, 32);
  return <i32>result;
}

/** key_rotate(key, overlap ms): the new key's handle (the old one retires after
 *  the overlap), or -Errno; needs Control. */
export function rotate(slot: u32, handle: u32, overlapMs: u32): i32 {
  const id = keyOf(slot, handle, caps.Rights.Control);
  if (id < 0) return <i32>id;
  if (id == 0 || overlapMs > MAX_OVERLAP_MS) return -(<i32>Errno.InvalidArgument);
  const successor = pqcd.rotate(<u32>id, <u64>overlapMs * NS_PER_MS);
  if (successor == 0) return -(<i32>Errno.ResourceExhausted);
  return caps.createRoot(agents.registry.agentOfInstance(slot), caps.ObjectKind.Key, <u64>successor, KEY_RIGHTS, caps.NO_EXPIRY, clock.nanoseconds());
}

/** key_revoke(key): 0 or an Errno; needs Revoke. The key is refused from then on, for every holder. */
export function revoke(slot: u32, handle: u32): i32 {
  const id = keyOf(slot, handle, caps.Rights.Revoke);
  if (id < 0) return <i32>(-id);
  if (id == 0) return <i32>Errno.InvalidArgument;
  return <i32>pqcd.revoke(<u32>id);
}
