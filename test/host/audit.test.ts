// The audit log (src/kernel/audit): records chained by SHA-256, checked against an
// independent recomputation with Node's crypto; any single flipped byte of any
// record is found at that record; reordering, deleting and a rewritten tail are
// found; the full ring drops its oldest records behind an anchor and still verifies.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { boot } from "./fakehal.ts";
import { random } from "./random.ts";

const OK = 0;
const INVALID_ARGUMENT = 1;
const MALFORMED = 2;
const PERMISSION_DENIED = 10;
const NO_BAD_RECORD = -1;
const DROPPED_RECORD = -2;
const Kind = { Boot: 1, AgentSpawn: 2, AgentKill: 8, AgentTrap: 9, CapabilityDenied: 13, Shutdown: 17 };
const Failure = { None: 0, Sequence: 1, Link: 2, Hash: 3, Head: 4, Dropped: 5 };
const HASH_BYTES = 32;
const HASHED_BYTES = 104;              // record.ts: previous hash and fields; the hash follows
const PAYLOAD_AT = 72;
const PAYLOAD_CAPACITY = 32;

function log() {
  const machine = boot();
  const { k } = machine;
  const bytes = () => new Uint8Array((k.memory as WebAssembly.Memory).buffer);
  const scratch = k.scratchBuffer() as number;
  const recordBytes = Number(k.auditRecordBytes());
  const record = (index: number) => bytes().slice(k.auditRecordAddress(index), k.auditRecordAddress(index) + recordBytes);
  const hashOf = (index: number) => Buffer.from(record(index).subarray(HASHED_BYTES, HASHED_BYTES + HASH_BYTES));
  const head = () => { const sequence = k.auditHeadHash(scratch) as bigint; return { sequence, hash: Buffer.from(bytes().slice(scratch, scratch + HASH_BYTES)) }; };
  /** Appends with a payload of `payloadLength` bytes derived from `seed`. */
  const append = (kind: number, seed: number, payloadLength = seed % (PAYLOAD_CAPACITY + 1)): bigint => {
    for (let i = 0; i < payloadLength; i++) bytes()[scratch + i] = (seed * 31 + i) & 0xff;
    return k.auditAppendAt(BigInt(seed) * 1000n, kind, BigInt(seed), BigInt(seed * 7), seed % 3 === 0 ? PERMISSION_DENIED : OK, scratch, payloadLength) as bigint;
  };
  const flip = (address: number, mask: number) => { bytes()[address] ^= mask; };
  const verify = () => ({ result: k.auditVerify(), index: k.auditFirstBadIndex(), why: k.auditLastFailure() });
  return { ...machine, bytes, scratch, recordBytes, record, hashOf, head, append, flip, verify };
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest();

test("an empty log verifies; its head is the genesis", () => {
  const { k, head } = log();
  assert.is(k.auditCount(), 0);
  assert.is(k.auditVerify(), OK);
  const { sequence, hash } = head();
  assert.is(sequence, 0n);
  assert.ok(hash.equals(Buffer.alloc(HASH_BYTES)));
  assert.is(k.auditRecordAddress(0), 0, "no record 0 yet");
});

test("records keep their fields; sequence numbers strictly increase from 1", () => {
  const { k, append, bytes, scratch } = log();
  for (let i = 1; i <= 300; i++) assert.is(append(i % 2 ? Kind.AgentSpawn : Kind.CapabilityDenied, i), BigInt(i));
  assert.is(k.auditCount(), 300);
  for (let index = 0; index < 300; index++) {
    const seed = index + 1;
    assert.is(k.auditSequenceAt(index), BigInt(seed));
    assert.is(k.auditTimestampAt(index), BigInt(seed) * 1000n);
    assert.is(k.auditKindAt(index), seed % 2 ? Kind.AgentSpawn : Kind.CapabilityDenied);
    assert.is(k.auditSubjectAt(index), BigInt(seed));
    assert.is(k.auditObjectAt(index), BigInt(seed * 7));
    assert.is(k.auditResultAt(index), seed % 3 === 0 ? PERMISSION_DENIED : OK);
    const length = k.auditCopyPayload(index, scratch);
    assert.is(length, seed % (PAYLOAD_CAPACITY + 1));
    for (let i = 0; i < length; i++) assert.is(bytes()[scratch + i], (seed * 31 + i) & 0xff);
  }
  assert.is(k.auditVerify(), OK);
  assert.is(k.auditFirstBadIndex(), NO_BAD_RECORD);
});

test("each hash is SHA-256(previous hash ‖ fields), recomputed outside the kernel", () => {
  const { k, append, record, hashOf, head } = log();
  for (let i = 1; i <= 50; i++) append(Kind.Boot + (i % 17), i);
  let previous = Buffer.alloc(HASH_BYTES);
  for (let index = 0; index < 50; index++) {
    const bytes = record(index);
    assert.ok(Buffer.from(bytes.subarray(0, HASH_BYTES)).equals(previous), `record ${index} links to the one before`);
    assert.ok(sha256(bytes.subarray(0, HASHED_BYTES)).equals(hashOf(index)), `record ${index} hash`);
    assert.is(bytes[50], 1, "format version");
    const length = bytes[51];
    assert.ok(bytes.subarray(PAYLOAD_AT + length, PAYLOAD_AT + PAYLOAD_CAPACITY).every((b) => b === 0), "payload padding is zero");
    previous = hashOf(index);
  }
  const { sequence, hash } = head();
  assert.is(sequence, 50n);
  assert.ok(hash.equals(previous), "the head is the newest record's hash");
  assert.is(k.auditVerify(), OK);
});

test("bad arguments are refused and change nothing", () => {
  const { k, append, scratch } = log();
  append(Kind.Boot, 1);
  for (const kind of [0, 18, 0xffff, 0x10001]) assert.is(append(kind, 2, 0), -BigInt(INVALID_ARGUMENT), `kind ${kind}`);
  assert.is(append(Kind.AgentTrap, 2, PAYLOAD_CAPACITY + 1), -BigInt(INVALID_ARGUMENT), "payload too long");
  assert.is(k.auditAppendAt(0n, Kind.AgentTrap, 0n, 0n, OK, 0, 4), -BigInt(INVALID_ARGUMENT), "payload length without a payload");
  assert.is(k.auditAppendAt(0n, Kind.AgentTrap, 0n, 0n, OK, 0, 0), 2n, "no payload at all is fine");
  assert.is(append(Kind.Shutdown, 3, PAYLOAD_CAPACITY), 3n, "a full payload is fine");
  assert.is(k.auditCount(), 3);
  assert.is(k.auditVerify(), OK);
  assert.is(k.auditCopyPayload(7, scratch), 0, "out of range");
});

test("any flipped byte of any record is reported at that record", () => {
  const { k, append, flip, verify, recordBytes } = log();
  const count = 120;
  for (let i = 1; i <= count; i++) append(Kind.AgentTrap, i);
  const next = random(7);
  const check = (index: number, offset: number, mask: number) => {
    const address = k.auditRecordAddress(index) + offset;
    flip(address, mask);
    const found = verify();
    assert.equal(found.result, MALFORMED, `record ${index} byte ${offset}`);
    assert.is(found.index, index, `record ${index} byte ${offset} mask ${mask}`);
    // where the byte is says which check fails first
    const expected = offset < HASH_BYTES ? Failure.Link : offset < HASH_BYTES + 8 ? Failure.Sequence : Failure.Hash;
    assert.is(found.why, expected, `record ${index} byte ${offset}: failure kind`);
    flip(address, mask);
  };
  for (const index of [0, 1, count / 2, count - 1]) {
    for (let offset = 0; offset < recordBytes; offset++) check(index, offset, 1 << Math.floor(next() * 8));
  }
  for (let index = 0; index < count; index++) check(index, Math.floor(next() * recordBytes), 1 + Math.floor(next() * 255));
  assert.is(k.auditVerify(), OK, "every flip undone");
});

test("reordered and deleted records are found", () => {
  const { k, append, bytes, recordBytes, verify } = log();
  for (let i = 1; i <= 40; i++) append(Kind.AgentSpawn, i);
  const at = (index: number) => k.auditRecordAddress(index) as number;
  const saved = bytes().slice(at(0), at(39) + recordBytes);

  const a = bytes().slice(at(10), at(11));                    // swap records 10 and 11
  bytes().copyWithin(at(10), at(11), at(12));
  bytes().set(a, at(11));
  assert.equal(verify(), { result: MALFORMED, index: 10, why: Failure.Sequence });
  bytes().set(saved, at(0));
  assert.is(k.auditVerify(), OK);

  bytes().copyWithin(at(20), at(21), at(39) + recordBytes);   // delete record 20, shifting the rest down
  assert.equal(verify(), { result: MALFORMED, index: 20, why: Failure.Sequence });
  bytes().set(saved, at(0));

  bytes().copyWithin(at(5), at(6), at(7));                    // overwrite 5 with 6 (replay)
  assert.equal(verify(), { result: MALFORMED, index: 5, why: Failure.Sequence });
  bytes().set(saved, at(0));
  assert.is(k.auditVerify(), OK);
});

test("a tail rewritten with fresh hashes is caught by the head the log keeps", () => {
  const { k, append, bytes, recordBytes, verify } = log();
  for (let i = 1; i <= 30; i++) append(Kind.CapabilityDenied, i);
  // Change record 11's result (PermissionDenied: seed 12) to Ok and re-hash it and every later record, as an
  // attacker who can write memory would: every link checks out.
  const at = (index: number) => k.auditRecordAddress(index) as number;
  assert.is(k.auditResultAt(11), PERMISSION_DENIED);
  bytes()[at(11) + 52] = OK;
  for (let index = 11; index < 30; index++) {
    if (index > 11) bytes().set(bytes().slice(at(index - 1) + HASHED_BYTES, at(index - 1) + recordBytes), at(index));
    bytes().set(sha256(bytes().slice(at(index), at(index) + HASHED_BYTES)), at(index) + HASHED_BYTES);
  }
  assert.is(k.auditResultAt(11), OK);
  assert.equal(verify(), { result: MALFORMED, index: 29, why: Failure.Head });
});

test("a full ring drops its oldest records behind an anchor and still verifies", () => {
  const { k, append, flip, verify, head, scratch, bytes } = log();
  const capacity = k.auditCapacity();
  const extra = 300;
  let droppedHash = Buffer.alloc(0);
  for (let i = 1; i <= capacity + extra; i++) {
    assert.is(append(Kind.AgentSpawn + (i % 10), i), BigInt(i));
    if (i === extra) droppedHash = head().hash;
  }
  assert.is(k.auditCount(), capacity);
  assert.is(k.auditSequenceAt(0), BigInt(extra + 1), "the oldest retained");
  assert.is(k.auditSequenceAt(capacity - 1), BigInt(capacity + extra), "the newest");
  for (let index = 1; index < capacity; index++) assert.is(k.auditSequenceAt(index), k.auditSequenceAt(index - 1) + 1n);
  assert.is(k.auditAnchor(scratch), BigInt(extra), "the anchor is the last dropped record");
  assert.ok(Buffer.from(bytes().slice(scratch, scratch + HASH_BYTES)).equals(droppedHash));
  assert.is(k.auditVerify(), OK);
  // physical slots wrap; a flip in any of them is still found at its index
  for (const index of [0, capacity - extra - 1, capacity - extra, capacity - 1]) {
    flip(k.auditRecordAddress(index) + 60, 0x40);
    assert.is(verify().index, index);
    flip(k.auditRecordAddress(index) + 60, 0x40);
  }
  flip(k.auditRecordAddress(0), 0x01);                        // the oldest no longer links to the anchor
  assert.equal(verify(), { result: MALFORMED, index: 0, why: Failure.Link });
  flip(k.auditRecordAddress(0), 0x01);
  assert.is(k.auditVerify(), OK);
});

test("a record edited while retained is not laundered by being dropped", () => {
  const { k, append, flip, verify } = log();
  const capacity = k.auditCapacity();
  for (let i = 1; i <= capacity; i++) append(Kind.AgentSpawn, i);
  flip(k.auditRecordAddress(0) + PAYLOAD_AT + 3, 0x08);
  append(Kind.AgentKill, capacity + 1);
  assert.is(k.auditBrokenDrops(), 1);
  assert.equal(verify(), { result: MALFORMED, index: DROPPED_RECORD, why: Failure.Dropped });
  append(Kind.AgentSpawn, capacity + 2);
  assert.is(k.auditVerify(), MALFORMED, "the finding is sticky");
});

test("appends stamp the clock when no timestamp is given", () => {
  const { k, scratch } = log();
  assert.is(k.auditAppend(Kind.Boot, 0n, 0n, OK, scratch, 0), 1n);
  assert.is(k.auditAppend(Kind.Shutdown, 0n, 0n, OK, scratch, 0), 2n);
  assert.ok(k.auditTimestampAt(1) >= k.auditTimestampAt(0));
  assert.is(k.auditVerify(), OK);
});

test.run();
