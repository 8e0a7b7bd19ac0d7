// dns.ts — a stub resolver for IPv4 addresses (RFC 1035): one A query at a time
// over UDP to the name server DHCP gave (or one set with useServer), from a fresh
// port and id per attempt, retransmitted after 1, 2 and 4 s; answers are believed
// only when their id, port and question are ours, and names in them are read with
// every compression pointer checked (in bounds, strictly before the last one
// followed, at most MAX_POINTERS). Answers are cached for their TTL (capped at a
// day); failures are not cached. Single-threaded, like the rest of the stack.
//   message: id u16 | flags u16 | qdcount u16 | ancount u16 | nscount u16 | arcount u16 |
//            question (name, type u16, class u16) | answers (name, type, class, ttl u32, rdlength u16, rdata)
//   flags:   QR(15) | opcode(14..11) | AA | TC(9) | RD(8) | RA | Z | RCODE(3..0)
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import * as clock from "../clock";
import * as iface from "./interface";
import * as ipv4 from "./ipv4";
import * as udp from "./udp";
import { get16, get32, put16 } from "./bytes";

export const PORT: u16 = 53;
const HEADER: u32 = 12;
const MAX_NAME: u32 = 255;                   // encoded, with the root label (RFC 1035 §2.3.4)
const MAX_LABEL: u32 = 63;
const MAX_POINTERS: i32 = 16;
const MAX_MESSAGE: u32 = 512;                // what UDP carries without EDNS (§4.2.1)
const TYPE_A: u16 = 1;
const TYPE_CNAME: u16 = 5;
const CLASS_IN: u16 = 1;
const FLAG_RESPONSE: u16 = 0x8000;
const OPCODE_MASK: u16 = 0x7800;
const FLAG_TRUNCATED: u16 = 0x0200;
const FLAG_RECURSION_DESIRED: u16 = 0x0100;
const RCODE_MASK: u16 = 0x000f;
const POINTER: u8 = 0xc0;
const FIRST_WAIT_NS: u64 = 1_000_000_000;
const ATTEMPTS: i32 = 3;                     // 1 + 2 + 4 s
const STEP_NS: u64 = 10_000_000;
const MAX_TTL: u32 = 86_400;
const EPHEMERAL_BASE: u16 = 49152;           // RFC 6335's dynamic ports

/** RCODEs (RFC 1035 §4.1.1) and the Errno each becomes. */
export const enum Rcode { NoError = 0, FormatError = 1, ServerFailure = 2, NameError = 3, NotImplemented = 4, Refused = 5 }

// ---- the query in flight and what its answer said
const query = memory.data(MAX_MESSAGE);
const question = memory.data(MAX_NAME + 1);  // the encoded name asked, lower case
let questionLength: u32 = 0;
let pendingId: u16 = 0;
let waiting = false;
let outcome = Errno.Timeout;
let answerAddress: u32 = 0;
let answerTtl: u32 = 0;
let seed: u64 = 0;
let serverOverride: u32 = 0;
let serverPortOverride: u16 = PORT;
let ignored: u64 = 0;                         // not ours: wrong id, not a response, another question
let malformedAnswers: u64 = 0;

export function ignoredCount(): u64 { return ignored; }
export function malformedCount(): u64 { return malformedAnswers; }

/** Queries go to `server`:`port` instead of DHCP's name server (0: DHCP's again). */
export function useServer(server: u32, port: u16): void { serverOverride = server; serverPortOverride = port; }

function nextRandom(): u32 {
  if (seed == 0) seed = cpu.rdtsc() | 1;
  seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;            // xorshift64
  return <u32>(seed >> 32);
}

function lower(c: u8): u8 { return c >= 0x41 && c <= 0x5a ? c + 0x20 : c; }

/** Encodes the dotted `name` (`length` bytes, a trailing dot allowed) as labels,
 *  lower case, into `out` (MAX_NAME bytes): its length, or 0 when it is not a
 *  name (empty, an empty or 64-byte label, over 255 bytes encoded, a byte that
 *  is not a letter, digit, '-' or '_'). */
