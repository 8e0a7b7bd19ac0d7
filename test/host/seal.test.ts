// The sealing commands' marshalling and parsing (src/kernel/devices/tpm/
// commands.ts) against byte sequences worked out field by field from the TPM 2.0
// Library, Part 3 (TPM2_CreatePrimary 24.1, TPM2_Create 12.1, TPM2_Load 12.2,
// TPM2_Unseal 12.7, TPM2_StartAuthSession 11.1, TPM2_PolicyPCR 23.7,
// TPM2_PCR_Reset 22.3) and Part 2 (constants, TPMT_PUBLIC, TPMA_OBJECT); and the
// PolicyPCR digest (Part 3, 23.7.1) against the same formula computed with Node's crypto.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { boot } from "./fakehal.ts";

const { k, write } = boot();
const memory = () => new Uint8Array((k.memory as WebAssembly.Memory).buffer);
const base: number = k.tpmScratch();
const IN = base, OUT = base + 4096, DATA = base + 6144, EXTRA = base + 7168;
const hex = (s: string) => Buffer.from(s.replace(/[\s|]/g, ""), "hex");
const read = (at: number, length: number) => Buffer.from(memory().subarray(at, at + length));
const sha256 = (...parts: Uint8Array[]) => { const h = createHash("sha256"); for (const p of parts) h.update(p); return h.digest(); };
const PASSWORD = "00000009 40000009 0000 00 0000";      // authorizationSize 9: TPM_RS_PW, empty nonce, no attributes, empty password

test("TPM2_CreatePrimary of the storage key: owner hierarchy, ECC P-256 restricted decryption, AES-128-CFB", () => {
  assert.is(k.tpmCreateStoragePrimary(OUT), 67);
  assert.equal(read(OUT, 67), hex(
    "8002 00000043 00000131" +
    "40000001" + PASSWORD +                // primaryHandle: TPM_RH_OWNER
    "0004 0000 0000" +                     // inSensitive: empty userAuth and data
    "001a" +                               // inPublic: 26 bytes of TPMT_PUBLIC
    "0023 000b 00030472 0000" +            // ECC, SHA-256, fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|noDA|restricted|decrypt, no policy
    "0006 0080 0043" +                     // symmetric: AES, 128 bits, CFB
    "0010 0003 0010" +                     // scheme none, NIST P-256, kdf none
    "0000 0000" +                          // unique: empty x and y
    "0000 00000000"));                     // outsideInfo empty, no creation PCRs
});

test("TPM2_Create of a sealed object: the data as sensitive data, KEYEDHASH with the policy, no userWithAuth", () => {
  const data = hex("0102030405");
  const policy = sha256(Buffer.from("policy"));
  write(DATA, data);
  write(EXTRA, policy);
  assert.is(k.tpmCreateSealed(OUT, 0x80000000, DATA, 5, EXTRA), 92);
  assert.equal(read(OUT, 92), Buffer.concat([hex(
    "8002 0000005c 00000153" +
    "80000000" + PASSWORD +                // parentHandle: the storage key
    "0009 0000 0005"), data, hex(          // inSensitive: 9 bytes, empty userAuth, 5 bytes of data
    "002e" +                               // inPublic: 46 bytes
    "0008 000b 00000412 0020"), policy, hex(   // KEYEDHASH, SHA-256, fixedTPM|fixedParent|noDA, authPolicy
    "0010 0000" +                          // scheme none (sealed data), unique empty
    "0000 00000000")]));
});

test("TPM2_Load, TPM2_StartAuthSession, TPM2_PolicyPCR, TPM2_Unseal, TPM2_PCR_Reset", () => {
  write(DATA, hex("0003 aabbcc"));
  write(EXTRA, hex("0002 1122"));
  assert.is(k.tpmLoadObject(OUT, 0x80000000, DATA, EXTRA), 36);
  assert.equal(read(OUT, 36), hex("8002 00000024 00000157 | 80000000 |" + PASSWORD + "| 0003 aabbcc | 0002 1122"));
  const nonce = sha256(Buffer.from("nonce"));
  write(DATA, nonce);
  assert.is(k.tpmStartPolicySession(OUT, DATA), 59);
  assert.equal(read(OUT, 59), Buffer.concat([hex(
    "8001 0000003b 00000176" +
    "40000007 40000007" +                  // tpmKey, bind: TPM_RH_NULL (unsalted, unbound)
    "0020"), nonce, hex(                   // nonceCaller: 32 bytes
    "0000 01 0010 000b")]));               // no salt, TPM_SE_POLICY, symmetric TPM_ALG_NULL, SHA-256
  assert.is(k.tpmPolicyPcr(OUT, 0x03000000, (1 << 16) | (1 << 10)), 26);
  assert.equal(read(OUT, 26), hex("8001 0000001a 0000017f | 03000000 | 0000 | 00000001 000b 03 000401"));
  assert.is(k.tpmUnseal(OUT, 0x80000001, 0x03000000), 27);
  assert.equal(read(OUT, 27), hex("8002 0000001b 0000015e | 80000001 | 00000009 03000000 0000 01 0000"));
  assert.is(k.tpmPcrReset(OUT, 16), 27);
  assert.equal(read(OUT, 27), hex("8002 0000001b 0000013d | 00000010 |" + PASSWORD));
});

