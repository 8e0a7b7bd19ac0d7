// random.ts — the kernel's random bytes: one HMAC-SHA-512 DRBG (drbg.ts)
// seeded from the hardware sources there are, RDSEED and RDRAND when CPUID
// offers them and the virtio entropy device when QEMU gives one, all XORed
// together (a source that is weak or absent cannot make the mix weaker than the
// best one). With RDRAND, every request also takes 16 fresh bytes from it as
// the DRBG's additional input; the DRBG reseeds every drbg.RESEED_INTERVAL
// requests. One spin lock, taken with interrupts off, guards the state: any CPU
// and thread may call fill(); interrupt handlers may not (reseeding can wait on
// virtio-rng, which is polled).
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as devices from "../devices";
import * as line from "../line";
import * as log from "../log";
import * as locks from "../sync/locks";
import * as drbg from "./drbg";

/** Entropy sources, as a bit set. */
export const enum Source { None = 0, Rdseed = 1, Rdrand = 2, VirtioRng = 4, All = 7 }

const LEAF_MAX_STANDARD: u32 = 0;
const LEAF_FEATURES: u32 = 1;
const LEAF_EXTENDED_FEATURES: u32 = 7;
const FEATURE_ECX_RDRAND: u32 = 1 << 30;          // CPUID.01H:ECX[30] (Intel SDM Vol. 2, CPUID)
const FEATURE_EBX_RDSEED: u32 = 1 << 18;          // CPUID.(EAX=07H, ECX=0):EBX[18]
const SEED_BYTES: usize = 64;                     // 512 bits of entropy input for a 256-bit strength
const ADDITIONAL_BYTES: usize = 16;
const WORD_BYTES: usize = 4;                      // what one RDRAND / RDSEED gives (rdrand32)
const DEVICE_CHUNK: u32 = 64;
const CHUNK_BYTES: usize = 4096;                 // one DRBG request, under the lock

const state = memory.data(drbg.CONTEXT_BYTES);
const lock = memory.data(8);
const pool = memory.data(<i32>SEED_BYTES);
const fromDevice = memory.data(<i32>DEVICE_CHUNK);
const nonce = memory.data(16);
const additional = memory.data(<i32>ADDITIONAL_BYTES);
// "AIOS kernel DRBG": the personalization string of SP 800-90A §8.7.1
const PERSONALIZATION = memory.data<u8>([0x41, 0x49, 0x4f, 0x53, 0x20, 0x6b, 0x65, 0x72, 0x6e, 0x65, 0x6c, 0x20, 0x44, 0x52, 0x42, 0x47]);
const PERSONALIZATION_BYTES: usize = 16;

let cpuSources: u32 = Source.None;
let seededFrom: u32 = Source.None;
let ready = false;

/** The CPU's random instructions, from CPUID (they fault where absent). */
function detect(): u32 {
  let found: u32 = Source.None;
  if ((cpu.cpuid(LEAF_FEATURES, 0, cpu.CpuidRegister.Ecx) & FEATURE_ECX_RDRAND) != 0) found |= Source.Rdrand;
  if (cpu.cpuid(LEAF_MAX_STANDARD, 0, cpu.CpuidRegister.Eax) >= LEAF_EXTENDED_FEATURES &&
      (cpu.cpuid(LEAF_EXTENDED_FEATURES, 0, cpu.CpuidRegister.Ebx) & FEATURE_EBX_RDSEED) != 0) found |= Source.Rdseed;
  return found;
}

function xorInto(destination: usize, source: usize, length: usize): void {
  for (let i: usize = 0; i < length; i++) store<u8>(destination + i, load<u8>(destination + i) ^ load<u8>(source + i));
}

/** Fills `length` bytes at `destination` with the XOR of the sources in `wanted`
 *  that are present and answer; returns the set of those that contributed to
 *  every byte (RDSEED words it could not give are taken from RDRAND). */
export function gather(destination: usize, length: usize, wanted: u32): u32 {
  memory.fill(destination, 0, length);
  const instructions = wanted & cpuSources;
  let used: u32 = Source.None;
  if (instructions != Source.None) {
    let seedWords: usize = 0, randWords: usize = 0, words: usize = 0;
    for (let offset: usize = 0; offset < length; offset += WORD_BYTES, words++) {
      let value: u64 = 0;
      if ((instructions & Source.Rdseed) != 0) { value = cpu.rdseed32(); if ((value & cpu.RANDOM_VALID) != 0) seedWords++; }
      if ((value & cpu.RANDOM_VALID) == 0 && (instructions & Source.Rdrand) != 0) { value = cpu.rdrand32(); if ((value & cpu.RANDOM_VALID) != 0) randWords++; }
      const take = min<usize>(WORD_BYTES, length - offset);
      for (let i: usize = 0; i < take; i++) store<u8>(destination + offset + i, load<u8>(destination + offset + i) ^ <u8>(value >> (8 * <u64>i)));
    }
    if (seedWords == words) used |= Source.Rdseed;
    else if (seedWords + randWords == words && randWords != 0) used |= Source.Rdrand;
  }
  if ((wanted & Source.VirtioRng) != 0 && devices.virtio.rng.available()) {
    let complete = true;
    for (let offset: usize = 0; offset < length; offset += DEVICE_CHUNK) {
      const take = <u32>min<usize>(<usize>DEVICE_CHUNK, length - offset);
      if (devices.virtio.rng.read(fromDevice, take) != <i64>take) { complete = false; break; }
      xorInto(destination + offset, fromDevice, <usize>take);
    }
    if (complete) used |= Source.VirtioRng;
  }
  return used;
}