export function encodeName(name: usize, length: u32, out: usize): u32 {
  if (length > 0 && load<u8>(name + <usize>length - 1) == 0x2e) length--;
  if (length == 0 || length + 2 > MAX_NAME) return 0;
  let labelAt: u32 = 0;
  for (let i: u32 = 0; i <= length; i++) {
    const c = i < length ? load<u8>(name + <usize>i) : <u8>0x2e;
    if (c == 0x2e) {
      const size = i - labelAt;
      if (size == 0 || size > MAX_LABEL) return 0;
      store<u8>(out + <usize>labelAt, <u8>size);
      labelAt = i + 1;
      continue;
    }
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d || c == 0x5f;
    if (!ok) return 0;
    store<u8>(out + <usize>i + 1, lower(c));
  }
  store<u8>(out + <usize>length + 1, 0);
  return length + 2;
}

/** Reads the name at `at` of the `length`-byte `message` into `out` (MAX_NAME
 *  bytes, labels, lower case), following compression pointers (RFC 1035 §4.1.4)
 *  that point strictly before the last place a name was read from. Returns the
 *  offset just past the name where it was (not where pointers led), or -1 when
 *  the name runs out of the message, loops, is too long or uses a label type
 *  other than length or pointer. Pointers only ever going back makes loops
 *  impossible; MAX_POINTERS bounds the work besides. */
export function readName(message: usize, length: u32, at: u32, out: usize): i32 {
  let position = at;
  let limit = at;                    // every pointer must go strictly before this
  let after: i32 = -1;
  let written: u32 = 0;
  let pointers = 0;
  while (true) {
    if (position >= length) return -1;
    const size = load<u8>(message + <usize>position);
    if ((size & POINTER) == POINTER) {
      if (position + 1 >= length || ++pointers > MAX_POINTERS) return -1;
      const target = (<u32>(size & ~POINTER) << 8) | <u32>load<u8>(message + <usize>position + 1);
      if (target >= limit) return -1;
      if (after < 0) after = <i32>(position + 2);
      limit = target;
      position = target;
      continue;
    }
    if ((size & POINTER) != 0) return -1;   // 0x40 and 0x80: reserved label types
    if (written + 1 + <u32>size > MAX_NAME) return -1;
    if (position + 1 + <u32>size > length) return -1;
    store<u8>(out + <usize>written, size);
    for (let i: u32 = 0; i < <u32>size; i++) {
      store<u8>(out + <usize>written + 1 + i, lower(load<u8>(message + <usize>position + 1 + i)));
    }
    written += 1 + <u32>size;
    position += 1 + <u32>size;
    if (size == 0) return after < 0 ? <i32>position : after;
  }
}

function sameName(a: usize, b: usize): bool {
  let i: u32 = 0;
  while (i < MAX_NAME) {
    const size = load<u8>(a + <usize>i);
    if (size != load<u8>(b + <usize>i)) return false;
    if (size == 0) return true;
    for (let j: u32 = 1; j <= <u32>size; j++) if (load<u8>(a + <usize>i + j) != load<u8>(b + <usize>i + j)) return false;
    i += 1 + <u32>size;
  }
  return false;
}

/** Builds the query for the encoded `name` with `id` into `out`: its length. */
export function buildQuery(id: u16, name: usize, nameLength: u32, out: usize): u32 {
  put16(out, id);
  put16(out + 2, FLAG_RECURSION_DESIRED);
  put16(out + 4, 1);
  put16(out + 6, 0);
  put16(out + 8, 0);
  put16(out + 10, 0);
  memory.copy(out + <usize>HEADER, name, nameLength);
  put16(out + <usize>HEADER + nameLength, TYPE_A);
  put16(out + <usize>HEADER + nameLength + 2, CLASS_IN);
  return HEADER + nameLength + 4;
}

const owner = memory.data(MAX_NAME + 1);
const wanted = memory.data(MAX_NAME + 1);   // the question's name, then each CNAME's target

/** What an RCODE other than NoError means for the caller. */
function rcodeError(rcode: u16): Errno {
  if (rcode == Rcode.NameError) return Errno.NotFound;
  if (rcode == Rcode.ServerFailure) return Errno.DeviceError;
  if (rcode == Rcode.Refused) return Errno.PermissionDenied;
  if (rcode == Rcode.NotImplemented) return Errno.NotSupported;
  return Errno.Malformed;                       // FormatError: the server could not read ours
}