test("the PolicyPCR digest: SHA-256(0^32 || TPM_CC_PolicyPCR || TPML_PCR_SELECTION || pcrDigest)", () => {
  for (const [mask, selection] of [[1 << 16, "000001"], [(1 << 10) | (1 << 16), "000401"], [1 | (1 << 23), "010080"]] as const) {
    const pcrDigest = sha256(Buffer.from(`pcrs ${mask}`));
    write(DATA, pcrDigest);
    k.tpmPolicyPcrDigest(mask, DATA, IN, OUT);
    const expected = sha256(Buffer.alloc(32), hex("0000017f"), hex(`00000001 000b 03 ${selection}`), pcrDigest);
    assert.equal(read(OUT, 32), expected, `mask ${mask.toString(16)}`);
  }
  // a known value: PolicyPCR over PCR 16 at zero, as tpm2_createpolicy --policy-pcr -l sha256:16 gives it
  write(DATA, sha256(Buffer.alloc(32)));
  k.tpmPolicyPcrDigest(1 << 16, DATA, IN, OUT);
  assert.equal(read(OUT, 32), sha256(Buffer.alloc(32), hex("0000017f 00000001 000b 03 000001"), sha256(Buffer.alloc(32))));
});

const sizeOf = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };

test("TPM2_Create response: outPrivate and outPublic as given; refused when cut short or too big", () => {
  const outPrivate = hex("0004 deadbeef"), outPublic = hex("0003 010203");
  const parameters = Buffer.concat([outPrivate, outPublic, hex("0000 0000 8021 40000001 0000")]);
  const response = Buffer.concat([hex("8002"), sizeOf(10 + 4 + parameters.length + 5), hex("00000000"), sizeOf(parameters.length), parameters, hex("0000 01 0000")]);
  write(IN, response);
  assert.is(k.tpmParseCreate(IN, response.length, OUT, 64), 11);
  assert.equal(read(OUT, 11), Buffer.concat([outPrivate, outPublic]));
  assert.is(k.tpmParseCreate(IN, response.length, OUT, 10), -1, "no room");
  write(IN + 14, hex("0040"));            // outPrivate's size beyond the parameters
  assert.is(k.tpmParseCreate(IN, response.length, OUT, 64), -1);
  write(IN, hex("8002 0000000a 0000098e"));
  assert.is(k.tpmParseCreate(IN, 10, OUT, 64), -1, "an error response");
});

test("handle responses (CreatePrimary, Load, StartAuthSession) and the TPM2_Unseal response", () => {
  write(IN, hex("8001 00000030 00000000 | 03000000 | 0020") );
  assert.is(k.tpmParseHandle(IN, 0x30) >>> 0, 0x03000000);
  write(IN, hex("8002 0000000a 000001df"));   // TPM_RC_INTEGRITY, parameter 1
  assert.is(k.tpmParseHandle(IN, 10), 0);
  const secret = hex("00112233445566778899");
  const response = Buffer.concat([hex("8002"), sizeOf(10 + 4 + 2 + secret.length + 5 + 32), hex("00000000"), sizeOf(2 + secret.length),
    hex("000a"), secret, hex("0020"), Buffer.alloc(32), hex("01 0000")]);
  write(IN, response);
  assert.is(k.tpmParseUnseal(IN, response.length, OUT, 64), 10);
  assert.equal(read(OUT, 10), secret);
  assert.is(k.tpmParseUnseal(IN, response.length, OUT, 9), -1, "no room");
  write(IN, hex("8002 0000000a 0000099d"));   // TPM_RC_POLICY_FAIL, session 1
  assert.is(k.tpmParseUnseal(IN, 10, OUT, 64), -1);
});

test.run();
