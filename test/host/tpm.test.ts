// TPM 2.0 command marshalling and response parsing (src/kernel/devices/tpm/
// commands.ts) against byte sequences worked out field by field from the TPM 2.0
// Library, Part 3 (each command's fields) and Part 2 (constants, structures); the
// TIS status decoding (PTP 6.3.2.5); and a quote recorded from swtpm through the
// driver, verified with Node's crypto (test/host/tpmquote.ts), and refused once
// any part of it is changed.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { boot } from "./fakehal.ts";
import { splitQuote, verifyQuote } from "../../tools/tpmquote.ts";

const { k, write } = boot();
const memory = () => new Uint8Array((k.memory as WebAssembly.Memory).buffer);
const base: number = k.tpmScratch();
const IN = base, OUT = base + 4096, DIGEST = base + 6144, EXTRA = base + 7168;
const OK = 0, MALFORMED = 2, DEVICE_ERROR = 18;
const hex = (s: string) => Buffer.from(s.replace(/[\s|]/g, ""), "hex");
const read = (at: number, length: number) => Buffer.from(memory().subarray(at, at + length));
const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest();

test("TPM2_Startup(CLEAR) and TPM2_GetRandom: header (tag, size, code) and one u16", () => {
  assert.is(k.tpmStartup(OUT, 0), 12);
  assert.equal(read(OUT, 12), hex("8001 0000000c 00000144 | 0000"));
  assert.is(k.tpmStartup(OUT, 1), 12);
  assert.equal(read(OUT + 10, 2), hex("0001"), "TPM_SU_STATE");
  assert.is(k.tpmGetRandom(OUT, 16), 12);
  assert.equal(read(OUT, 12), hex("8001 0000000c 0000017b | 0010"));
});

test("TPM2_PCR_Extend: PCR handle, a password session, one SHA-256 digest", () => {
  const digest = sha256("aios-1");
  write(DIGEST, digest);
  assert.is(k.tpmPcrExtend(OUT, 10, DIGEST), 65);
  assert.equal(read(OUT, 65), Buffer.concat([hex(
    "8002 00000041 00000182" +             // TPM_ST_SESSIONS, 65 bytes, TPM_CC_PCR_Extend
    "0000000a" +                           // pcrHandle: PCR 10
    "00000009 40000009 0000 00 0000" +     // authorizationSize 9: TPM_RS_PW, empty nonce, no attributes, empty password
    "00000001 000b"),                      // TPML_DIGEST_VALUES: one TPMT_HA, SHA-256
    digest]));
});

test("TPM2_PCR_Read: one SHA-256 bank, a 3-byte select with the PCR's bit", () => {
  assert.is(k.tpmPcrRead(OUT, 15), 20);
  assert.equal(read(OUT, 20), hex("8001 00000014 0000017e | 00000001 000b 03 008000"));
  assert.is(k.tpmPcrRead(OUT, 0), 20);
  assert.equal(read(OUT + 17, 3), hex("010000"));
  assert.is(k.tpmPcrRead(OUT, 23), 20);
  assert.equal(read(OUT + 17, 3), hex("000080"));
});

test("TPM2_CreatePrimary: endorsement hierarchy, ECC P-256 restricted signing template", () => {
  assert.is(k.tpmCreatePrimary(OUT), 65);
  assert.equal(read(OUT, 65), hex(
    "8002 00000041 00000131" +
    "4000000b" +                           // primaryHandle: TPM_RH_ENDORSEMENT
    "00000009 40000009 0000 00 0000" +
    "0004 0000 0000" +                     // inSensitive: empty userAuth and data
    "0018" +                               // inPublic: 24 bytes of TPMT_PUBLIC
    "0023 000b 00050472 0000" +            // ECC, nameAlg SHA-256, fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|noDA|restricted|sign, no policy
    "0010 0018 000b 0003 0010" +           // no symmetric, ECDSA with SHA-256, NIST P-256, no kdf
    "0000 0000" +                          // unique: empty x and y
    "0000 00000000"));                     // outsideInfo empty, no creation PCRs
});

