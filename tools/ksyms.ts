// ksyms.ts — turns `nm -n -S --defined-only` output into the binary symbol table
// the kernel reads (layout in src/kernel/symbols.ts):
//   u32 "KSYM" | u32 count | count × { u64 address, u32 size, u32 name offset } | names\0
export const KSYM_MAGIC = 0x4d59534b;

export interface Symbol { address: bigint; size: number; name: string }

/** Keeps text symbols (t/T/W), sorted by address, one per address. */
export function parseNm(output: string): Symbol[] {
  const symbols: Symbol[] = [];
  for (const row of output.split("\n")) {
    const parts = row.trim().split(/\s+/);
    if (parts.length < 3) continue;
    const hasSize = parts.length >= 4;
    const type = hasSize ? parts[2] : parts[1];
    const name = hasSize ? parts[3] : parts[2];
    if (!/^[tTwW]$/.test(type)) continue;
    symbols.push({ address: BigInt("0x" + parts[0]), size: hasSize ? parseInt(parts[1], 16) : 0, name });
  }
  symbols.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return symbols.filter((s, i) => i === 0 || s.address !== symbols[i - 1].address);
}

export function encode(symbols: Symbol[]): Buffer {
  const names: Buffer[] = [];
  let nameBytes = 0;
  const entries = Buffer.alloc(16 * symbols.length);
  symbols.forEach((s, i) => {
    entries.writeBigUInt64LE(s.address, i * 16);
    entries.writeUInt32LE(Math.min(s.size, 0xffffffff), i * 16 + 8);
    entries.writeUInt32LE(nameBytes, i * 16 + 12);
    const name = Buffer.from(s.name + "\0", "latin1");
    names.push(name);
    nameBytes += name.length;
  });
  const header = Buffer.alloc(8);
  header.writeUInt32LE(KSYM_MAGIC, 0);
  header.writeUInt32LE(symbols.length, 4);
  return Buffer.concat([header, entries, ...names]);
}

/** Function names from a wasm module's "name" custom section (subsection 1). */
export function wasmFunctionNames(wasm: Uint8Array): string[] {
  let at = 8;
  const leb = (): number => {
    let result = 0, shift = 0, byte: number;
    do { byte = wasm[at++]; result += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    return result;
  };
  const text = (length: number) => Buffer.from(wasm.subarray(at, (at += length))).toString("utf8");
  const names: string[] = [];
  while (at < wasm.length) {
    const id = wasm[at++];
    const size = leb();
    const end = at + size;
    if (id === 0 && text(leb()) === "name") {
      while (at < end) {
        const sub = wasm[at++];
        const subSize = leb();
        const subEnd = at + subSize;
        if (sub === 1) {
          for (let count = leb(); count > 0; count--) { leb(); names.push(text(leb())); }
        }
        at = subEnd;
      }
    }
    at = end;
  }
  return names;
}

/** wasm2c 1.0.32 names a function "w2c_" + its wasm name with every other character as "_". */
export function wasm2cName(name: string): string {
  return "w2c_" + name.replace(/[^A-Za-z0-9_]/g, "_");
}

/** Replaces wasm2c's mangled names by the AssemblyScript ones where that is unambiguous. */
export function demangleWith(symbols: Symbol[], wasmNames: string[]): Symbol[] {
  const byMangled = new Map<string, string | null>();
  for (const name of wasmNames) {
    const mangled = wasm2cName(name);
    byMangled.set(mangled, byMangled.has(mangled) ? null : name);
  }
  return symbols.map((s) => {
    const base = s.name.replace(/\.(cold|part\.\d+|isra\.\d+|constprop\.\d+)$/, "");
    const original = byMangled.get(base);
    return original ? { ...s, name: original + s.name.slice(base.length) } : s;
  });
}
