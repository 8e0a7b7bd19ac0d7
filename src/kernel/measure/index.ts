// measure — signed modules and the measurement log (issue 9).
//
// Every service module linked into the image has a signed record in the ELF
// section .modsig (written by the build: tools/signing.ts): its name, version,
// the SHA-256 of its wasm, and the address range and SHA-256 of its own machine
// code (.text) and read-only data (.rodata) as linked, signed with ML-DSA-65 by
// the build's key, whose public key heads the section. Before a module is first
// instantiated (modules.instantiate) moduleAllowed() checks its record: the
// signature, the name and version against the module table's, the ranges inside
// the image, and the SHA-256 of the bytes in those ranges now; the verdict is
// kept, so the check runs once per module. A module that fails is refused with
// a log line ("module X: signature invalid; refused") and an audit record
// (ModuleRejected); the rest run.
//
// The last record in .modsig is the kernel's own (its whole text, module code
// and generated glue included, and its read-only data up to .modsig): checked
// when the log starts; the kernel cannot refuse itself, so a mismatch is a warn
// line and a log entry for a verifier.
//
// The measurement log: SHA-256 of each component in the order it was measured —
// the kernel's text, its read-only data, the module signature table (with the
// build's public key), the kernel's record, then each module's record as it is
// checked (refused ones too, marked). With a TPM each entry is also extended into PCR 10; either way the log is signed by the kernel
// itself with a boot identity key: an ML-DSA-65 key pair made from the kernel's
// DRBG (crypto.random) the first time a signature is asked for, kept for the
// life of the boot. sign() / signature*() / bootPublicKey*() / verifySigned()
// are what an API layer (or a remote verifier given the public key) needs.
//
// Not re-entrant: callers hold the kernel lock (as modules.instantiate's callers
// do); ML-DSA's scratch is shared (crypto/README.md).
import { cpu } from "../../hal";
import { Errno } from "../../abi";
import * as audit from "../audit";
import * as clock from "../clock";
import { mldsa, random, sha256 } from "../crypto";
import * as grown from "../memory/grown";
import * as tpm from "../devices/tpm";
import * as line from "../line";
import * as log from "../log";
import { linearToVirtual } from "../physical";

// ---- the .modsig layout (tools/signing.ts)
const TABLE_MAGIC: u64 = 0x31474953534f4941;      // "AIOSSIG1"
const RECORD_MAGIC: u64 = 0x31444f4d534f4941;     // "AIOSMOD1"
const KERNEL_NAME: u64 = 0x6c656e72656b;          // "kernel", NUL-padded to 8 bytes
export const RECORD_BYTES: usize = 176;
const LEVEL: i32 = 65;                             // ML-DSA-65
export const PUBLIC_KEY_BYTES: usize = 1952;
export const SECRET_KEY_BYTES: usize = 4032;
export const SIGNATURE_BYTES: usize = 3309;
const HEADER_BYTES: u64 = 24 + 1952;
const ENTRY_BYTES: u64 = (176 + 3309 + 15) & ~15;
const NAME_AT: usize = 8, NAME_BYTES: usize = 32, VERSION_AT: usize = 40;
const TEXT_AT: usize = 80, RODATA_AT: usize = 96, TEXT_SHA_AT: usize = 112, RODATA_SHA_AT: usize = 144;

// "AIOS module v1", the signing context of module records
const MODULE_CONTEXT = memory.data<u8>([0x41, 0x49, 0x4f, 0x53, 0x20, 0x6d, 0x6f, 0x64, 0x75, 0x6c, 0x65, 0x20, 0x76, 0x31]);
const MODULE_CONTEXT_BYTES: usize = 14;
// "AIOS measurement log v1", the signing context of the measurement log
const LOG_CONTEXT = memory.data<u8>([0x41, 0x49, 0x4f, 0x53, 0x20, 0x6d, 0x65, 0x61, 0x73, 0x75, 0x72, 0x65, 0x6d, 0x65,
  0x6e, 0x74, 0x20, 0x6c, 0x6f, 0x67, 0x20, 0x76, 0x31]);
