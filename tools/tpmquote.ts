// tpmquote.ts — the verifier's side of a TPM 2.0 quote, with Node's crypto: parses
// what the kernel's tpm.quote() writes (three parts, each a big-endian u16 length
// and the bytes: the attestation key's TPMT_PUBLIC, the TPMS_ATTEST the TPM
// signed, the TPMT_SIGNATURE) and checks it. Layouts are TPM 2.0 Library Part 2:
// TPMT_PUBLIC 12.2.4, TPMS_ATTEST 10.12.12, TPMS_QUOTE_INFO 10.12.4,
// TPMT_SIGNATURE 11.3.4; names and qualified names Part 1, 16.
import { createHash, createPublicKey, verify } from "node:crypto";

const ALG_SHA256 = 0x000b, ALG_NULL = 0x0010, ALG_ECDSA = 0x0018, ALG_ECC = 0x0023, ECC_NIST_P256 = 0x0003;
const GENERATED_VALUE = 0xff544347, ST_ATTEST_QUOTE = 0x8018;
const RH_ENDORSEMENT = 0x4000000b;
const OBJECT_RESTRICTED = 1 << 16, OBJECT_SIGN = 1 << 18, OBJECT_FIXED_TPM = 1 << 1;

const sha256 = (...parts: Uint8Array[]) => { const h = createHash("sha256"); for (const p of parts) h.update(p); return h.digest(); };

/** A cursor over big-endian TPM structures that throws past the end. */
class Reader {
  offset = 0;
  constructor(readonly bytes: Buffer) {}
  private need(n: number) { if (this.offset + n > this.bytes.length) throw new Error(`truncated at ${this.offset} (+${n} of ${this.bytes.length})`); }
  u8() { this.need(1); return this.bytes[this.offset++]; }
  u16() { this.need(2); const v = this.bytes.readUInt16BE(this.offset); this.offset += 2; return v; }
  u32() { this.need(4); const v = this.bytes.readUInt32BE(this.offset); this.offset += 4; return v; }
  u64() { this.need(8); const v = this.bytes.readBigUInt64BE(this.offset); this.offset += 8; return v; }
  take(n: number) { this.need(n); const v = this.bytes.subarray(this.offset, this.offset + n); this.offset += n; return v; }
  sized() { return this.take(this.u16()); }      // a TPM2B: u16 size, then the bytes
  done() { return this.offset === this.bytes.length; }
}

export interface QuoteParts { publicArea: Buffer; attest: Buffer; signature: Buffer }

export function splitQuote(blob: Buffer): QuoteParts {
  const r = new Reader(blob);
  const parts = { publicArea: r.sized(), attest: r.sized(), signature: r.sized() };
  if (!r.done()) throw new Error("bytes after the signature");
  return parts;
}

export interface AttestationKey { attributes: number; x: Buffer; y: Buffer; name: Buffer }

export function parsePublic(publicArea: Buffer): AttestationKey {
  const r = new Reader(publicArea);
  if (r.u16() !== ALG_ECC) throw new Error("not an ECC key");
  const nameAlg = r.u16();
  if (nameAlg !== ALG_SHA256) throw new Error("nameAlg is not SHA-256");
  const attributes = r.u32();
  r.sized();                                               // authPolicy
  if (r.u16() !== ALG_NULL) throw new Error("a signing key with a symmetric algorithm");
  if (r.u16() !== ALG_ECDSA || r.u16() !== ALG_SHA256) throw new Error("scheme is not ECDSA with SHA-256");
  if (r.u16() !== ECC_NIST_P256) throw new Error("curve is not NIST P-256");
  if (r.u16() !== ALG_NULL) throw new Error("a kdf on a signing key");
  const x = r.sized(), y = r.sized();
  if (!r.done()) throw new Error("bytes after the public point");
  // Name = nameAlg || H(TPMT_PUBLIC) (Part 1, 16)
  const name = Buffer.concat([Buffer.from([nameAlg >> 8, nameAlg & 0xff]), sha256(publicArea)]);
  return { attributes, x, y, name };
}

export interface Attestation {
  qualifiedSigner: Buffer; extraData: Buffer; clock: bigint; resetCount: number; restartCount: number; safe: number;
  firmwareVersion: bigint; pcrBanks: { hash: number; pcrs: number[] }[]; pcrDigest: Buffer;
}