function appendSources(sources: u32): void {
  if (sources == Source.None) { line.text("none"); return; }
  let first = true;
  if ((sources & Source.Rdseed) != 0) { line.text("RDSEED"); first = false; }
  if ((sources & Source.Rdrand) != 0) { if (!first) line.text(" + "); line.text("RDRAND"); first = false; }
  if ((sources & Source.VirtioRng) != 0) { if (!first) line.text(" + "); line.text("virtio-rng"); }
}

/** Finds the sources and seeds the DRBG; after devices' init (virtio-rng).
 *  Errno.NotSupported, and fill() refuses, when there is no source at all. */
export function init(): Errno {
  cpuSources = detect();
  if ((cpuSources & Source.Rdrand) == 0) {
    log.begin(log.Level.Info);
    line.text("random: no RDRAND/RDSEED (CPUID); ");
    line.text(devices.virtio.rng.available() ? "falling back to virtio-rng" : "and no virtio-rng");
    log.end();
  }
  const used = gather(pool, SEED_BYTES, Source.All);
  if (used == Source.None) {
    log.warn("random: no entropy source, the kernel DRBG stays unseeded");
    return Errno.NotSupported;
  }
  store<u64>(nonce, cpu.rdtsc());                            // the nonce need only be unique (SP 800-90A §8.6.7)
  store<u64>(nonce + 8, <u64>cpu.cpuIndex());
  drbg.instantiate(state, pool, SEED_BYTES, nonce, 16, PERSONALIZATION, PERSONALIZATION_BYTES);
  memory.fill(pool, 0, SEED_BYTES);
  seededFrom = used;
  ready = true;
  log.begin(log.Level.Info);
  line.text("random: HMAC-SHA-512 DRBG seeded from ");
  appendSources(used);
  log.end();
  return Errno.Ok;
}

/** The sources the DRBG was last (re)seeded from. */
export function sources(): u32 { return seededFrom; }
/** The CPU's random instructions CPUID reported. */
export function cpuInstructions(): u32 { return cpuSources; }

/** Reseeds from the sources in `wanted` only (the selftests check each source on
 *  its own); returns the ones that contributed, Source.None (and no reseed) if none did. */
export function reseedFrom(wanted: u32): u32 {
  if (!ready) return Source.None;
  const flags = cpu.saveInterrupts();
  locks.spinAcquire(lock);
  const used = gather(pool, SEED_BYTES, wanted);
  if (used != Source.None) {
    drbg.reseed(state, pool, SEED_BYTES, 0, 0);
    seededFrom = used;
  }
  memory.fill(pool, 0, SEED_BYTES);
  locks.spinRelease(lock);
  cpu.restoreInterrupts(flags);
  return used;
}

/** Writes `length` random bytes to `destination` (kernel linear memory), in
 *  requests of CHUNK_BYTES: each one holds the lock with interrupts off (so no
 *  thread switch can leave another thread on this CPU spinning on it), for about
 *  a hundred HMAC-SHA-512 blocks at most. Errno.NotReady before a successful
 *  init(); DeviceError when a due reseed found no source. */
export function fill(destination: usize, length: usize): Errno {
  if (!ready) return Errno.NotReady;
  let done: usize = 0;
  while (done < length) {
    const take = min<usize>(CHUNK_BYTES, length - done);
    const flags = cpu.saveInterrupts();
    locks.spinAcquire(lock);
    const result = generateLocked(destination + done, take);
    locks.spinRelease(lock);
    cpu.restoreInterrupts(flags);
    if (result != Errno.Ok) return result;
    done += take;
  }
  return Errno.Ok;
}

function generateLocked(destination: usize, length: usize): Errno {
  if (drbg.needsReseed(state)) {
    const used = gather(pool, SEED_BYTES, Source.All);
    if (used == Source.None) return Errno.DeviceError;
    drbg.reseed(state, pool, SEED_BYTES, 0, 0);
    memory.fill(pool, 0, SEED_BYTES);
    seededFrom = used;
  }
  let extra: usize = 0;                        // prediction resistance, cheaply: fresh RDRAND bits per request
  if ((cpuSources & Source.Rdrand) != 0 && gather(additional, ADDITIONAL_BYTES, Source.Rdrand) != Source.None) extra = ADDITIONAL_BYTES;
  drbg.generate(state, destination, length, additional, extra);
  return Errno.Ok;
}