const LOG_CONTEXT_BYTES: usize = 23;

/** What a log entry measured. */
export const enum Kind { KernelText = 1, KernelRodata = 2, ModuleTable = 3, Module = 4, ModuleRefused = 5, KernelRecord = 6 }
/** Why a module was refused (the audit record's object). */
export const enum Refusal { None = 0, NoRecord = 1, Malformed = 2, Signature = 3, Range = 4, Text = 5, Rodata = 6 }

// A log entry: kind u32 | module index u32 | SHA-256 | name, NUL-padded.
export const ENTRY_SIZE: usize = 64;
const ENTRY_DIGEST_AT: usize = 8, ENTRY_NAME_AT: usize = 40, ENTRY_NAME_BYTES: usize = 24;
export const MAX_ENTRIES: u32 = 64;
const MAX_MODULES: u32 = 64;

// Working memory, grown at first use (the boot window has no room for it).
const AREA_BYTES: usize = 64 << 10;
const PK_AT: usize = 0, RECORD_OFF: usize = 2048, SIGNATURE_OFF: usize = 2304, CHUNK_OFF: usize = 6144;
const CHUNK_BYTES: usize = 4096, DIGEST_OFF: usize = 10240, NAME_OFF: usize = 10304, CONTEXT_OFF: usize = 10368;
const BOOT_PK_OFF: usize = 10752, BOOT_SK_OFF: usize = 12800, LOG_SIGNATURE_OFF: usize = 16896;
const SEED_OFF: usize = 20224, LOG_OFF: usize = 20480;
// attestation: the log and the verifier's nonce, signed together (after the log's 4 KiB)
const ATTEST_MESSAGE_OFF: usize = 24576, ATTEST_SIGNATURE_OFF: usize = 28928;
/** The PCR the log is extended into when there is a TPM (8-15 are the OS's;
 *  10 is where Linux's IMA keeps its measurement list). */
export const MEASURE_PCR: u32 = 10;
export const MAX_NONCE_BYTES: usize = 64;
const ATTEST_CONTEXT = memory.data<u8>([0x41, 0x49, 0x4f, 0x53, 0x20, 0x61, 0x74, 0x74, 0x65, 0x73, 0x74, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x20, 0x76, 0x31]);
const ATTEST_CONTEXT_BYTES: usize = 19;      // "AIOS attestation v1"
let tpmExtends: u32 = 0;
let tpmFailures: u32 = 0;

let area: usize = 0;
let kernelVerified = false;
let entries: u32 = 0;
let haveBootKey = false;
let signedEntries: u32 = 0;              // entries the current signature covers (0: none)
let lastVerifyNanoseconds: u64 = 0;
// per module: 0 unchecked, 1 allowed, 2 refused
const verdicts = memory.data(<i32>MAX_MODULES);

/** The working area, and the kernel's own measurements first. False when memory is exhausted. */
function ready(): bool {
  if (area != 0) return true;
  area = grown.take(AREA_BYTES);
  if (area == 0) return false;
  const started = clock.nanoseconds();
  const textStart = cpu.layoutAddress(cpu.Layout.TextStart);
  const rodataStart = cpu.layoutAddress(cpu.Layout.RodataStart);
  const table = cpu.layoutAddress(cpu.Layout.ModuleSignatures);
  hashImage(textStart, cpu.layoutAddress(cpu.Layout.TextEnd), area + DIGEST_OFF);
  append(Kind.KernelText, 0, area + DIGEST_OFF, "kernel.text");
  hashImage(rodataStart, table, area + DIGEST_OFF);
  append(Kind.KernelRodata, 0, area + DIGEST_OFF, "kernel.rodata");
  hashImage(table, cpu.layoutAddress(cpu.Layout.ModuleSignaturesEnd), area + DIGEST_OFF);
  append(Kind.ModuleTable, 0, area + DIGEST_OFF, "module signatures");
  const kernelRefusal = checkKernel(textStart, rodataStart, table);
  sha256.digest(area + RECORD_OFF, RECORD_BYTES, area + DIGEST_OFF);
  append(Kind.KernelRecord, 0, area + DIGEST_OFF, "kernel record");
  kernelVerified = kernelRefusal == Refusal.None;
  log.begin(kernelVerified ? log.Level.Info : log.Level.Warn);
  line.text(kernelVerified ? "kernel: signed record verified (ML-DSA-65, text and read-only data SHA-256)"
    : kernelRefusal == Refusal.Signature ? "kernel: signature of its record invalid"
    : kernelRefusal == Refusal.Text ? "kernel: text differs from its signed record"
    : kernelRefusal == Refusal.Rodata ? "kernel: read-only data differs from its signed record"
    : "kernel: no valid signed record in the image");
  log.end();
  log.begin(log.Level.Info);
  line.text("measure: kernel text ");
  line.decimal((cpu.layoutAddress(cpu.Layout.TextEnd) - textStart) >> 10);
  line.text(" KiB, read-only data ");
  line.decimal((table - rodataStart) >> 10);
  line.text(" KiB and module signatures measured (SHA-256), the kernel's record checked, in ");
  line.decimal((clock.nanoseconds() - started) / 1000);
  line.text(" us");
  log.end();
  return true;
}

