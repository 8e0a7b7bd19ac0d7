// The kernel symbol table: build-side encoding (tools/ksyms.ts) and kernel-side
// lookup (src/kernel/symbols.ts) must agree, and a malformed table names nothing.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot, FakeMachine } from "./fakehal.ts";
import { demangleWith, encode, parseNm, wasm2cName } from "../../tools/ksyms.ts";

const NM = `
ffffffff80100000 0000000000000040 T kernel_entry
ffffffff80100040 0000000000000020 t w2c_src_kernel_log_end
ffffffff80100060 0000000000000010 t w2c_src_kernel_log_end.cold
ffffffff80100080 0000000000000100 T Z_halZ_store64
ffffffff80100200 D some_data
ffffffff80100300 T no_size
`;
const BASE = 0xffff_ffff_9000_0000n;

test("nm output: text symbols only, sorted, with sizes", () => {
  const symbols = parseNm(NM);
  assert.equal(symbols.map((s) => s.name), ["kernel_entry", "w2c_src_kernel_log_end", "w2c_src_kernel_log_end.cold", "Z_halZ_store64", "no_size"]);
  assert.is(symbols[0].size, 0x40);
});

test("wasm2c names map back to AssemblyScript paths", () => {
  assert.is(wasm2cName("src/kernel/log/end"), "w2c_src_kernel_log_end");
  const symbols = demangleWith(parseNm(NM), ["src/kernel/log/end", "~lib/memory/memory.fill"]);
  assert.is(symbols[1].name, "src/kernel/log/end");
  assert.is(symbols[2].name, "src/kernel/log/end.cold");
  assert.is(symbols[3].name, "Z_halZ_store64");
});

function withTable(table: Buffer) {
  const machine = new FakeMachine();
  machine.addVirtual(BASE, table);
  const b = boot(machine);
  return { ...b, ok: b.k.symbolsInit(BASE, BASE + BigInt(table.length)) };
}

test("the kernel finds the containing symbol and its offset", () => {
  const { k, line, ok } = withTable(encode(demangleWith(parseNm(NM), ["src/kernel/log/end"])));
  assert.is(ok, 1);
  k.symbolsLocate(0xffffffff80100010n); assert.is(line(), "kernel_entry+0x10");
  k.symbolsLocate(0xffffffff80100045n); assert.is(line(), "src/kernel/log/end+0x5");
  k.symbolsLocate(0xffffffff8010006fn); assert.is(line(), "src/kernel/log/end.cold+0xf");
  k.symbolsLocate(0xffffffff80100190n); assert.is(line(), "?", "past the symbol's size");
  k.symbolsLocate(0xffffffff80100400n); assert.is(line(), "no_size+0x100");
  k.symbolsLocate(0xffffffff800fffffn); assert.is(line(), "?", "before the first symbol");
});

test("a malformed table is refused", () => {
  const table = encode(parseNm(NM));
  const badMagic = Buffer.from(table); badMagic[0] ^= 0xff;
  assert.is(withTable(badMagic).ok, 0);
  const badCount = Buffer.from(table); badCount.writeUInt32LE(1_000_000, 4);
  assert.is(withTable(badCount).ok, 0);
  assert.is(withTable(Buffer.alloc(4)).ok, 0);
});

test.run();
