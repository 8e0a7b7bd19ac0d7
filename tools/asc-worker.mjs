// asc-worker.mjs — compiles AssemblyScript modules in one plain Node process.
// Plain JavaScript on purpose: under the tsx loader, loading the compiler (and
// Binaryen inside it) takes seconds longer than the compile itself.
//   node tools/asc-worker.mjs '[{"entry": "...", "output": "...", "flags": [...]}, ...]'
import asc from "assemblyscript/asc";

const modules = JSON.parse(process.argv[2]);
let failed = false;
for (const module of modules) {
  const { error, stderr } = await asc.main([module.entry, ...module.flags, "-o", module.output], {});
  if (error) {
    process.stderr.write(`asc failed for ${module.entry}:\n${stderr.toString()}\n`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