export const enum Verdict { Answer = 0, NotOurs = 1 }

/** Reads the response of `length` bytes at `message` to the query `id` for the
 *  encoded name `name`. NotOurs when it is not an answer to that query (it is to
 *  be ignored); else Answer, with parsedResult() the Errno for the caller
 *  (Ok with parsedAddress() and parsedTtl(); NotFound for no such name or no A
 *  record; the RCODE's error; Truncated for TC; Malformed for a broken answer). */
export function parse(message: usize, length: u32, id: u16, name: usize): Verdict {
  if (length < HEADER || get16(message) != id) return Verdict.NotOurs;
  const flags = get16(message + 2);
  if ((flags & FLAG_RESPONSE) == 0 || (flags & OPCODE_MASK) != 0 || get16(message + 4) != 1) return Verdict.NotOurs;
  const questionEnd = readName(message, length, HEADER, owner);
  if (questionEnd < 0 || <u32>questionEnd + 4 > length || !sameName(owner, name)
    || get16(message + <usize>questionEnd) != TYPE_A || get16(message + <usize>questionEnd + 2) != CLASS_IN) return Verdict.NotOurs;
  answerAddress = 0;
  answerTtl = 0;
  if ((flags & FLAG_TRUNCATED) != 0) { outcome = Errno.Truncated; return Verdict.Answer; }
  const rcode = flags & RCODE_MASK;
  if (rcode != Rcode.NoError) { outcome = rcodeError(rcode); return Verdict.Answer; }
  // the answers: follow CNAMEs from the question's name to an A record
  memory.copy(wanted, name, MAX_NAME);
  let ttl: u32 = MAX_TTL;
  let at = <u32>questionEnd + 4;
  const answers = <i32>get16(message + 6);
  for (let i = 0; i < answers; i++) {
    const end = readName(message, length, at, owner);
    if (end < 0 || <u32>end + 10 > length) { outcome = Errno.Malformed; return Verdict.Answer; }
    const type = get16(message + <usize>end);
    const klass = get16(message + <usize>end + 2);
    let recordTtl = get32(message + <usize>end + 4);
    if ((recordTtl & 0x8000_0000) != 0) recordTtl = 0;                 // RFC 2181 §8
    const dataLength = <u32>get16(message + <usize>end + 8);
    const data = <u32>end + 10;
    if (data + dataLength > length) { outcome = Errno.Malformed; return Verdict.Answer; }
    at = data + dataLength;
    if (klass != CLASS_IN || !sameName(owner, wanted)) continue;
    if (type == TYPE_CNAME) {
      const targetEnd = readName(message, data + dataLength, data, wanted);   // within its rdata
      if (targetEnd < 0) { outcome = Errno.Malformed; return Verdict.Answer; }
      ttl = min(ttl, recordTtl);
    } else if (type == TYPE_A) {
      if (dataLength != 4) { outcome = Errno.Malformed; return Verdict.Answer; }
      answerAddress = get32(message + <usize>data);
      answerTtl = min(ttl, recordTtl);
      outcome = Errno.Ok;
      return Verdict.Answer;
    }
  }
  outcome = Errno.NotFound;                     // the name exists, with no address
  return Verdict.Answer;
}

export function parsedResult(): Errno { return outcome; }
export function parsedAddress(): u32 { return answerAddress; }
export function parsedTtl(): u32 { return answerTtl; }

/** The UDP handler of the query's port. */
export function receive(data: usize, length: u32): void {
  if (!waiting) { ignored++; return; }
  if (parse(data, length, pendingId, question) == Verdict.NotOurs) { ignored++; return; }
  if (outcome == Errno.Malformed) malformedAnswers++;
  waiting = false;
}

// ---- the cache: encoded name, address, expiry (0: empty)
const CACHE_ENTRIES: i32 = 16;
const cacheNames = memory.data(CACHE_ENTRIES * (MAX_NAME + 1));
const cacheAddresses = memory.data(CACHE_ENTRIES * 4);
const cacheExpiries = memory.data(CACHE_ENTRIES * 8);
let cacheHits: u64 = 0;

