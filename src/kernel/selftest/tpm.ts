// tpm.ts — guest scenarios for the TPM 2.0 driver (QEMU's tpm-tis backed by swtpm):
//   tpm-pcr     reads PCR 15, extends it with two known SHA-256 digests, reads it
//               back and checks it equals SHA-256(SHA-256(before || d1) || d2),
//               computed here too; prints every value so the host test can check
//               the chain with Node's crypto. Also: out-of-range PCRs are refused,
//               PCR 0 holds firmware's measurements, and TPM2_GetRandom answers.
//   tpm-quote   quotes PCRs 0 and 15 over a fresh nonce from the TPM; prints the
//               nonce, the PCR values and the three parts for the host test to verify.
//   tpm-absent  a machine without a TPM: the driver says so and every call is refused.
import { Errno } from "../../abi";
import { sha256 } from "../crypto";
import * as devices from "../devices";
import * as line from "../line";
import * as log from "../log";

/** PCR 15 is one no measurement log of AIOS uses (the measure component extends
 *  PCR 10, the IMA convention), so a fresh TPM has it at zero. */
const SCENARIO_PCR: u32 = 15;
const FIRMWARE_PCR: u32 = 0;
const DIGEST: u32 = 32;
const QUOTE_CAPACITY: u32 = 1024;
const NONCE_BYTES: u32 = 32;
const HEX_CHUNK: u32 = 200;              // bytes of hex per line: a line holds 512 characters

const MESSAGE_ONE = memory.data<u8>([0x61, 0x69, 0x6f, 0x73, 0x2d, 0x31]);   // "aios-1"
const MESSAGE_TWO = memory.data<u8>([0x61, 0x69, 0x6f, 0x73, 0x2d, 0x32]);   // "aios-2"
const before = memory.data(32);
const after = memory.data(32);
const digestOne = memory.data(32);
const digestTwo = memory.data(32);
const chain = memory.data(64);           // old value || digest, hashed into expected
const expected = memory.data(32);
const scratch = memory.data(32);
const nonce = memory.data(32);
const quoted = memory.data(1024);

function hexBytes(source: usize, count: u32): void {
  for (let i: u32 = 0; i < count; i++) line.hexDigits(load<u8>(source + <usize>i), 2);
}

function report(label: string, source: usize, count: u32): void {
  line.reset();
  line.text("AIOS tpm ");
  line.text(label);
  line.text("=");
  hexBytes(source, count);
  log.publish();
}

function failed(what: string, result: Errno): bool {
  log.begin(log.Level.Error);
  line.text("tpm scenario: ");
  line.text(what);
  line.text(" failed, errno ");
  line.decimal(<u32>result);
  line.text(", response code ");
  line.hex(devices.tpm.lastResponseCode());
  log.end();
  return false;
}

function extendExpected(digest: usize): void {
  memory.copy(chain, expected, DIGEST);
  memory.copy(chain + DIGEST, digest, DIGEST);
  sha256.digest(chain, 64, expected);
}

export function pcrChain(): bool {
  if (!devices.tpm.available()) return failed("available()", Errno.NotFound);
  let result = devices.tpm.readPcr(SCENARIO_PCR, before);
  if (result != Errno.Ok) return failed("readPcr", result);
  report("pcr15_before", before, DIGEST);
  sha256.digest(MESSAGE_ONE, 6, digestOne);
  sha256.digest(MESSAGE_TWO, 6, digestTwo);
  report("digest1", digestOne, DIGEST);
  report("digest2", digestTwo, DIGEST);
  result = devices.tpm.extend(SCENARIO_PCR, digestOne);
  if (result != Errno.Ok) return failed("extend 1", result);
  result = devices.tpm.extend(SCENARIO_PCR, digestTwo);
  if (result != Errno.Ok) return failed("extend 2", result);
  result = devices.tpm.readPcr(SCENARIO_PCR, after);
  if (result != Errno.Ok) return failed("readPcr after", result);
  report("pcr15_after", after, DIGEST);
  memory.copy(expected, before, DIGEST);
  extendExpected(digestOne);
  extendExpected(digestTwo);
  const chained = sha256.equal(expected, after);
  // bad arguments are refused without a command
  const badExtend = devices.tpm.extend(devices.tpm.PCR_COUNT, digestOne);
  const badRead = devices.tpm.readPcr(99, scratch);
  // firmware (SeaBIOS) measured itself into PCR 0
  result = devices.tpm.readPcr(FIRMWARE_PCR, scratch);
  if (result != Errno.Ok) return failed("readPcr 0", result);
  report("pcr0", scratch, DIGEST);
  const random = devices.tpm.random(nonce, NONCE_BYTES);
  line.reset();
  line.text("AIOS tpm chained=");
  line.text(chained ? "yes" : "no");
  line.text(" bad_pcr=");
  line.text(badExtend == Errno.InvalidArgument && badRead == Errno.InvalidArgument ? "refused" : "accepted");
  line.text(" random=");
  line.signed(random);
  log.publish();
  return chained && badExtend == Errno.InvalidArgument && badRead == Errno.InvalidArgument && random == <i32>NONCE_BYTES;
}

