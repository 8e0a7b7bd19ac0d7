// signing.ts — signed module records for the image (issue 9). The build keeps an
// ML-DSA-65 key pair in a file the user controls (keys/aios-dev.key, made on the
// first build; AIOS_SIGNING_KEY names another), and for every service module
// linked into the ELF writes a fixed-size record — its name, version, the
// SHA-256 of its wasm, and the address range and SHA-256 of the module's own
// machine code (.text) and read-only data (.rodata, wasm2c's data segments) as
// linked — signed with that key. The kernel (src/kernel/measure) hashes those
// ranges again at boot and verifies the signature before it instantiates the
// module.
//
// The records live in the ELF section .modsig (linker/modsig.S, sized here
// before the link, filled after it: its size never changes, so nothing moves),
// laid out as below; every integer little-endian.
//
//   header   magic "AIOSSIG1" | count u32 | RECORD_BYTES u32 | SIGNATURE_BYTES u32 | 0 u32 | public key (1952)
//            (HEADER_BYTES in all)
//   entry i  record (RECORD_BYTES) | signature (SIGNATURE_BYTES) | padding to ENTRY_BYTES
//            entry i is module i of build/modules.gen.c's table (aios_modules);
//            the last entry is the kernel's own: name "kernel", its whole .text
//            (every module's code and the generated glue included) and its
//            .rodata up to .modsig
//
//   record   magic "AIOSMOD1" | name, 32 bytes NUL-padded | version u32 | 0 u32 |
//            wasm SHA-256 | text start u64 | text end u64 | rodata start u64 |
//            rodata end u64 | text SHA-256 | rodata SHA-256
//
// The signature is ML-DSA-65 (FIPS 204, pure, hedged) over the record with the
// context string SIGNING_CONTEXT.
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";

export const TABLE_MAGIC = "AIOSSIG1";
export const RECORD_MAGIC = "AIOSMOD1";
export const SIGNING_CONTEXT = "AIOS module v1";
export const NAME_BYTES = 32;
export const PUBLIC_KEY_BYTES = 1952;
export const SIGNATURE_BYTES = 3309;
export const RECORD_BYTES = 8 + NAME_BYTES + 8 + 32 + 32 + 32 + 32;         // 176
export const HEADER_BYTES = 24 + PUBLIC_KEY_BYTES;                          // 1976
export const ENTRY_BYTES = (RECORD_BYTES + SIGNATURE_BYTES + 15) & ~15;     // 3488
export const DEFAULT_KEY = "keys/aios-dev.key";

export const tableBytes = (count: number) => HEADER_BYTES + count * ENTRY_BYTES;

export interface SigningKey { path: string; publicKey: Uint8Array; secretKey: Uint8Array; created: boolean }

/**
 * The signing key at `path` (AIOS_SIGNING_KEY, else keys/aios-dev.key): a file
 * holding the 32-byte ML-DSA-65 key-generation seed in hex, from which the key
 * pair is derived. Made on first use (mode 0600), with the public key beside it
 * (<path without .key>.pub, hex) for anyone who checks an image.
 */
export function signingKey(path = process.env.AIOS_SIGNING_KEY || DEFAULT_KEY): SigningKey {
  let created = false;
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, randomBytes(32).toString("hex") + "\n", { mode: 0o600 });
    chmodSync(path, 0o600);
    created = true;
  }
  const seed = Buffer.from(readFileSync(path, "utf8").trim(), "hex");
  if (seed.length !== 32) throw new Error(`${path}: not an AIOS signing key (64 hex digits, an ML-DSA-65 key-generation seed)`);
  const { publicKey, secretKey } = ml_dsa65.keygen(seed);
  const pub = path.replace(/\.key$/, "") + ".pub";
  const pubText = Buffer.from(publicKey).toString("hex") + "\n";
  if (!existsSync(pub) || readFileSync(pub, "utf8") !== pubText) writeFileSync(pub, pubText);
  return { path, publicKey, secretKey, created };
}

export interface ModuleRecord {
  name: string; version: number; wasmSha256: Uint8Array;
  textStart: bigint; textEnd: bigint; rodataStart: bigint; rodataEnd: bigint;
  textSha256: Uint8Array; rodataSha256: Uint8Array;
}