/** The kernel's own record (the last in .modsig): its signature, its name, its
 *  ranges the whole of .text and .rodata up to .modsig, and their hashes those
 *  just measured (log entries 0 and 1). The kernel cannot refuse itself: a
 *  failure is logged and left in the log for a verifier. */
function checkKernel(textStart: u64, rodataStart: u64, table: u64): Refusal {
  const record = area + RECORD_OFF;
  zeroBytes(record, RECORD_BYTES);
  const count = tableCount();
  if (count == 0) return Refusal.NoRecord;
  if (loadEntry(count - 1) != Refusal.None) return Refusal.Signature;
  if (load<u64>(record) != RECORD_MAGIC || load<u64>(record + NAME_AT) != KERNEL_NAME || load<u64>(record + NAME_AT + 8) != 0) return Refusal.Malformed;
  if (load<u64>(record + TEXT_AT) != textStart || load<u64>(record + TEXT_AT + 8) != cpu.layoutAddress(cpu.Layout.TextEnd)
    || load<u64>(record + RODATA_AT) != rodataStart || load<u64>(record + RODATA_AT + 8) != table) return Refusal.Range;
  if (!sha256.equal(area + LOG_OFF + ENTRY_DIGEST_AT, record + TEXT_SHA_AT)) return Refusal.Text;
  if (!sha256.equal(area + LOG_OFF + ENTRY_SIZE + ENTRY_DIGEST_AT, record + RODATA_SHA_AT)) return Refusal.Rodata;
  return Refusal.None;
}

/** Whether the kernel's text and read-only data matched its signed record (false before first use). */
export function kernelImageVerified(): bool { return kernelVerified; }

/** SHA-256 of the image bytes [start, end) (kernel virtual addresses), copied through a chunk. */
function hashImage(start: u64, end: u64, output: usize): void {
  const context = area + CONTEXT_OFF;
  sha256.init(context);
  for (let at = start; at < end; at += <u64>CHUNK_BYTES) {
    const n = <usize>min<u64>(<u64>CHUNK_BYTES, end - at);
    cpu.copy(linearToVirtual(area + CHUNK_OFF), at, <u64>n);
    sha256.update(context, area + CHUNK_OFF, n);
  }
  sha256.final(context, output);
}

/** Extends the measurement into the TPM's PCR too, when there is one: then the
 *  PCR is the log's replay, and a quote vouches for the log. */
function extendTpm(digest: usize): void {
  if (!tpm.available()) return;
  if (tpm.extend(MEASURE_PCR, digest) == Errno.Ok) tpmExtends++; else tpmFailures++;
}
/** Log entries extended into the TPM, and extends that failed (the quote then
 *  cannot match the log). */
export function tpmExtendCount(): u32 { return tpmExtends; }
export function tpmFailureCount(): u32 { return tpmFailures; }

const kernelName = memory.data(<i32>ENTRY_NAME_BYTES);

