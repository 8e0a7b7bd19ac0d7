// attest.ts — the verifier's side of GET /api/attestation: checks what a running
// AIOS says it booted against what a build says it should have.
//   npx tsx tools/attest.ts [http://127.0.0.1:9000] [--elf build/aios.elf]
// A fresh random nonce goes with the request. The answer must carry:
//   - the boot identity key's ML-DSA-65 signature (context "AIOS attestation v1")
//     over the whole measurement log followed by that nonce;
//   - a log whose entries are exactly the image's: the kernel's text, read-only
//     data and signed-record table (.modsig) and its own record, then one entry
//     per module record checked (none refused), each SHA-256 equal to what the ELF
//     gives; the module public key equal to the one the image was signed with;
//   - with a TPM, a quote of PCR 10 over the same nonce (tools/tpmquote.ts: the
//     TPM's P-256 signature, the nonce, the PCR digest) whose PCR value is the
//     log's replay (PCR := SHA-256(PCR || entry digest), from zeros).
// Trust: the boot key is vouched for only by the kernel that made it; a TPM
// quote is what ties the log to the machine (see src/kernel/measure/README.md).
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import { elfSections, ENTRY_BYTES, HEADER_BYTES, PUBLIC_KEY_BYTES, RECORD_BYTES } from "./signing.ts";
import { verifyQuote } from "./tpmquote.ts";

export const MEASURE_PCR = 10;
const CONTEXT = new TextEncoder().encode("AIOS attestation v1");
const ENTRY = 64;
const Kind = { KernelText: 1, KernelRodata: 2, ModuleTable: 3, Module: 4, ModuleRefused: 5, KernelRecord: 6 } as const;
const sha256 = (...parts: Uint8Array[]) => { const h = createHash("sha256"); for (const p of parts) h.update(p); return h.digest(); };

export interface Expected {
  modulePublicKey: Buffer;
  kernel: Map<number, Buffer>;            // kind -> digest, for the kernel's four entries
  modules: Map<string, Buffer>;           // module name -> SHA-256 of its record
}

/** What an image's measurement log must hold: from its .modsig section. */
export function expectedFromImage(elfPath: string): Expected {
  const elf = readFileSync(elfPath);
  const modsig = elfSections(elf).find((s) => s.name === ".modsig");
  if (!modsig) throw new Error(`${elfPath}: no .modsig section (an unsigned image)`);
  const table = elf.subarray(modsig.offset, modsig.offset + modsig.size);
  const count = table.readUInt32LE(8);
  const record = (i: number) => table.subarray(HEADER_BYTES + i * ENTRY_BYTES, HEADER_BYTES + i * ENTRY_BYTES + RECORD_BYTES);
  const nameOf = (r: Buffer) => r.toString("latin1", 8, 40).replace(/\0+$/, "");
  const kernelRecord = record(count - 1);
  if (nameOf(kernelRecord) !== "kernel") throw new Error(`${elfPath}: the last signed record is not the kernel's`);
  const modules = new Map<string, Buffer>();
  for (let i = 0; i < count - 1; i++) modules.set(nameOf(record(i)), sha256(record(i)));
  return {
    modulePublicKey: Buffer.from(table.subarray(24, 24 + PUBLIC_KEY_BYTES)),
    kernel: new Map([
      [Kind.KernelText, Buffer.from(kernelRecord.subarray(112, 144))],
      [Kind.KernelRodata, Buffer.from(kernelRecord.subarray(144, 176))],
      [Kind.ModuleTable, sha256(table)],
      [Kind.KernelRecord, sha256(kernelRecord)],
    ]),
    modules,
  };
}

export interface Answer {
  nonce: string; entries: number; log: string; signature: string; boot_public_key: string; module_public_key: string;
  kernel_verified: boolean; tpm: null | { pcr: number; quote: string };
}

export interface Verdict { entries: number; modules: string[]; tpm: boolean }

/** Checks `answer` for `nonce` against `expected`: the verdict, or a throw naming
 *  the first thing that does not hold. */
