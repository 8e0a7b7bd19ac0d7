// attestation.ts — GET /api/attestation?nonce=<hex, up to 64 bytes>: the
// measurement log (src/kernel/measure) with the boot identity key's signature
// over the log followed by the verifier's nonce, the keys a verifier needs, and,
// with a TPM, a quote of PCR 10 (into which every entry was extended) over the
// same nonce. tools/attest.ts checks it against a build's expected measurements.
import { Errno } from "../../abi";
import * as devices from "../devices";
import * as measure from "../measure";
import * as net from "../net";

const nonce = memory.data(<i32>measure.MAX_NONCE_BYTES);
const QUOTE_BYTES: u32 = 2048;
const quote = memory.data(<i32>QUOTE_BYTES);

function hexValue(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30);
  if (c >= 0x61 && c <= 0x66) return <i32>(c - 0x61 + 10);
  if (c >= 0x41 && c <= 0x46) return <i32>(c - 0x41 + 10);
  return -1;
}

/** The nonce from the query (`nonce=` hex): its length in bytes, or -1 when it
 *  is missing, odd, not hex or longer than 64 bytes. */
function readNonce(): i32 {
  if (!net.http.request.queryValue("nonce")) return -1;
  const at = net.http.request.queryValueAt();
  const digits = net.http.request.queryValueBytes();
  if (digits == 0 || (digits & 1) != 0 || <usize>(digits / 2) > measure.MAX_NONCE_BYTES) return -1;
  for (let i: u32 = 0; i < digits; i += 2) {
    const high = hexValue(<u32>load<u8>(at + <usize>i));
    const low = hexValue(<u32>load<u8>(at + <usize>i + 1));
    if (high < 0 || low < 0) return -1;
    store<u8>(nonce + <usize>(i / 2), <u8>((high << 4) | low));
  }
  return <i32>(digits / 2);
}

function error(status: u32, message: string): u32 {
  net.http.json.objectBegin();
  net.http.json.fieldUnsigned("error", status);
  net.http.json.fieldString("message", message);
  net.http.json.objectEnd();
  return status;
}

export function attestation(): u32 {
  const nonceLength = readNonce();
  if (nonceLength < 0) return error(400, "nonce=<hex>, 1 to 64 bytes, is required");
  const attested = measure.attest(nonce, <usize>nonceLength);
  if (attested != Errno.Ok) return error(503, "the measurement log could not be signed");
  const entries = measure.attestedCount();
  const logAt = measure.logAddress();
  net.http.json.objectBegin();
  net.http.json.key("nonce"); net.http.json.hexString(nonce, <u32>nonceLength);
  net.http.json.fieldUnsigned("entries", entries);
  net.http.json.key("log"); net.http.json.hexString(logAt, entries * <u32>measure.ENTRY_SIZE);
  net.http.json.key("signature"); net.http.json.hexString(measure.attestationSignatureAddress(), <u32>measure.SIGNATURE_BYTES);
  net.http.json.key("boot_public_key"); net.http.json.hexString(measure.bootPublicKeyAddress(), <u32>measure.PUBLIC_KEY_BYTES);
  net.http.json.key("module_public_key"); net.http.json.hexString(measure.modulePublicKeyAddress(), <u32>measure.PUBLIC_KEY_BYTES);
  net.http.json.fieldBoolean("kernel_verified", measure.kernelImageVerified());
  net.http.json.key("tpm");
  if (devices.tpm.available() && measure.tpmFailureCount() == 0
    && devices.tpm.quote(nonce, <u32>nonceLength, <u32>1 << measure.MEASURE_PCR, quote, QUOTE_BYTES) == Errno.Ok) {
    net.http.json.objectBegin();
    net.http.json.fieldUnsigned("pcr", measure.MEASURE_PCR);
    net.http.json.key("quote"); net.http.json.hexString(quote, devices.tpm.quoteLength());
    net.http.json.objectEnd();
  } else {
    net.http.json.nullValue();
  }
  net.http.json.objectEnd();
  return 200;
}