export const sha256 = (data: Uint8Array) => new Uint8Array(createHash("sha256").update(data).digest());

export function encodeRecord(r: ModuleRecord): Uint8Array {
  const out = Buffer.alloc(RECORD_BYTES);
  out.write(RECORD_MAGIC, 0, "latin1");
  if (Buffer.byteLength(r.name) >= NAME_BYTES) throw new Error(`module name ${r.name} too long for a signed record`);
  out.write(r.name, 8, "latin1");
  out.writeUInt32LE(r.version, 40);
  out.set(r.wasmSha256, 48);
  out.writeBigUInt64LE(r.textStart, 80);
  out.writeBigUInt64LE(r.textEnd, 88);
  out.writeBigUInt64LE(r.rodataStart, 96);
  out.writeBigUInt64LE(r.rodataEnd, 104);
  out.set(r.textSha256, 112);
  out.set(r.rodataSha256, 144);
  return new Uint8Array(out);
}

export function signRecord(record: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ml_dsa65.sign(record, secretKey, { context: new TextEncoder().encode(SIGNING_CONTEXT) });
}

/** The table with the public key and `count` empty entries: what the first link carries. */
export function emptyTable(count: number, publicKey: Uint8Array): Buffer {
  const table = Buffer.alloc(tableBytes(count));
  table.write(TABLE_MAGIC, 0, "latin1");
  table.writeUInt32LE(count, 8);
  table.writeUInt32LE(RECORD_BYTES, 12);
  table.writeUInt32LE(SIGNATURE_BYTES, 16);
  table.set(publicKey, 24);
  return table;
}

export function fillEntry(table: Buffer, index: number, record: Uint8Array, signature: Uint8Array): void {
  const at = HEADER_BYTES + index * ENTRY_BYTES;
  table.set(record, at);
  table.set(signature, at + RECORD_BYTES);
}

// ---- the linked ELF (ELF-64 little-endian: the section headers and symbols we need)

interface Section { name: string; address: bigint; offset: number; size: number }

export function elfSections(elf: Buffer): Section[] {
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a), shnum = elf.readUInt16LE(0x3c), shstrndx = elf.readUInt16LE(0x3e);
  const header = (i: number) => {
    const at = shoff + i * shentsize;
    return { nameAt: elf.readUInt32LE(at), address: elf.readBigUInt64LE(at + 0x10), offset: Number(elf.readBigUInt64LE(at + 0x18)), size: Number(elf.readBigUInt64LE(at + 0x20)) };
  };
  const strings = header(shstrndx);
  const nameOf = (at: number) => { let end = strings.offset + at; while (elf[end] !== 0) end++; return elf.toString("latin1", strings.offset + at, end); };
  return Array.from({ length: shnum }, (_, i) => { const h = header(i); return { name: nameOf(h.nameAt), address: h.address, offset: h.offset, size: h.size }; });
}

/** The loadable segments (PT_LOAD): what the boot loader copies from the file, byte for byte. */
export function elfSegments(elf: Buffer): Section[] {
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36), phnum = elf.readUInt16LE(0x38);
  const PT_LOAD = 1;
  return Array.from({ length: phnum }, (_, i) => phoff + i * phentsize)
    .filter((at) => elf.readUInt32LE(at) === PT_LOAD)
    .map((at) => ({ name: "", offset: Number(elf.readBigUInt64LE(at + 0x08)), address: elf.readBigUInt64LE(at + 0x10), size: Number(elf.readBigUInt64LE(at + 0x20)) }));
}

/** The bytes the kernel finds at [start, end) (kernel virtual addresses) once
 *  loaded: the file bytes of the loadable segment holding them. (The sections
 *  argument is unused, kept for the callers' symmetry.) */
export function bytesAt(elf: Buffer, _sections: Section[], start: bigint, end: bigint): Buffer {
  if (end === start) return Buffer.alloc(0);
  const s = elfSegments(elf).find((x) => x.size > 0 && start >= x.address && end <= x.address + BigInt(x.size));
  if (!s) throw new Error(`no loadable segment holds 0x${start.toString(16)}-0x${end.toString(16)}`);
  const at = s.offset + Number(start - s.address);
  return elf.subarray(at, at + Number(end - start));
}

