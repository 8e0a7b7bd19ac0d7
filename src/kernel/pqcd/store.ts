// store.ts — pqcd's keys kept on the file system, sealed. A key is kept as its
// generation seed (32 bytes for ML-DSA-65, 64 for ML-KEM-768) sealed by the
// sealing backend (the TPM: seal/, bound to PCR 0, the platform firmware), so the
// file is useless without this machine's TPM. One file, /pqcd.keys, rewritten
// whole and fsync'd on every change (the journal makes the rewrite atomic):
//   header: magic "AIOSPQC1" | records u32 | revoked u32
//   record (RECORD_BYTES): id u32 | algorithm u8 | state u8 | 0 u16 |
//                          retires (unix seconds) i64 | blob length u32 | 0 u32 | sealed blob
//   revoked ids: u32 each
// Without a sealing backend, or without a writable file system, nothing is kept:
// keys then live for the boot, and the log says so once.
import { Errno } from "../../abi";
import * as fs from "../fs";
import { grown } from "../memory";

export type Seal = (data: usize, length: u32, pcrMask: u32, out: usize, capacity: u32) => Errno;
export type Unseal = (blob: usize, blobLength: u32, out: usize, capacity: u32) => i32;
export type SealedLength = () => u32;

export const BLOB_BYTES: u32 = 488;
export const RECORD_BYTES: u32 = 24 + BLOB_BYTES;
const HEADER_BYTES: u32 = 16;
const MAGIC_LOW: u32 = 0x534f4941;                  // "AIOS"
const MAGIC_HIGH: u32 = 0x31435150;                 // "PQC1"
export const SEAL_PCRS: u32 = 1 << 0;               // PCR 0: the platform firmware's code
const FILE = "pqcd.keys";

let sealFunction: u32 = 0;
let unsealFunction: u32 = 0;
let lengthFunction: u32 = 0;
let buffer: usize = 0;
let bufferBytes: u32 = 0;
const path = memory.data(16);

/** The sealing backend's calls (kmain installs them when there is one). */
export function useSealing(sealWith: Seal, unsealWith: Unseal, lengthOf: SealedLength): void {
  sealFunction = <u32>changetype<usize>(sealWith);
  unsealFunction = <u32>changetype<usize>(unsealWith);
  lengthFunction = <u32>changetype<usize>(lengthOf);
}

/** Whether keys can be kept: a sealing backend and a writable file system. */
export function enabled(): bool { return sealFunction != 0 && fs.mounted() && !fs.readOnly(); }
export function sealing(): bool { return sealFunction != 0; }

/** Seals `length` bytes at `seed` into `out` (BLOB_BYTES): the blob's length, or 0. */
export function sealSeed(seed: usize, length: u32, out: usize): u32 {
  if (sealFunction == 0) return 0;
  if (changetype<Seal>(<usize>sealFunction)(seed, length, SEAL_PCRS, out, BLOB_BYTES) != Errno.Ok) return 0;
  return changetype<SealedLength>(<usize>lengthFunction)();
}

/** Unseals a blob into `out` (at most `capacity`): the seed's length, or -Errno. */
export function unsealSeed(blob: usize, length: u32, out: usize, capacity: u32): i32 {
  if (unsealFunction == 0) return -(<i32>Errno.NotSupported);
  return changetype<Unseal>(<usize>unsealFunction)(blob, length, out, capacity);
}

function stagePath(): u32 {
  for (let i = 0; i < FILE.length; i++) store<u8>(path + <usize>i, <u8>FILE.charCodeAt(i));
  return <u32>FILE.length;
}

/** A buffer for the whole file: records × RECORD_BYTES, and the revocations. */
export function area(records: u32, revoked: u32): usize {
  const need = HEADER_BYTES + records * RECORD_BYTES + revoked * 4;
  if (buffer == 0) {
    bufferBytes = 64 << 10;
    buffer = grown.take(<usize>bufferBytes);
  }
  return buffer != 0 && need <= bufferBytes ? buffer : 0;
}
export function recordAt(i: u32): usize { return buffer + <usize>(HEADER_BYTES + i * RECORD_BYTES); }
export function revokedAt(records: u32, i: u32): usize { return buffer + <usize>(HEADER_BYTES + records * RECORD_BYTES + i * 4); }

/** Writes the file from the buffer (filled by the caller: records, revocations). */
export function write(records: u32, revoked: u32): Errno {
  if (!enabled() || buffer == 0) return Errno.NotSupported;
  store<u32>(buffer, MAGIC_LOW);
  store<u32>(buffer + 4, MAGIC_HIGH);
  store<u32>(buffer + 8, records);
  store<u32>(buffer + 12, revoked);
  const length = HEADER_BYTES + records * RECORD_BYTES + revoked * 4;
  fs.lock.enter();
  const n = stagePath();
  let ino = fs.files.lookup(fs.ROOT, path, n);
  if (ino < 0) ino = fs.files.create(fs.ROOT, path, n, fs.inode.Kind.File, 0);
  let result = ino < 0 ? <Errno>(<i32>(-ino)) : fs.files.truncate(<u32>ino, 0);
  if (result == Errno.Ok) {
    const written = fs.files.write(<u32>ino, 0, buffer, length);
    result = written < 0 ? <Errno>(<i32>(-written)) : written != <i64>length ? Errno.ResourceExhausted : fs.files.sync();
  }
  fs.lock.leave();
  return result;
}

/** Reads the file into the buffer: the number of records (the revocations after
 *  them: revokedCount()), or -Errno (NotFound without one, Malformed when damaged). */
let readRevoked: u32 = 0;
export function revokedCount(): u32 { return readRevoked; }
export function read(): i32 {
  readRevoked = 0;
  if (!fs.mounted() || area(0, 0) == 0) return -(<i32>Errno.NotReady);
  fs.lock.enter();
  const n = stagePath();
  const ino = fs.files.lookup(fs.ROOT, path, n);
  let got: i64 = ino < 0 ? ino : fs.files.read(<u32>ino, 0, buffer, bufferBytes);
  fs.lock.leave();
  if (got < 0) return <i32>got;
  if (got < <i64>HEADER_BYTES || load<u32>(buffer) != MAGIC_LOW || load<u32>(buffer + 4) != MAGIC_HIGH) return -(<i32>Errno.Malformed);
  const records = load<u32>(buffer + 8);
  const revoked = load<u32>(buffer + 12);
  if (records > 1024 || revoked > 4096 || <i64>(HEADER_BYTES + records * RECORD_BYTES + revoked * 4) > got) return -(<i32>Errno.Malformed);
  readRevoked = revoked;
  return <i32>records;
}
