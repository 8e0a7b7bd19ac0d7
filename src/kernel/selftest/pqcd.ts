// pqcd.ts — guest scenario pqcd-keys: the key service through an agent's Key
// capabilities. The keyuser agent holds only a keyring capability; it makes an
// ML-DSA-65 key and an ML-KEM-768 key, signs and verifies (a changed message does
// not verify), encapsulates and decapsulates to the same secret; a read-only
// attenuation verifies but cannot sign; a keyring without Control makes nothing;
// forged and wrong-kind handles are refused; a rotated key verifies through its
// overlap and not after, and signs no more; a revoked key is refused for
// everything. The public key and a signature go to the serial line, for the host
// to check with @noble/post-quantum.
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as agents from "../agents";
import * as caps from "../caps";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import * as modules from "../modules";
import * as pqcd from "../pqcd";
import * as scheduler from "../sched/scheduler";
import * as probeAgent from "./probeagent";
import { expectEqual, failure } from "./report";

const IDLE: u32 = 0, CREATE: u32 = 1, PUBLIC: u32 = 2, SIGN: u32 = 3, VERIFY: u32 = 4, ENCAPSULATE: u32 = 5;
const DECAPSULATE: u32 = 6, ROTATE: u32 = 7, REVOKE: u32 = 8, BUFFER: u32 = 9, SECRETS_MATCH: u32 = 10;
const ERROR_BIT: u32 = 0x8000_0000;
const OVERLAP_MS: u32 = 100;
const HEX = "0123456789abcdef";

function expect(what: string, got: u32, wanted: u32): bool { return expectEqual("pqcd-keys", what, got, wanted); }

let keyuser: u32 = 0;
function call(f: u32, a: u32, b: u32): u32 { return modules.call(keyuser, f, a, b); }

/** `length` bytes of the agent's memory at `offset` to the serial line as hex, 128 bytes a line. */
function dump(label: string, instance: u32, offset: u32, length: u32): void {
  const base = modules.memoryBase(instance) + <u64>offset;
  for (let at: u32 = 0; at < length; at += 128) {
    line.reset();
    line.text("AIOS pqcd ");
    line.text(label);
    line.text(" ");
    const n = length - at < 128 ? length - at : 128;
    for (let i: u32 = 0; i < n; i++) {
      const b = <u32>cpu.load8(base + <u64>(at + i));
      line.byte(<u8>HEX.charCodeAt(<i32>(b >> 4)));
      line.byte(<u8>HEX.charCodeAt(<i32>(b & 15)));
    }
    log.publish();
  }
}

export function keys(): bool {
  const module = modules.registry.find("keyuser");
  if (module == cpu.MODULE_NONE) return failure("pqcd-keys", "no keyuser module in the image", 0);
  const agent = agents.lifecycle.spawn(probeAgent.idleSpec(module, IDLE, 64));
  if (agent < 0) return failure("pqcd-keys", "could not spawn keyuser", agent);
  scheduler.sleep(5_000_000);
  const instance = agents.registry.instanceOf(agent);
  keyuser = instance;
  const now = clock.nanoseconds();
  const ring = <u32>caps.createRoot(agent, caps.ObjectKind.Key, 0, caps.Rights.Control | caps.Rights.Read, caps.NO_EXPIRY, now);
  const weakRing = <u32>caps.attenuate(agent, ring, caps.Rights.Read, caps.NO_EXPIRY, now);

  const dsa = call(CREATE, ring, pqcd.Algorithm.MlDsa65);
  let ok = expect("an ML-DSA-65 key from the keyring", dsa & ERROR_BIT, 0);
  ok = expect("its public key", call(PUBLIC, dsa, 0), 1952) && ok;
  const buffer = call(BUFFER, 0, 0);
  dump("public", instance, buffer, 1952);
  ok = expect("a signature", call(SIGN, dsa, 7), 3309) && ok;
  dump("signature", instance, buffer + 2048, 3309);
  ok = expect("it verifies", call(VERIFY, dsa, 7), Errno.Ok) && ok;
  ok = expect("another message does not", call(VERIFY, dsa, 8), Errno.SignatureInvalid) && ok;
  call(SIGN, dsa, 7);
  const readOnly = <u32>caps.attenuate(agent, dsa, caps.Rights.Read, caps.NO_EXPIRY, clock.nanoseconds());
  ok = expect("a read-only handle verifies", call(VERIFY, readOnly, 7), Errno.Ok) && ok;
  ok = expect("a read-only handle cannot sign", call(SIGN, readOnly, 7), ERROR_BIT | Errno.PermissionDenied) && ok;
  ok = expect("a keyring without Control makes nothing", call(CREATE, weakRing, pqcd.Algorithm.MlDsa65), ERROR_BIT | Errno.PermissionDenied) && ok;
  ok = expect("a key is no keyring", call(CREATE, dsa, pqcd.Algorithm.MlDsa65), ERROR_BIT | Errno.InvalidArgument) && ok;
  ok = expect("a forged handle", call(VERIFY, dsa ^ 0x40, 7), Errno.InvalidCapability) && ok;
  ok = expect("an unknown algorithm", call(CREATE, ring, 9), ERROR_BIT | Errno.InvalidArgument) && ok;

  const kem = call(CREATE, ring, pqcd.Algorithm.MlKem768);
  ok = expect("an ML-KEM-768 key", kem & ERROR_BIT, 0) && ok;
  ok = expect("its public key", call(PUBLIC, kem, 0), 1184) && ok;
  ok = expect("encapsulation", call(ENCAPSULATE, kem, 0), 1088) && ok;
  ok = expect("decapsulation", call(DECAPSULATE, kem, 0), Errno.Ok) && ok;
  ok = expect("the same secret both ways", call(SECRETS_MATCH, 0, 0), 1) && ok;
  ok = expect("a KEM key does not sign", call(SIGN, kem, 7), ERROR_BIT | Errno.InvalidArgument) && ok;

  // rotation: the old key verifies through the overlap, signs no more, and expires
  call(SIGN, dsa, 7);
  const successor = call(ROTATE, dsa, OVERLAP_MS);
  ok = expect("rotation gives a successor", successor & ERROR_BIT, 0) && ok;
  ok = expect("the old key within its overlap verifies", call(VERIFY, dsa, 7), Errno.Ok) && ok;
  ok = expect("the old key signs no more", call(SIGN, dsa, 7), ERROR_BIT | Errno.Expired) && ok;
  ok = expect("the successor signs", call(SIGN, successor, 9), 3309) && ok;
  ok = expect("the successor verifies", call(VERIFY, successor, 9), Errno.Ok) && ok;
  scheduler.sleep(<u64>OVERLAP_MS * 2 * 1_000_000);
  ok = expect("the old key after its overlap", call(VERIFY, dsa, 9), Errno.Expired) && ok;

  // revocation: refused for everything, for every holder
  ok = expect("revoke", call(REVOKE, successor, 0), Errno.Ok) && ok;
  ok = expect("a revoked key verifies nothing", call(VERIFY, successor, 9), Errno.Revoked) && ok;
  ok = expect("a revoked key signs nothing", call(SIGN, successor, 9), ERROR_BIT | Errno.Revoked) && ok;
  ok = expect("the revocation list", pqcd.isRevoked(<u32>caps.objectAt(caps.check(agent, successor, caps.ObjectKind.Key, 0, clock.nanoseconds()))) ? 1 : 0, 1) && ok;
  agents.lifecycle.kill(agent);
  line.reset();
  line.text("AIOS pqcd done checks=");
  line.text(ok ? "ok" : "failed");
  line.text(" revoked=");
  line.decimal(pqcd.revocationCount());
  log.publish();
  return ok;
}

