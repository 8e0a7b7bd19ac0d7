// Code-shape rules that keep the layering true (CONVENTIONS.md 1 and 2):
// hal never imports kernel; src/lib imports nothing outside itself; only
// src/hal/primitives.ts declares @external imports;
// the reported version is package.json's.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { boot } from "./fakehal.ts";

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []);
}

const imports = (file: string) => [...readFileSync(file, "utf8").matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]);

test("hal imports only hal and abi", () => {
  for (const file of files("src/hal")) {
    for (const spec of imports(file)) assert.not.match(spec, /kernel|services/, `${file} imports ${spec}`);
  }
});

test("abi imports nothing", () => {
  for (const file of files("src/abi")) {
    for (const spec of imports(file)) assert.ok(spec.startsWith("./"), `${file} imports ${spec}`);
  }
});

test("src/lib (code both the kernel and services compile in) imports only itself and declares no @external", () => {
  for (const file of files("src/lib")) {
    for (const spec of imports(file)) assert.ok(spec.startsWith("./"), `${file} imports ${spec}`);
    assert.not.match(readFileSync(file, "utf8"), /@external\(/, file);
  }
});

test("in the kernel, only src/hal/primitives.ts declares @external", () => {
  for (const file of [...files("src/kernel"), ...files("src/hal"), ...files("src/abi")]) {
    if (file === join("src", "hal", "primitives.ts")) continue;
    assert.not.match(readFileSync(file, "utf8"), /@external\(/, file);
  }
});

test("services declare only imports of the kernel ABI (\"aios\"), never hal", () => {
  for (const file of files("src/services")) {
    for (const m of readFileSync(file, "utf8").matchAll(/@external\("([^"]+)"/g)) assert.is(m[1], "aios", file);
    for (const spec of imports(file)) assert.not.match(spec, /hal|kernel/, `${file} imports ${spec}`);
  }
});

test("kernel files reach other folders only through their index", () => {
  for (const file of files("src/kernel")) {
    for (const spec of imports(file)) {
      if (/\.\.\/(\.\.\/)?hal\/./.test(spec)) assert.unreachable(`${file} imports ${spec}, not the hal index`);
    }
  }
});

test("the kernel reports package.json's version", () => {
  const { k, line } = boot();
  k.versionString();
  assert.is(line(), JSON.parse(readFileSync("package.json", "utf8")).version);
});

test.run();
