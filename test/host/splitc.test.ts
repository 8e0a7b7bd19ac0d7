// Splitting wasm2c's output: every wasm function ends up in exactly one unit,
// loses `static`, the function-type table is defined once, and the data and
// initialisation stay in the first unit.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { splitC } from "../../tools/splitc.ts";

const SOURCE = [
  "#include \"kernel.h\"",
  "static u32 func_types[3];",
  "static void init_func_types(void) {",
  "}",
  "static u32 w2c_a(Z_kernel_instance_t*, u32);",
  "static void w2c_b(Z_kernel_instance_t*);",
  "static void w2c_c(Z_kernel_instance_t*);",
  "static const u8 data_segment_data_0[] = { 1, 2 };",
  "static void init_memories(Z_kernel_instance_t* instance) {",
  "}",
  "static u32 w2c_a(Z_kernel_instance_t* instance, u32 w2c_p0) {",
  "  return w2c_p0;",
  "}",
  "static void w2c_b(Z_kernel_instance_t* instance) {",
  "  w2c_c(instance);",
  "}",
  "static void w2c_c(Z_kernel_instance_t* instance) {",
  "}",
  "void Z_kernelZ_run(Z_kernel_instance_t* instance) {",
  "  w2c_b(instance);",
  "}",
].join("\n");

test("two units, each function once, shared declarations", () => {
  const [first, second] = splitC(SOURCE, 2, 0.2);
  const defined = (unit: string) => [...unit.matchAll(/^(?:[\w ]+?) (w2c_\w+)\(.*\) \{$/gm)].map((m) => m[1]);
  assert.equal([...defined(first), ...defined(second)].sort(), ["w2c_a", "w2c_b", "w2c_c"]);
  assert.not.match(first + second, /^static [\w ]+ w2c_/m, "no wasm function stays static");
  assert.match(first, /^u32 func_types\[3\];$/m);
  assert.match(second, /^extern u32 func_types\[3\];$/m);
  assert.match(first, /data_segment_data_0/);
  assert.not.match(second, /data_segment_data_0|init_memories|Z_kernelZ_run/);
  assert.match(first, /Z_kernelZ_run/);
  assert.match(second, /^void w2c_b\(Z_kernel_instance_t\*\);$/m, "prototypes in every unit");
});

test("one part, or no wasm functions: unchanged", () => {
  assert.equal(splitC(SOURCE, 1), [SOURCE]);
  assert.equal(splitC("int x;", 2), ["int x;"]);
});

test("a signature wasm2c wrapped over two lines loses `static` too (regression: ten-parameter functions)", () => {
  const wrapped = SOURCE.replace(
    "static u32 w2c_a(Z_kernel_instance_t* instance, u32 w2c_p0) {",
    "static u32 w2c_a(Z_kernel_instance_t* instance, \n    u32 w2c_p0) {",
  );
  const units = splitC(wrapped, 2, 0.5);
  const all = units.join("\n");
  assert.not.match(all, /static u32 w2c_a\(Z_kernel_instance_t\* instance/);
  assert.match(all, /^u32 w2c_a\(Z_kernel_instance_t\* instance, u32 w2c_p0\) \{$/m);
});

test.run();