test("TPM2_Quote: key handle, the nonce as qualifyingData, the key's scheme, the PCR selection", () => {
  const nonce = hex("00112233445566778899aabbccddeeff");
  write(DIGEST, nonce);
  const length = k.tpmQuote(OUT, 0x80000000, DIGEST, 16, (1 << 0) | (1 << 15));
  assert.is(length, 10 + 4 + 13 + 2 + 16 + 2 + 10);
  assert.equal(read(OUT, length), Buffer.concat([hex("8002 00000039 00000158 | 80000000 | 00000009 40000009 0000 00 0000 | 0010"), nonce,
    hex("0010 | 00000001 000b 03 018000")]));
  assert.is(k.tpmFlushContext(OUT, 0x80000001), 14);
  assert.equal(read(OUT, 14), hex("8001 0000000e 00000165 | 80000001"));
});

test("response codes: the header's code, or malformed when the size field disagrees", () => {
  write(IN, hex("8001 0000000a 00000100"));
  assert.is(k.tpmResponseCode(IN, 10), 0x100, "TPM_RC_INITIALIZE");
  assert.is(k.tpmResponseCode(IN, 9) >>> 0, 0xffffffff, "shorter than a header");
  assert.is(k.tpmResponseCode(IN, 12) >>> 0, 0xffffffff, "size field says 10, 12 came");
});

test("TPM2_PCR_Read response: the digest of the PCR asked for, nothing else", () => {
  const value = sha256("pcr value");
  const response = Buffer.concat([hex("8001 0000003e 00000000 | 00000005 | 00000001 000b 03 008000 | 00000001 0020"), value]);
  write(IN, response);
  assert.is(k.tpmParsePcrRead(IN, 62, 15, OUT), OK);
  assert.equal(read(OUT, 32), value);
  assert.is(k.tpmParsePcrRead(IN, 62, 14, OUT), MALFORMED, "the TPM answered for another PCR");
  write(IN + 20, hex("0004"));            // SHA-1 bank
  assert.is(k.tpmParsePcrRead(IN, 62, 15, OUT), MALFORMED, "another bank");
  write(IN, hex("8001 0000000a 0000018b"));
  assert.is(k.tpmParsePcrRead(IN, 10, 15, OUT), DEVICE_ERROR, "an error response");
});

test("TPM2_PCR_Extend response: success with the password session echoed", () => {
  write(IN, hex("8002 00000013 00000000 | 00000000 | 0000 01 0000"));
  assert.is(k.tpmParsePcrExtend(IN, 19), OK);
  write(IN, hex("8002 0000000a 00000922"));
  assert.is(k.tpmParsePcrExtend(IN, 10), DEVICE_ERROR, "TPM_RC_RETRY");
  write(IN, hex("8002 00000011 00000000 | 00000000 | 0000 01"));
  assert.is(k.tpmParsePcrExtend(IN, 17), MALFORMED, "session cut short");
});

test("TPM2_GetRandom response: the bytes the TPM gave, at most the capacity", () => {
  write(IN, hex("8001 00000010 00000000 | 0004 deadbeef"));
  assert.is(k.tpmParseGetRandom(IN, 16, OUT, 16), 4);
  assert.equal(read(OUT, 4), hex("deadbeef"));
  assert.is(k.tpmParseGetRandom(IN, 16, OUT, 3), -1, "more than asked for");
  write(IN, hex("8001 00000010 00000000 | 0005 deadbeef"));
  assert.is(k.tpmParseGetRandom(IN, 16, OUT, 16), -1, "count beyond the response");
});

test("TIS status: TPM family and burst count; a floating bus is no device", () => {
  assert.is(k.tisFamily(0x04000000 | 0x40 | 0x80), 1, "tpmFamily 01b: TPM 2.0");
  assert.is(k.tisFamily(0x00000080), 0, "TPM 1.2");
  assert.is(k.tisBurstCount(0x0400ff90), 0xff);
  assert.is(k.tisBurstCount(0x04123490), 0x1234);
  assert.not.ok(k.tisDidVidPresent(0xffffffff));
  assert.not.ok(k.tisDidVidPresent(0));
  assert.ok(k.tisDidVidPresent(0x00011014), "QEMU's tpm-tis: IBM (1014h), device 1");
});