/** A kernel entry, named by a literal. */
function append(kind: Kind, module: u32, digest: usize, name: string): void {
  const n = min<i32>(name.length, <i32>ENTRY_NAME_BYTES - 1);
  for (let i = 0; i < n; i++) store<u8>(kernelName + <usize>i, <u8>name.charCodeAt(i));
  appendModule(kind, module, digest, kernelName, <usize>n);
}

/** An entry named by `nameLength` bytes at `name` (extended into the TPM too). */
function appendModule(kind: Kind, module: u32, digest: usize, name: usize, nameLength: usize): void {
  if (entries >= MAX_ENTRIES) return;
  extendTpm(digest);
  const e = area + LOG_OFF + <usize>entries * ENTRY_SIZE;
  store<u32>(e, <u32>kind);
  store<u32>(e + 4, module);
  memory.copy(e + ENTRY_DIGEST_AT, digest, 32);
  memory.copy(e + ENTRY_NAME_AT, name, min<usize>(nameLength, ENTRY_NAME_BYTES - 1));
  entries++;
}

// ---- module records

/** ML-DSA-65 verification of a module record (RECORD_BYTES at `record`) under
 *  `publicKey`, with the module-record context: what the build's signature must pass. */
export function verifyRecord(publicKey: usize, record: usize, signature: usize): bool {
  return mldsa.verify(LEVEL, publicKey, record, RECORD_BYTES, MODULE_CONTEXT, MODULE_CONTEXT_BYTES, signature);
}

/** Checks a record's fields against the image: the magic, the name and version of
 *  module `module`, and the ranges inside the kernel's text / read-only data. */
function recordFits(module: u32, record: usize, name: usize, nameLength: usize): bool {
  if (load<u64>(record) != RECORD_MAGIC) return false;
  for (let i: usize = 0; i < NAME_BYTES; i++) {
    const expected: u8 = i < nameLength ? load<u8>(name + i) : 0;
    if (load<u8>(record + NAME_AT + i) != expected) return false;
  }
  return load<u32>(record + VERSION_AT) == cpu.moduleVersion(module);
}

function inside(record: usize, at: usize, low: u64, high: u64): bool {
  const start = load<u64>(record + at), end = load<u64>(record + at + 8);
  return start >= low && start <= end && end <= high;
}

/** Whether module `module` may be instantiated: its signed record is checked
 *  the first time (see the top of this file), the verdict kept after. */
export function moduleAllowed(module: u32): bool {
  if (module >= MAX_MODULES) return false;
  const verdict = load<u8>(verdicts + <usize>module);
  if (verdict != 0) return verdict == 1;
  if (!ready()) return false;                      // out of memory: refuse, check again next time
  const started = clock.nanoseconds();
  const name = area + NAME_OFF;
  const nameLength = <usize>cpu.moduleName(module, linearToVirtual(name), <u32>NAME_BYTES - 1);
  const refusal = check(module, name, nameLength);
  lastVerifyNanoseconds = clock.nanoseconds() - started;
  const record = area + RECORD_OFF;
  sha256.digest(record, RECORD_BYTES, area + DIGEST_OFF);
  appendModule(refusal == Refusal.None ? Kind.Module : Kind.ModuleRefused, module, area + DIGEST_OFF, name, nameLength);
  store<u8>(verdicts + <usize>module, refusal == Refusal.None ? 1 : 2);
  signedEntries = 0;                               // the log grew: a fresh signature is needed
  if (refusal == Refusal.None) {
    log.begin(log.Level.Info);
    line.text("module ");
    line.bytes(name, <i32>nameLength);
    line.text(": signed record verified (ML-DSA-65, code and data SHA-256) in ");
    line.decimal(lastVerifyNanoseconds / 1000);
    line.text(" us");
    log.end();
    return true;
  }
  log.begin(log.Level.Warn);
  line.text("module ");
  line.bytes(name, <i32>nameLength);
  line.text(refusal == Refusal.Signature ? ": signature invalid; refused"
    : refusal == Refusal.Text ? ": code differs from its signed record; refused"
    : refusal == Refusal.Rodata ? ": read-only data differs from its signed record; refused"
    : refusal == Refusal.NoRecord ? ": no signed record in the image; refused"
    : ": signed record malformed or out of range; refused");
  log.end();
  audit.append(audit.EventKind.ModuleRejected, <u64>module, <u64>refusal, Errno.PermissionDenied, name, <u32>nameLength);
  return false;
}