export function cacheHitCount(): u64 { return cacheHits; }
export function clearCache(): void { memory.fill(cacheExpiries, 0, CACHE_ENTRIES * 8); }

function cacheFind(name: usize, now: u64): i32 {
  for (let i = 0; i < CACHE_ENTRIES; i++) {
    const expiry = load<u64>(cacheExpiries + <usize>i * 8);
    if (expiry > now && sameName(cacheNames + <usize>i * (MAX_NAME + 1), name)) return i;
  }
  return -1;
}

/** Caches `address` for the encoded `name` for `ttl` seconds (none for 0): in an
 *  empty or expired entry, else the one that expires first. */
export function cacheStore(name: usize, nameLength: u32, address: u32, ttl: u32, now: u64): void {
  if (ttl == 0) return;
  let slot = cacheFind(name, now);
  if (slot < 0) {
    slot = 0;
    for (let i = 0; i < CACHE_ENTRIES; i++) {
      const expiry = load<u64>(cacheExpiries + <usize>i * 8);
      if (expiry <= now) { slot = i; break; }
      if (expiry < load<u64>(cacheExpiries + <usize>slot * 8)) slot = i;
    }
  }
  memory.copy(cacheNames + <usize>slot * (MAX_NAME + 1), name, nameLength);
  store<u32>(cacheAddresses + <usize>slot * 4, address);
  store<u64>(cacheExpiries + <usize>slot * 8, now + <u64>min(ttl, MAX_TTL) * 1_000_000_000);
}

/** The cached address of the encoded `name` at `now`, or 0. */
export function cacheLookup(name: usize, now: u64): u32 {
  const slot = cacheFind(name, now);
  return slot < 0 ? 0 : load<u32>(cacheAddresses + <usize>slot * 4);
}

const encoded = memory.data(MAX_NAME + 1);
let resolvedAddress: u32 = 0;

/** The address resolve() found. */
export function address(): u32 { return resolvedAddress; }

/** Resolves the dotted `name` (`length` bytes in kernel memory) to an IPv4
 *  address (then address()), taking frames through `pump` while it waits: Ok,
 *  InvalidArgument (not a name), NotReady (no name server), NotFound (no such
 *  name, or no address for it), Timeout (no answer to three attempts), Truncated,
 *  DeviceError (SERVFAIL), PermissionDenied (REFUSED), NotSupported, Malformed. */
export function resolve(name: usize, length: u32, pump: ipv4.Pump): Errno {
  const nameLength = encodeName(name, length, encoded);
  if (nameLength == 0) return Errno.InvalidArgument;
  const now = clock.nanoseconds();
  const cached = cacheLookup(encoded, now);
  if (cached != 0) { cacheHits++; resolvedAddress = cached; return Errno.Ok; }
  const server = serverOverride != 0 ? serverOverride : iface.dns();
  const serverPort = serverOverride != 0 ? serverPortOverride : PORT;
  if (server == 0) return Errno.NotReady;
  memory.copy(question, encoded, nameLength);
  questionLength = nameLength;
  let wait = FIRST_WAIT_NS;
  let result = Errno.Timeout;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    pendingId = <u16>nextRandom();
    const port = EPHEMERAL_BASE + <u16>(nextRandom() % (65536 - <u32>EPHEMERAL_BASE));
    if (udp.serve(port, receive) != Errno.Ok) return Errno.ResourceExhausted;
    const queryLength = buildQuery(pendingId, question, questionLength, query);
    waiting = true;
    let sent = udp.send(port, server, serverPort, query, queryLength, pump);
    const deadline = clock.nanoseconds() + wait;
    while (sent == Errno.Ok && waiting && clock.nanoseconds() < deadline) pump(STEP_NS);
    udp.unserve(port);
    if (sent != Errno.Ok && sent != Errno.Timeout) { waiting = false; return sent; }
    if (!waiting) { result = outcome; break; }
    waiting = false;
    wait *= 2;
  }
  if (result == Errno.Ok) {
    resolvedAddress = answerAddress;
    cacheStore(question, questionLength, answerAddress, answerTtl, clock.nanoseconds());
  }
  return result;
}