/** The linker script lines that put each module's own .text and .rodata in a
 *  range of their own (build/modules-*.ld, INCLUDEd by linker/kernel.ld), with
 *  symbols __aios_module_{text,rodata}_{start,end}_<name> around it. */
export function linkerFragments(objects: { name: string; object: string }[]): { text: string; rodata: string } {
  const part = (kind: "text" | "rodata") => objects.map(({ name, object }) => [
    `. = ALIGN(16);`,
    `__aios_module_${kind}_start_${name} = .;`,
    kind === "text" ? `${object}(.text .text.* .text.unlikely .text.unlikely.*)` : `${object}(.rodata .rodata.*)`,
    `__aios_module_${kind}_end_${name} = .;`,
  ].join("\n")).join("\n") + "\n";
  return { text: part("text"), rodata: part("rodata") };
}

/**
 * Fills the .modsig section of the linked `elfPath` in place: for each module
 * (in the order of the module table), then for the kernel, its record from the
 * bytes linked in its ranges (the symbols come from `nm` of the same ELF),
 * signed. Returns the records.
 */
export function signImage(elfPath: string, symbols: Map<string, bigint>, modules: { name: string; version: number; wasm: string }[],
  kernel: { name: string; version: number; wasm: string }, key: SigningKey): ModuleRecord[] {
  const elf = readFileSync(elfPath);
  const sections = elfSections(elf);
  const modsig = sections.find((s) => s.name === ".modsig");
  if (!modsig || modsig.size !== tableBytes(modules.length + 1)) throw new Error(`${elfPath}: .modsig missing or of the wrong size`);
  const table = emptyTable(modules.length + 1, key.publicKey);
  const entries = [...modules.map((m) => ({ ...m, symbol: (kind: string, edge: string) => `__aios_module_${kind}_${edge}_${m.name}` })),
    { ...kernel, symbol: (kind: string, edge: string) => kind === "text" ? `__text_${edge}` : edge === "start" ? "__rodata_start" : "__modsig_start" }];
  const records = entries.map((m, i) => {
    const symbol = (kind: string, edge: string) => {
      const value = symbols.get(m.symbol(kind, edge));
      if (value === undefined) throw new Error(`${elfPath}: no symbol ${m.symbol(kind, edge)}`);
      return value;
    };
    const textStart = symbol("text", "start"), textEnd = symbol("text", "end");
    const rodataStart = symbol("rodata", "start"), rodataEnd = symbol("rodata", "end");
    const record: ModuleRecord = {
      name: m.name, version: m.version, wasmSha256: sha256(readFileSync(m.wasm)),
      textStart, textEnd, rodataStart, rodataEnd,
      textSha256: sha256(bytesAt(elf, sections, textStart, textEnd)),
      rodataSha256: sha256(bytesAt(elf, sections, rodataStart, rodataEnd)),
    };
    const encoded = encodeRecord(record);
    fillEntry(table, i, encoded, signRecord(encoded, key.secretKey));
    return record;
  });
  table.copy(elf, modsig.offset);
  writeFileSync(elfPath, elf);
  return records;
}

/** A copy of `elfPath` at `output` with one byte of module `name`'s code
 *  (`what` "code") or signature (`what` "signature") flipped: for the test that
 *  the kernel refuses such a module and boots the rest. */
export function tamperedCopy(elfPath: string, output: string, index: number, what: "code" | "signature"): void {
  const elf = readFileSync(elfPath);
  const sections = elfSections(elf);
  const modsig = sections.find((s) => s.name === ".modsig")!;
  const entry = modsig.offset + HEADER_BYTES + index * ENTRY_BYTES;
  if (what === "signature") {
    elf[entry + RECORD_BYTES + 100] ^= 0x01;
  } else {
    const start = elf.readBigUInt64LE(entry + 80), end = elf.readBigUInt64LE(entry + 88);
    const code = bytesAt(elf, sections, start, end);
    code[Math.floor(code.length / 2)] ^= 0x01;         // a view into elf: flips it there
  }
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, elf);
}

/** A version "a.b.c" as a record's u32: a << 16 | b << 8 | c. */
export function versionNumber(text: string): number {
  const [a, b, c] = text.split(".").map(Number);
  return ((a << 16) | (b << 8) | c) >>> 0;
}