// Recorded from `aios.test=tpm-quote` on q35 with swtpm 0.7.1: PCRs 0 (SeaBIOS's
// measurements) and 15 (zero), the nonce from TPM2_GetRandom.
const QUOTE = hex(
  "00580023000b00050472000000100018000b000300100020d40075b5d617eecb6828c9f875e52a11f55fdd1679260d4a79c26cbc773affac" +
  "00206cc4fc5e3d8c3d114373fa4bf0df856b7ba99b4d078f2b38f8363d6011d3c12a0091ff54434780180022000b0182c36e400be484ceb7" +
  "58f11d486dd59f415f5549a414b33305db14ace4eee60020c02a4a9940ce18f5d535211204673ef40fe79784a6a7346606bc7c4e3c7da07f" +
  "000000000000012a000000010000000001201910230016363600000001000b030180000020db448e0e42916e29ec9c172ce099169daa92cc" +
  "292cd1e1aa9e2f03b39b45dacf00480018000b00207129e3e8836b1592415359a6192197bcd6776d23c746ca0f7824e6b8e361de8c00208f" +
  "ba359b5e6c3a7707dda417049f9f5ad2571b19844e3cb6a261bd5e717b01bd");
const NONCE = hex("c02a4a9940ce18f5d535211204673ef40fe79784a6a7346606bc7c4e3c7da07f");
const PCR0 = hex("e21b703ee69c77476bccb43ec0336a9a1b2914b378944f7b00a10214ca8fea93");
const pcrs = () => new Map([[0, PCR0], [15, Buffer.alloc(32)]]);

test("a recorded quote verifies: nonce, signer, PCR digest, ECDSA P-256 signature", () => {
  const { attestation } = verifyQuote(QUOTE, NONCE, pcrs());
  assert.equal(attestation.pcrBanks, [{ hash: 0x000b, pcrs: [0, 15] }]);
  assert.is(attestation.resetCount, 1);
});

test("a changed quote is refused: nonce, PCR value, attestation byte, signature byte", () => {
  assert.throws(() => verifyQuote(QUOTE, sha256("another nonce"), pcrs()), /nonce/);
  assert.throws(() => verifyQuote(QUOTE, NONCE, new Map([[0, PCR0], [15, sha256("x")]])), /PCR digest/);
  assert.throws(() => verifyQuote(QUOTE, NONCE, new Map([[0, PCR0]])), /other PCRs/);
  const { publicArea, attest } = splitQuote(QUOTE);
  const clockAt = 2 + publicArea.length + 2 + 4 + 2 + 34 + 34 + 7;       // the low byte of the TPM's clock
  const attestChanged = Buffer.from(QUOTE); attestChanged[clockAt] ^= 1;
  assert.throws(() => verifyQuote(attestChanged, NONCE, pcrs()), /signature/);
  const signatureChanged = Buffer.from(QUOTE); signatureChanged[QUOTE.length - 1] ^= 1;
  assert.throws(() => verifyQuote(signatureChanged, NONCE, pcrs()), /signature/);
  const keyChanged = Buffer.from(QUOTE); keyChanged[2 + publicArea.length - 1] ^= 1;   // the key's y
  assert.throws(() => verifyQuote(keyChanged, NONCE, pcrs()), /signer|signature/);
  assert.ok(attest.length > 0);
});

test("TPM2_Quote and TPM2_CreatePrimary responses: the parts the kernel hands on", () => {
  const { publicArea, attest, signature } = splitQuote(QUOTE);
  const parameters = Buffer.concat([Buffer.from([attest.length >> 8, attest.length & 0xff]), attest, signature]);
  const sizeOf = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
  const session = hex("0000 01 0000");
  let response = Buffer.concat([hex("8002"), sizeOf(10 + 4 + parameters.length + session.length), hex("00000000"), sizeOf(parameters.length), parameters, session]);
  write(IN, response);
  const got = k.tpmParseQuote(IN, response.length, OUT, 2048);
  assert.is(got, 2 + attest.length + 2 + signature.length);
  assert.equal(read(OUT, got), QUOTE.subarray(2 + publicArea.length));
  assert.is(k.tpmParseQuote(IN, response.length, OUT, got - 1), -1, "no room");
  // CreatePrimary: handle, parameterSize, outPublic, then creation data etc. (opaque here)
  const outPublic = Buffer.concat([Buffer.from([0, publicArea.length]), publicArea]);
  const rest = hex("0000 0000 0000 0000");
  const createParameters = Buffer.concat([outPublic, rest]);
  response = Buffer.concat([hex("8002"), sizeOf(10 + 4 + 4 + createParameters.length + session.length), hex("00000000 80000000"), sizeOf(createParameters.length), createParameters, session]);
  write(IN, response);
  assert.is(k.tpmParseCreatePrimary(IN, response.length, EXTRA, OUT, 512), publicArea.length);
  assert.equal(read(OUT, publicArea.length), publicArea);
  assert.equal(read(EXTRA, 4), hex("00000080"), "the handle, stored little-endian as a u32");
});

test.run();