export function parseAttest(attest: Buffer): Attestation {
  const r = new Reader(attest);
  if (r.u32() !== GENERATED_VALUE) throw new Error("magic is not TPM_GENERATED_VALUE: not made by a TPM");
  if (r.u16() !== ST_ATTEST_QUOTE) throw new Error("not a quote");
  const qualifiedSigner = r.sized(), extraData = r.sized();
  const clock = r.u64(), resetCount = r.u32(), restartCount = r.u32(), safe = r.u8();
  const firmwareVersion = r.u64();
  const pcrBanks: { hash: number; pcrs: number[] }[] = [];
  for (let banks = r.u32(); banks > 0; banks--) {
    const hash = r.u16();
    const select = r.take(r.u8());
    const pcrs: number[] = [];
    select.forEach((byte, i) => { for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) pcrs.push(i * 8 + bit); });
    pcrBanks.push({ hash, pcrs });
  }
  const pcrDigest = r.sized();
  if (!r.done()) throw new Error("bytes after the PCR digest");
  return { qualifiedSigner, extraData, clock, resetCount, restartCount, safe, firmwareVersion, pcrBanks, pcrDigest };
}

/** r || s, each left-padded to 32 bytes, from an ECDSA TPMT_SIGNATURE. */
export function parseSignature(signature: Buffer): Buffer {
  const r = new Reader(signature);
  if (r.u16() !== ALG_ECDSA || r.u16() !== ALG_SHA256) throw new Error("not an ECDSA/SHA-256 signature");
  const sigR = r.sized(), sigS = r.sized();
  if (!r.done() || sigR.length > 32 || sigS.length > 32) throw new Error("malformed ECDSA signature");
  const pad = (v: Buffer) => Buffer.concat([Buffer.alloc(32 - v.length), v]);
  return Buffer.concat([pad(sigR), pad(sigS)]);
}

export interface QuoteCheck { key: AttestationKey; attestation: Attestation }

/** Verifies a quote blob against the nonce the verifier chose and the PCR values
 *  it expects (in PCR order, SHA-256 bank); throws with the reason on any mismatch. */
export function verifyQuote(blob: Buffer, nonce: Buffer, pcrValues: Map<number, Buffer>): QuoteCheck {
  const parts = splitQuote(blob);
  const key = parsePublic(parts.publicArea);
  const wanted = OBJECT_FIXED_TPM | OBJECT_RESTRICTED | OBJECT_SIGN;
  if ((key.attributes & wanted) !== wanted) throw new Error("the key is not a fixed, restricted signing key");
  const attestation = parseAttest(parts.attest);
  if (!attestation.extraData.equals(nonce)) throw new Error("the quote is not over this nonce");
  // a primary key's qualified name: H(hierarchy handle || Name) (Part 1, 16)
  const handle = Buffer.alloc(4); handle.writeUInt32BE(RH_ENDORSEMENT);
  const qualified = Buffer.concat([key.name.subarray(0, 2), sha256(handle, key.name)]);
  if (!attestation.qualifiedSigner.equals(qualified)) throw new Error("the signer is not this key (qualified name differs)");
  const pcrs = [...pcrValues.keys()].sort((a, b) => a - b);
  if (attestation.pcrBanks.length !== 1 || attestation.pcrBanks[0].hash !== ALG_SHA256 || attestation.pcrBanks[0].pcrs.join() !== pcrs.join()) {
    throw new Error(`the quote selects other PCRs: ${JSON.stringify(attestation.pcrBanks)}`);
  }
  if (!attestation.pcrDigest.equals(sha256(...pcrs.map((p) => pcrValues.get(p)!)))) throw new Error("the PCR digest differs from the PCR values");
  const publicKey = createPublicKey({ key: { kty: "EC", crv: "P-256", x: key.x.toString("base64url"), y: key.y.toString("base64url") }, format: "jwk" });
  if (!verify("sha256", parts.attest, { key: publicKey, dsaEncoding: "ieee-p1363" }, parseSignature(parts.signature))) {
    throw new Error("the signature does not verify");
  }
  return { key, attestation };
}