export function verifyAttestation(answer: Answer, nonce: Buffer, expected: Expected): Verdict {
  const hex = (s: string, what: string) => { if (typeof s !== "string" || !/^([0-9a-f]{2})*$/.test(s)) throw new Error(`${what}: not hex`); return Buffer.from(s, "hex"); };
  if (!hex(answer.nonce, "nonce").equals(nonce)) throw new Error("the answer is for another nonce (a replay?)");
  const log = hex(answer.log, "log");
  if (log.length !== answer.entries * ENTRY || answer.entries < 4) throw new Error(`log of ${log.length} bytes for ${answer.entries} entries`);
  const bootKey = hex(answer.boot_public_key, "boot key");
  const signed = Buffer.concat([log, nonce]);
  if (!ml_dsa65.verify(hex(answer.signature, "signature"), signed, bootKey, { context: CONTEXT })) {
    throw new Error("the boot key's signature over the log and nonce does not verify");
  }
  if (!hex(answer.module_public_key, "module key").equals(expected.modulePublicKey)) throw new Error("the image was signed with another key");
  if (!answer.kernel_verified) throw new Error("the kernel says its text differs from its signed record");
  const modules: string[] = [];
  let pcr = Buffer.alloc(32);
  for (let i = 0; i < answer.entries; i++) {
    const e = log.subarray(i * ENTRY, (i + 1) * ENTRY);
    const kind = e.readUInt32LE(0);
    const digest = e.subarray(8, 40);
    const name = e.toString("latin1", 40, 64).replace(/\0+$/, "");
    pcr = sha256(pcr, digest);
    if (i < 4) {
      const want = [Kind.KernelText, Kind.KernelRodata, Kind.ModuleTable, Kind.KernelRecord][i];
      if (kind !== want) throw new Error(`entry ${i}: kind ${kind}, expected ${want}`);
      if (!digest.equals(expected.kernel.get(kind)!)) throw new Error(`entry ${i} (${name}): measurement differs from the image's`);
      continue;
    }
    if (kind === Kind.ModuleRefused) throw new Error(`entry ${i}: module ${name} was refused at boot (tampered)`);
    if (kind !== Kind.Module) throw new Error(`entry ${i}: unknown kind ${kind}`);
    const want = expected.modules.get(name);
    if (!want) throw new Error(`entry ${i}: module ${name} is not in the image`);
    if (!digest.equals(want)) throw new Error(`entry ${i}: module ${name}'s record differs from the image's`);
    modules.push(name);
  }
  if (answer.tpm) {
    if (answer.tpm.pcr !== MEASURE_PCR) throw new Error(`quote of PCR ${answer.tpm.pcr}, expected ${MEASURE_PCR}`);
    verifyQuote(hex(answer.tpm.quote, "quote"), nonce, new Map([[MEASURE_PCR, pcr]]));   // throws when it does not hold
  }
  return { entries: answer.entries, modules, tpm: answer.tpm !== null };
}

/** Asks `base` for an attestation with a fresh nonce and checks it. */
export async function attest(base: string, elfPath: string): Promise<Verdict> {
  const nonce = randomBytes(32);
  const response = await fetch(`${base}/api/attestation?nonce=${nonce.toString("hex")}`);
  if (!response.ok) throw new Error(`${base}/api/attestation answered ${response.status}: ${await response.text()}`);
  return verifyAttestation(await response.json() as Answer, nonce, expectedFromImage(elfPath));
}

if (process.argv[1]?.endsWith("attest.ts")) {
  const args = process.argv.slice(2);
  const elfAt = args.indexOf("--elf");
  const elf = elfAt >= 0 ? args[elfAt + 1] : "build/aios.elf";
  const base = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--elf") ?? "http://127.0.0.1:9000";
  attest(base, elf).then((v) => {
    console.log(`attestation verified: ${v.entries} measurements (kernel, ${v.modules.length} module${v.modules.length === 1 ? "" : "s"}${v.modules.length ? ": " + v.modules.join(", ") : ""}), ${v.tpm ? "TPM quote of PCR 10 verified" : "no TPM: signed by the boot identity key only"}`);
  }).catch((error) => { console.error(`attestation FAILED: ${error.message}`); process.exit(1); });
}
