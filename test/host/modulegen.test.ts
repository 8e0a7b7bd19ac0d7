// The module model at build time: a manifest may name only ABI functions, and a
// module whose wasm imports more than its manifest allows is refused; the ABI
// stubs call the kernel's own functions when wasm2c's exports only forward.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkAgainstManifest, generate, kernelForwarders, readManifest } from "../../tools/modulegen.ts";

// A module that imports aios.log and exports f, assembled by wabt's wat2wasm.
const WAT = `(module (import "aios" "log" (func (param i32 i32))) (memory (export "memory") 1) (func (export "f") (result i32) i32.const 1))`;
const WASM = (() => {
  const dir = mkdtempSync(join(tmpdir(), "aios-wat-"));
  writeFileSync(join(dir, "m.wat"), WAT);
  execFileSync("wat2wasm", [join(dir, "m.wat"), "-o", join(dir, "m.wasm")]);
  return readFileSync(join(dir, "m.wasm"));
})();

function manifest(text: object) {
  const dir = mkdtempSync(join(tmpdir(), "aios-manifest-"));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(text));
  writeFileSync(join(dir, "m.wasm"), WASM);
  return { path: join(dir, "manifest.json"), wasm: join(dir, "m.wasm") };
}

test("the fixture wasm is what it says", () => {
  const module = new WebAssembly.Module(WASM);
  assert.equal(WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`), ["aios.log"]);
});

test("a manifest naming something outside the ABI is refused", () => {
  const m = manifest({ name: "m", version: 1, imports: ["aios.format_disk"], exports: { f: 0 } });
  assert.throws(() => readManifest(m.path), /aios.format_disk' is not in the kernel ABI/);
  const n = manifest({ name: "m", version: 1, imports: ["env.abort"], exports: { f: 0 } });
  assert.throws(() => readManifest(n.path), /not in the kernel ABI/);
});

test("a module importing what its manifest does not allow is refused", () => {
  const m = manifest({ name: "m", version: 1, imports: [], exports: { f: 0 } });
  const parsed = readManifest(m.path);
  assert.throws(() => checkAgainstManifest({ name: "m", manifest: parsed, wasm: m.wasm }), /imports aios.log, which its manifest does not allow/);
});

test("an allowed module binds: one stub per import, exports in manifest order", () => {
  const m = manifest({ name: "m", version: 3, imports: ["aios.log"], exports: { f: 0 } });
  const parsed = readManifest(m.path);
  checkAgainstManifest({ name: "m", manifest: parsed, wasm: m.wasm });
  const c = generate([{ name: "m", manifest: parsed, wasm: m.wasm }], [{ name: "m", manifest: parsed }]);
  assert.match(c, /void Z_aiosZ_log\(struct Z_aios_instance_t \*caller, u32 a0, u32 a1\)/);
  assert.match(c, /case 0: return \(u32\)Z_mZ_f\(\(Z_m_instance_t \*\)instance\);/);
  assert.match(c, /\{ "m", "m", 3, sizeof\(Z_m_instance_t\)/, "name, family (the name by default), version");
  assert.not.match(c, /Z_aiosZ_clock_ns/);
});

// What wasm2c 1.0.32 writes for the kernel's exports: forwarders, and others.
const KERNEL_C = `
/* export: 'abiLog' */
void Z_kernelZ_abiLog(Z_kernel_instance_t* instance, u32 w2c_p0, u32 w2c_p1, u32 w2c_p2) {
  return w2c_src_kernel_index_abiLog(instance, w2c_p0, w2c_p1, w2c_p2);
}

/* export: 'abiBlockRead' */
u32 Z_kernelZ_abiBlockRead(Z_kernel_instance_t* instance, u32 w2c_p0, u32 w2c_p1, u64 w2c_p2, u32 w2c_p3, u32 w2c_p4) {
  return w2c_src_kernel_index_abiBlockRead(instance, w2c_p0, w2c_p1, w2c_p2, w2c_p3, w2c_p4);
}

/* export: 'abiClockNs' */
u64 Z_kernelZ_abiClockNs(Z_kernel_instance_t* instance, u32 w2c_p0) {
  return w2c_src_kernel_index_abiClockNs(instance, w2c_p0, w2c_p0);
}

/* export: 'memory' */
wasm_rt_memory_t* Z_kernelZ_memory(Z_kernel_instance_t* instance) {
  return &instance->w2c_memory;
}
`;

test("the kernel's forwarding exports are found with their signatures, and nothing else", () => {
  const found = kernelForwarders(KERNEL_C);
  assert.equal([...found.keys()], ["abiLog", "abiBlockRead"], "abiClockNs does not forward its arguments unchanged; memory is no call");
  assert.equal(found.get("abiBlockRead"), {
    name: "w2c_src_kernel_index_abiBlockRead",
    declaration: "u32 w2c_src_kernel_index_abiBlockRead(Z_kernel_instance_t* instance, u32 w2c_p0, u32 w2c_p1, u64 w2c_p2, u32 w2c_p3, u32 w2c_p4);",
  });
});

test("an ABI stub calls the kernel's function when it is known, else the export", () => {
  const m = manifest({ name: "m", version: 1, imports: ["aios.log"], exports: { f: 0 } });
  const parsed = readManifest(m.path);
  const module = [{ name: "m", manifest: parsed, wasm: m.wasm }];
  const direct = generate(module, [{ name: "m", manifest: parsed }], kernelForwarders(KERNEL_C));
  assert.match(direct, /void w2c_src_kernel_index_abiLog\(Z_kernel_instance_t\* instance, u32 w2c_p0, u32 w2c_p1, u32 w2c_p2\);/);
  assert.match(direct, /_Static_assert\(__builtin_types_compatible_p\(__typeof__\(Z_kernelZ_abiLog\), __typeof__\(w2c_src_kernel_index_abiLog\)\)/);
  assert.match(direct, /\n    w2c_src_kernel_index_abiLog\(&aios_kernel, aios_caller_slot\(caller\), a0, a1\);/);
  assert.match(direct, /PERCPU_UNWIND = 0;[^]*PERCPU_UNWIND = module_target;/, "the kernel runs without the module's unwind target");
  const viaExport = generate(module, [{ name: "m", manifest: parsed }]);
  assert.match(viaExport, /\n    Z_kernelZ_abiLog\(&aios_kernel, aios_caller_slot\(caller\), a0, a1\);/);
  assert.not.match(viaExport, /w2c_/);
});

test("an unlocked ABI call: the kernel's unlocked export inside the capability seqlock, the locked one as fallback", () => {
  const m = manifest({ name: "m", version: 1, imports: ["aios.cap_check"], exports: { f: 0 } });
  const parsed = readManifest(m.path);
  const module = [{ name: "m", manifest: parsed, wasm: m.wasm }];
  const c = generate(module, [{ name: "m", manifest: parsed }]);
  const stub = c.match(/u32 Z_aiosZ_cap_check\([^]*?\n\}/)?.[0] ?? "";
  assert.ok(stub, "a stub for cap_check");
  const order = ["PERCPU_UNWIND = 0;", "aios_caps_read_begin()", "Z_kernelZ_abiCapCheckUnlocked(&aios_kernel, aios_caller_slot(caller), a0, a1)",
    "result == AIOS_ABI_RETRY || !aios_caps_read_valid(version)", "Z_kernelZ_abiCapCheck(&aios_kernel, aios_caller_slot(caller), a0, a1)", "PERCPU_UNWIND = module_target;"];
  let at = -1;
  for (const piece of order) {
    const next = stub.indexOf(piece);
    assert.ok(next > at, `${piece} in order in:\n${stub}`);
    at = next;
  }
  const forwarding = `/* export: 'abiCapCheckUnlocked' */
u32 Z_kernelZ_abiCapCheckUnlocked(Z_kernel_instance_t* instance, u32 w2c_p0, u32 w2c_p1, u32 w2c_p2) {
  return w2c_src_kernel_index_abiCapCheckUnlocked(instance, w2c_p0, w2c_p1, w2c_p2);
}
`;
  const direct = generate(module, [{ name: "m", manifest: parsed }], kernelForwarders(forwarding));
  assert.match(direct, /u32 result = w2c_src_kernel_index_abiCapCheckUnlocked\(&aios_kernel, aios_caller_slot\(caller\), a0, a1\);/);
  assert.match(direct, /_Static_assert\(__builtin_types_compatible_p\(__typeof__\(Z_kernelZ_abiCapCheckUnlocked\)/);
});

test("a manifest export missing from the wasm is refused", () => {
  const m = manifest({ name: "m", version: 1, imports: ["aios.log"], exports: { f: 0, g: 1 } });
  assert.throws(() => checkAgainstManifest({ name: "m", manifest: readManifest(m.path), wasm: m.wasm }), /manifest export g is missing/);
});

test.run();
