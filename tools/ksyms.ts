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