const OPEN: u32 = 11;

/** The keyuser agent with a keyring capability (Control): its instance, or the
 *  NO_INSTANCE marker when it could not be spawned. */
function keyAgent(): i32 {
  const module = modules.registry.find("keyuser");
  if (module == cpu.MODULE_NONE) return -1;
  const agent = agents.lifecycle.spawn(probeAgent.idleSpec(module, IDLE, 64));
  if (agent < 0) return -1;
  scheduler.sleep(5_000_000);
  keyuser = agents.registry.instanceOf(agent);
  return agent;
}

/** Scenario pqcd-keep (with a TPM and an AIOS file system): key 1 (ML-DSA-65)
 *  kept, key 2 (ML-KEM-768) revoked; key 1's public key to the serial line. */
export function keep(): bool {
  const agent = keyAgent();
  if (agent < 0) return failure("pqcd-keep", "no keyuser agent", 0);
  const ring = <u32>caps.createRoot(agent, caps.ObjectKind.Key, 0, caps.Rights.Control, caps.NO_EXPIRY, clock.nanoseconds());
  const dsa = call(CREATE, ring, pqcd.Algorithm.MlDsa65);
  const kem = call(CREATE, ring, pqcd.Algorithm.MlKem768);
  let ok = expect("a kept ML-DSA-65 key", dsa & ERROR_BIT, 0);
  ok = expect("a kept ML-KEM-768 key", kem & ERROR_BIT, 0) && ok;
  ok = expect("its public key", call(PUBLIC, dsa, 0), 1952) && ok;
  dump("kept-public", keyuser, call(BUFFER, 0, 0), 1952);
  ok = expect("the KEM key revoked", call(REVOKE, kem, 0), Errno.Ok) && ok;
  agents.lifecycle.kill(agent);
  line.reset();
  line.text("AIOS pqcd keep checks=");
  line.text(ok ? "ok" : "failed");
  log.publish();
  return ok;
}

/** Scenario pqcd-restore (the same disk and TPM again): key 1 is back with the same
 *  public key and signs and verifies; key 2 stays revoked; a new key's id is past
 *  both (ids are never reused). */
export function restoreKeys(): bool {
  const agent = keyAgent();
  if (agent < 0) return failure("pqcd-restore", "no keyuser agent", 0);
  const ring = <u32>caps.createRoot(agent, caps.ObjectKind.Key, 0, caps.Rights.Control, caps.NO_EXPIRY, clock.nanoseconds());
  const dsa = call(OPEN, ring, 1);
  let ok = expect("kept key 1 opens", dsa & ERROR_BIT, 0);
  if (ok) {
    ok = expect("its public key", call(PUBLIC, dsa, 0), 1952) && ok;
    dump("restored-public", keyuser, call(BUFFER, 0, 0), 1952);
    ok = expect("it signs", call(SIGN, dsa, 3), 3309) && ok;
    ok = expect("and verifies", call(VERIFY, dsa, 3), Errno.Ok) && ok;
  }
  ok = expect("revoked key 2 stays revoked", call(OPEN, ring, 2), ERROR_BIT | Errno.Revoked) && ok;
  const fresh = call(CREATE, ring, pqcd.Algorithm.MlDsa65);
  ok = expect("a new key", fresh & ERROR_BIT, 0) && ok;
  const freshId = <u32>caps.objectAt(caps.check(agent, fresh, caps.ObjectKind.Key, 0, clock.nanoseconds()));
  ok = expect("a new key's id is past every kept or revoked one", freshId >= 3 ? 1 : 0, 1) && ok;
  agents.lifecycle.kill(agent);
  line.reset();
  line.text("AIOS pqcd restore checks=");
  line.text(ok ? "ok" : "failed");
  log.publish();
  return ok;
}