export function quote(): bool {
  if (!devices.tpm.available()) return failed("available()", Errno.NotFound);
  if (devices.tpm.random(nonce, NONCE_BYTES) != <i32>NONCE_BYTES) return failed("random", Errno.DeviceError);
  report("nonce", nonce, NONCE_BYTES);
  let result = devices.tpm.readPcr(FIRMWARE_PCR, scratch);
  if (result != Errno.Ok) return failed("readPcr 0", result);
  report("pcr0", scratch, DIGEST);
  result = devices.tpm.readPcr(SCENARIO_PCR, scratch);
  if (result != Errno.Ok) return failed("readPcr 15", result);
  report("pcr15", scratch, DIGEST);
  result = devices.tpm.quote(nonce, NONCE_BYTES, (<u32>1 << FIRMWARE_PCR) | (<u32>1 << SCENARIO_PCR), quoted, QUOTE_CAPACITY);
  if (result != Errno.Ok) return failed("quote", result);
  const length = devices.tpm.quoteLength();
  for (let offset: u32 = 0; offset < length; offset += HEX_CHUNK) {
    line.reset();
    line.text("AIOS tpm quote_part=");
    hexBytes(quoted + <usize>offset, length - offset < HEX_CHUNK ? length - offset : HEX_CHUNK);
    log.publish();
  }
  // a second quote reuses the key made for the first
  const again = devices.tpm.quote(nonce, NONCE_BYTES, <u32>1 << SCENARIO_PCR, quoted, QUOTE_CAPACITY);
  const badNonce = devices.tpm.quote(nonce, devices.tpm.MAX_NONCE_BYTES + 1, 1, quoted, QUOTE_CAPACITY);
  const noPcrs = devices.tpm.quote(nonce, NONCE_BYTES, 0, quoted, QUOTE_CAPACITY);
  line.reset();
  line.text("AIOS tpm quote_bytes=");
  line.decimal(length);
  line.text(" again=");
  line.text(again == Errno.Ok ? "ok" : "failed");
  line.text(" bad_arguments=");
  line.text(badNonce == Errno.InvalidArgument && noPcrs == Errno.InvalidArgument ? "refused" : "accepted");
  log.publish();
  return again == Errno.Ok && badNonce == Errno.InvalidArgument && noPcrs == Errno.InvalidArgument;
}

export function absent(): bool {
  const extendResult = devices.tpm.extend(SCENARIO_PCR, digestOne);
  const readResult = devices.tpm.readPcr(SCENARIO_PCR, scratch);
  const quoteResult = devices.tpm.quote(nonce, NONCE_BYTES, 1, quoted, QUOTE_CAPACITY);
  line.reset();
  line.text("AIOS tpm available=");
  line.text(devices.tpm.available() ? "yes" : "no");
  line.text(" extend=");
  line.decimal(<u32>extendResult);
  line.text(" read=");
  line.decimal(<u32>readResult);
  line.text(" quote=");
  line.decimal(<u32>quoteResult);
  log.publish();
  return !devices.tpm.available() && extendResult == Errno.NotReady && readResult == Errno.NotReady && quoteResult == Errno.NotReady;
}