/** Entries in .modsig (the modules' and, last, the kernel's), 0 when it is missing or malformed. */
function tableCount(): u32 {
  const table = cpu.layoutAddress(cpu.Layout.ModuleSignatures);
  const tableEnd = cpu.layoutAddress(cpu.Layout.ModuleSignaturesEnd);
  if (tableEnd - table < HEADER_BYTES || cpu.load64(table) != TABLE_MAGIC) return 0;
  if (cpu.load32(table + 12) != <u32>RECORD_BYTES || cpu.load32(table + 16) != <u32>SIGNATURE_BYTES) return 0;
  const count = cpu.load32(table + 8);
  return HEADER_BYTES + <u64>count * ENTRY_BYTES > tableEnd - table ? 0 : count;
}

/** Copies entry `index` of .modsig (and the public key) out of the image and
 *  verifies its signature: None or Signature. */
function loadEntry(index: u32): Refusal {
  const table = cpu.layoutAddress(cpu.Layout.ModuleSignatures);
  const entry = table + HEADER_BYTES + <u64>index * ENTRY_BYTES;
  cpu.copy(linearToVirtual(area + PK_AT), table + 24, <u64>PUBLIC_KEY_BYTES);
  cpu.copy(linearToVirtual(area + RECORD_OFF), entry, <u64>RECORD_BYTES);
  cpu.copy(linearToVirtual(area + SIGNATURE_OFF), entry + <u64>RECORD_BYTES, <u64>SIGNATURE_BYTES);
  return verifyRecord(area + PK_AT, area + RECORD_OFF, area + SIGNATURE_OFF) ? Refusal.None : Refusal.Signature;
}

function check(module: u32, name: usize, nameLength: usize): Refusal {
  const table = cpu.layoutAddress(cpu.Layout.ModuleSignatures);
  const record = area + RECORD_OFF;
  zeroBytes(record, RECORD_BYTES);
  const count = tableCount();
  if (count == 0 || module >= count - 1) return Refusal.NoRecord;      // the last entry is the kernel's
  if (loadEntry(module) != Refusal.None) return Refusal.Signature;
  if (!recordFits(module, record, name, nameLength)) return Refusal.Malformed;
  if (!inside(record, TEXT_AT, cpu.layoutAddress(cpu.Layout.TextStart), cpu.layoutAddress(cpu.Layout.TextEnd))) return Refusal.Range;
  if (!inside(record, RODATA_AT, cpu.layoutAddress(cpu.Layout.RodataStart), table)) return Refusal.Range;
  hashImage(load<u64>(record + TEXT_AT), load<u64>(record + TEXT_AT + 8), area + DIGEST_OFF);
  if (!sha256.equal(area + DIGEST_OFF, record + TEXT_SHA_AT)) return Refusal.Text;
  hashImage(load<u64>(record + RODATA_AT), load<u64>(record + RODATA_AT + 8), area + DIGEST_OFF);
  if (!sha256.equal(area + DIGEST_OFF, record + RODATA_SHA_AT)) return Refusal.Rodata;
  return Refusal.None;
}

function zeroBytes(at: usize, n: usize): void { memory.fill(at, 0, n); }

/** How long the last module check took (signature and hashes), in nanoseconds. */
export function lastVerifyTime(): u64 { return lastVerifyNanoseconds; }

// ---- the log and its signature

/** Entries in the log (the kernel's own four are made on first use). */
export function count(): u32 { ready(); return entries; }
/** The log's entries, ENTRY_SIZE bytes each, in kernel linear memory (0 when out of memory). */
export function logAddress(): usize { return ready() ? area + LOG_OFF : 0; }
export function logBytes(): usize { return <usize>count() * ENTRY_SIZE; }

/** Signs the log as it is now with the boot identity key (made on the first
 *  call from crypto.random). Ok, NotReady when the DRBG cannot give bytes,
 *  ResourceExhausted when memory is. */
export function sign(): Errno {
  if (!ready()) return Errno.ResourceExhausted;
  if (!haveBootKey) {
    if (random.fill(area + SEED_OFF, 32) != Errno.Ok) return Errno.NotReady;
    if (!mldsa.keygen(LEVEL, area + SEED_OFF, area + BOOT_PK_OFF, area + BOOT_SK_OFF)) return Errno.NotReady;
    memory.fill(area + SEED_OFF, 0, 32);
    haveBootKey = true;
  }
  if (signedEntries == entries) return Errno.Ok;
  if (random.fill(area + SEED_OFF, 32) != Errno.Ok) return Errno.NotReady;
  const covered = entries;
  if (!mldsa.sign(LEVEL, area + BOOT_SK_OFF, area + LOG_OFF, <usize>covered * ENTRY_SIZE, LOG_CONTEXT, LOG_CONTEXT_BYTES,
    area + SEED_OFF, area + LOG_SIGNATURE_OFF)) return Errno.NotReady;
  signedEntries = covered;
  return Errno.Ok;
}

/** The entries the current signature covers (the first n); 0 when unsigned. */
export function signedCount(): u32 { return signedEntries; }
/** The log's signature (SIGNATURE_BYTES, ML-DSA-65 with context "AIOS measurement
 *  log v1" over the first signedCount() entries), 0 when unsigned. */
export function signatureAddress(): usize { return signedEntries > 0 ? area + LOG_SIGNATURE_OFF : 0; }
/** The boot identity public key (PUBLIC_KEY_BYTES), 0 before the first sign(). */
export function bootPublicKeyAddress(): usize { return haveBootKey ? area + BOOT_PK_OFF : 0; }
/** Checks the log's signature against the boot public key (what a verifier does). */
export function verifySigned(): bool {
  if (signedEntries == 0 || !haveBootKey) return false;
  return mldsa.verify(LEVEL, area + BOOT_PK_OFF, area + LOG_OFF, <usize>signedEntries * ENTRY_SIZE, LOG_CONTEXT, LOG_CONTEXT_BYTES,
    area + LOG_SIGNATURE_OFF);
}
/** An attestation for a verifier's `nonceLength`-byte `nonce`: the boot identity
 *  key's ML-DSA-65 signature (context "AIOS attestation v1") over the whole log
 *  as it is now followed by the nonce, so it is fresh and covers every entry. Ok,
 *  InvalidArgument for a nonce over 64 bytes, NotReady or ResourceExhausted as
 *  sign(). The signature is at attestationSignatureAddress(); the entries it
 *  covers are the first attestedCount(). */
let attested: u32 = 0;
export function attest(nonce: usize, nonceLength: usize): Errno {
  if (nonceLength > MAX_NONCE_BYTES) return Errno.InvalidArgument;
  const signed = sign();                                         // the boot key, made on first use
  if (signed != Errno.Ok) return signed;
  const logLength = <usize>entries * ENTRY_SIZE;
  memory.copy(area + ATTEST_MESSAGE_OFF, area + LOG_OFF, logLength);
  memory.copy(area + ATTEST_MESSAGE_OFF + logLength, nonce, nonceLength);
  if (random.fill(area + SEED_OFF, 32) != Errno.Ok) return Errno.NotReady;
  if (!mldsa.sign(LEVEL, area + BOOT_SK_OFF, area + ATTEST_MESSAGE_OFF, logLength + nonceLength, ATTEST_CONTEXT, ATTEST_CONTEXT_BYTES,
    area + SEED_OFF, area + ATTEST_SIGNATURE_OFF)) return Errno.NotReady;
  attested = entries;
  return Errno.Ok;
}
export function attestationSignatureAddress(): usize { return attested > 0 ? area + ATTEST_SIGNATURE_OFF : 0; }
export function attestedCount(): u32 { return attested; }

/** The build's public key that module records are verified with (copied from the image), 0 before the first check. */
export function modulePublicKeyAddress(): usize { return area != 0 ? area + PK_AT : 0; }
