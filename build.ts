#!/usr/bin/env zx
// build.ts — the AIOS build: a straight list of named steps, each skipped when its
// inputs are unchanged.
//
//   npx zx build.ts            build/aios.elf
//   npx zx build.ts iso        images/aios.iso (GRUB, BIOS + UEFI)  [--cmdline "..."] [--out path]
//   npx zx build.ts run        build, then boot in QEMU with the serial console here
//                              [--iso] [--uefi] [--cmdline "..."] [--memory 512M] [--smp 2]
//   npx zx build.ts host       the kernel sources compiled for the host tests
//   npx zx build.ts mkfs <image> [--size 64M] [--put dir]   an AIOS file system in a raw image
//   npx zx build.ts fsck <image>                             check it (replays its journal first)
//   npx zx build.ts clean
//
// Pipeline: src/**/*.ts --asc--> build/kernel.wasm --wasm2c--> build/kernel.c
//   --gcc -ffreestanding--> build/obj/*.o  +  asm/*.S --gcc--> build/obj/*.o
//   --ld (twice: the second time with the symbol table)--> build/aios.elf
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { splitC } from "./tools/splitc.ts";
import { closeSync, copyFileSync, existsSync, openSync, truncateSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { compile } from "./tools/asc.ts";
import { demangleWith, encode, parseNm, wasmFunctionNames } from "./tools/ksyms.ts";
import { checkAgainstManifest, generate, kernelForwarders, Manifest, readManifest } from "./tools/modulegen.ts";
import { accelerator, qemuArgs } from "./tools/qemu.ts";
import { linkerFragments, signImage, signingKey, emptyTable, tamperedCopy, versionNumber } from "./tools/signing.ts";
import { hashInputs, step } from "./tools/steps.ts";
import { checkWabtVersion, requireTools } from "./tools/toolchain.ts";

const BUILD = "build";
const OBJ = join(BUILD, "obj");
const ELF = join(BUILD, "aios.elf");
const DEBUG_ELF = join(BUILD, "aios-debug.elf");
const ISO = join("images", "aios.iso");

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

function runAsync(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")} failed:\n${stderr}${stdout}`));
      else resolve();
    });
  });
}

/** Runs `jobs` with at most one per CPU at a time. */
async function parallel(jobs: (() => Promise<unknown>)[]): Promise<void> {
  let next = 0;
  const worker = async () => { while (next < jobs.length) await jobs[next++](); };
  await Promise.all(Array.from({ length: Math.max(1, cpus().length) }, worker));
}

function filesUnder(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, pattern));
    else if (pattern.test(entry.name)) out.push(path);
  }
  return out.sort();
}

const gccInclude = () => execFileSync("gcc", ["-print-file-name=include"]).toString().trim();

const CFLAGS = [
  "-std=gnu11", "-Wall", "-Wno-unused-function", "-Wno-unused-variable", "-Wno-unused-but-set-variable",
  "-ffreestanding", "-nostdinc", "-fno-pie", "-fno-pic", "-mcmodel=kernel", "-mno-red-zone",
  "-fno-stack-protector", "-fno-omit-frame-pointer", "-fno-asynchronous-unwind-tables", "-fcf-protection=none",
  "-fno-math-errno", "-fno-delete-null-pointer-checks",
  // Traces must name the AssemblyScript function: Binaryen already inlined what
  // pays at the wasm level, so gcc keeps each wasm function a function of its own,
  // and every function keeps a frame pointer.
  "-fno-inline-functions", "-fno-inline-small-functions", "-fno-inline-functions-called-once",
  "-fno-ipa-sra", "-fno-optimize-sibling-calls",
  // ...but wasm2c's memory-access helpers (declared inline) must always inline.
  "-Dinline=inline __attribute__((always_inline))",
];

/**
 * The wasm modules linked into the image. The kernel keeps wasm2c's explicit
 * bounds checks (its memory is not in a guarded slot); services rely on guard
 * pages unless AIOS_BOUNDS_CHECKS=1. probe_checked is probe's wasm again, with
 * explicit checks, for the bounds-check benchmark.
 */
interface ModuleBuild { name: string; entry?: string; wasmOf?: string; imports: string[]; boundsChecks: boolean; flags?: string[]; manifest?: Manifest }
const SERVICE_BOUNDS_CHECKS = process.env.AIOS_BOUNDS_CHECKS === "1";
/** AIOS_DEBUG=1: the kernel's debug build (the heap poisons freed objects and checks them). */
const KERNEL_DEBUG_FLAGS = process.env.AIOS_DEBUG === "1" ? ["--use", "HEAP_DEBUG=1"] : [];
// The kernel at -O2: -O3's extra inlining made its wasm half again as large (and
// its C slower to compile) for control code that gains little; services at -O3.
/** Every folder of src/services with a manifest.json is a module (plus its variants). */
function serviceModules(): { build: ModuleBuild[]; manifests: { name: string; manifest: Manifest }[] } {
  const build: ModuleBuild[] = [];
  const manifests: { name: string; manifest: Manifest }[] = [];
  for (const dir of readdirSync("src/services", { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const path = join("src/services", dir, "manifest.json");
    if (!existsSync(path)) continue;
    const manifest = readManifest(path);
    const imports = [...new Set(manifest.imports.map((i) => i.split(".")[0]))];
    build.push({ name: manifest.name, entry: join("src/services", dir, "index.ts"), imports, boundsChecks: SERVICE_BOUNDS_CHECKS, flags: ["-O3"], manifest });
    manifests.push({ name: manifest.name, manifest });
    for (const variant of manifest.variants ?? []) {
      build.push({ name: variant.name, wasmOf: manifest.name, imports, boundsChecks: variant.boundsChecks, manifest });
      manifests.push({ name: variant.name, manifest });
    }
  }
  return { build, manifests };
}
const SERVICES = serviceModules();
const MODULES: ModuleBuild[] = [
  { name: "kernel", entry: "src/kernel/index.ts", imports: ["hal"], boundsChecks: false, flags: ["-O2", ...KERNEL_DEBUG_FLAGS] },
  ...SERVICES.build,
];
const wasmPath = (m: ModuleBuild) => join(BUILD, `${m.wasmOf ?? m.name}.wasm`);
const pendingStamps: [string, string][] = [];
/** Translation units the kernel's generated C is split into (tools/splitc.ts). */
const KERNEL_UNITS = 2;

async function buildElf(): Promise<void> {
  requireTools(["wasm2c", "gcc", "ld", "nm"]);
  checkWabtVersion();
  mkdirSync(OBJ, { recursive: true });
  const sources = filesUnder("src", /\.ts$/);
  const compiled = MODULES.filter((m) => m.entry);

  await step({
    name: "asc modules", inputs: sources, extra: ["asc-flags-1", ...compiled.map((m) => m.name + (m.flags ?? []).join(" "))],
    outputs: compiled.map(wasmPath),
    run: () => {
      // Only the modules whose own sources changed are compiled (all of those in
      // one process): the kernel's are src/kernel, src/hal and src/abi; a
      // service's are its folder and src/abi.
      const stale = compiled.filter((m) => {
        const own = m.name === "kernel"
          ? sources.filter((f) => !f.startsWith("src/services/"))
          : [...sources.filter((f) => f.startsWith("src/abi/") || f.startsWith("src/lib/")), ...filesUnder(dirname(m.entry!), /\.(ts|json)$/)];
        const key = hashInputs(own, [m.name, ...(m.flags ?? [])]);
        const stamp = join(BUILD, ".stamps", `asc-${m.name}.sha256`);
        if (existsSync(stamp) && readFileSync(stamp, "utf8") === key && existsSync(wasmPath(m))) return false;
        pendingStamps.push([stamp, key]);
        return true;
      });
      if (stale.length > 0) {
        compile(...stale.map((m) => ({ entry: m.entry!, output: wasmPath(m), allowedImportModules: m.imports, extraFlags: m.flags })));
      }
      for (const m of compiled) if (m.manifest) checkAgainstManifest({ name: m.name, manifest: m.manifest, wasm: wasmPath(m) });
      mkdirSync(join(BUILD, ".stamps"), { recursive: true });
      for (const [stamp, key] of pendingStamps.splice(0)) writeFileSync(stamp, key);
    },
  });

  for (const m of MODULES) {
    await step({
      name: `wasm2c ${m.name}`, inputs: [wasmPath(m), "tools/splitc.ts"], extra: ["1.0.32", "split-2"],
      outputs: [join(BUILD, `${m.name}.c`), join(BUILD, `${m.name}.h`)],
      run: () => {
        run("wasm2c", [wasmPath(m), "-n", m.name, "-o", join(BUILD, `${m.name}.c`)]);
        if (m.name === "kernel") {
          // one file is a long serial compile; two halves compile side by side
          splitC(readFileSync(join(BUILD, "kernel.c"), "utf8"), KERNEL_UNITS, 0.2)
            .forEach((unit, i) => writeFileSync(join(BUILD, `kernel.${i}.c`), unit));
        }
      },
    });
  }
  // wasm-rt.h, with its process-wide call-depth counter made per CPU (%gs:8,
  // linker/percpu.h): the one change AIOS makes to wabt's header.
  mkdirSync(join(BUILD, "include"), { recursive: true });
  const header = readFileSync("/usr/include/wasm-rt.h", "utf8");
  const perCpu = header.replace("extern uint32_t wasm_rt_call_stack_depth;",
    "/* AIOS: per CPU, see linker/percpu.h */\n#define wasm_rt_call_stack_depth (*(__seg_gs uint32_t *)8)");
  if (perCpu === header) throw new Error("wasm-rt.h: the call-depth declaration AIOS makes per CPU was not found");
  writeFileSync(join(BUILD, "include", "wasm-rt.h"), perCpu);

  // The binding of every service module, from the manifests (tools/modulegen.ts).
  const manifestFiles = filesUnder("src/services", /^manifest\.json$/);
  await step({
    name: "modulegen", inputs: [...manifestFiles, "tools/modulegen.ts", "tools/abi.ts", join(BUILD, "kernel.c")], extra: [String(KERNEL_UNITS)],
    outputs: [join(BUILD, "modules.gen.c")],
    run: () => {
      const services = SERVICES.build.filter((m) => m.entry).map((m) => ({ name: m.name, manifest: m.manifest!, wasm: wasmPath(m) }));
      // the ABI stubs call the kernel's functions directly when the split made them visible
      const kernelFunctions = KERNEL_UNITS > 1 ? kernelForwarders(readFileSync(join(BUILD, "kernel.c"), "utf8")) : new Map();
      writeFileSync(join(BUILD, "modules.gen.c"), generate(services, SERVICES.manifests, kernelFunctions));
    },
  });

  const includes = ["-isystem", gccInclude(), "-Ilinker/include", "-Ilinker", "-Iasm", `-I${BUILD}`, `-I${join(BUILD, "include")}`];
  const headers = [...filesUnder("linker", /\.h$/), ...filesUnder("asm", /\.h$/), join(BUILD, "include", "wasm-rt.h"),
    ...MODULES.map((m) => join(BUILD, `${m.name}.h`))];
  const memcheck = (checks: boolean) => [`-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=${checks ? 0 : 1}`, "-DWASM_RT_USE_STACK_DEPTH_COUNT=1"];
  const cSources: [string, string[]][] = [
    // No -g for generated C: it would add a third to a rebuild, and the symbol
    // table already names every function. The kernel's C at -O1: Binaryen has
    // optimised it already, it is mostly control flow, and -O2 would add half again
    // to every rebuild; it is split in KERNEL_UNITS compiled side by side.
    // Services, where the compute is, get -O2. The benchmarks' module (probe) has
    // its functions 512-byte aligned: one of up to 512 bytes then never straddles
    // a 4 KiB page, which QEMU's TCG runs several times slower (it cannot chain
    // translated blocks across pages); the matrix loop, moved by an unrelated
    // kernel change, once measured 8x slower that way. Not a hardware effect, and
    // not worth the size in other modules.
    // The kernel relies on guard pages too: its memory window is unmapped beyond its
    // size (an out-of-bounds access faults and is reported as the kernel's wasm
    // trap), and its stacks have guard pages, so it counts no call depth either.
    // Modules keep the count: a runaway agent traps, and only that agent.
    ...Array.from({ length: KERNEL_UNITS }, (_, i): [string, string[]] => [join(BUILD, `kernel.${i}.c`), ["-O1", "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1", "-DWASM_RT_USE_STACK_DEPTH_COUNT=0"]]),
    ...MODULES.filter((m) => m.name !== "kernel").map((m): [string, string[]] => [join(BUILD, `${m.name}.c`), ["-O2", ...(m.name.startsWith("probe") ? ["-falign-functions=512"] : []), ...memcheck(m.boundsChecks)]]),
    ...filesUnder("linker", /\.c$/).map((f): [string, string[]] => [f, ["-O2", "-g", ...memcheck(true)]]),
    [join(BUILD, "modules.gen.c"), ["-O2", ...memcheck(true)]],
  ];
  const objects: string[] = [];
  const compiles: (() => Promise<boolean>)[] = [];
  for (const [source, defines] of cSources) {
    const object = join(OBJ, basename(source).replace(/\.c$/, ".o"));
    objects.push(object);
    compiles.push(() => step({
      name: `cc ${source}`, inputs: [source, ...headers], extra: [...CFLAGS, ...defines], outputs: [object],
      run: () => runAsync("gcc", [...CFLAGS, ...defines, ...includes, "-c", source, "-o", object]),
    }));
  }
  await parallel(compiles);
  for (const source of filesUnder("asm", /\.S$/)) {
    const object = join(OBJ, basename(source).replace(/\.S$/, ".S.o"));
    objects.push(object);
    await step({
      name: `as ${source}`, inputs: [source, ...filesUnder("asm", /\.h$/)], outputs: [object],
      run: () => { run("gcc", ["-c", "-Iasm", source, "-o", object]); },
    });
  }

  // Signing (tools/signing.ts): each service module's code and read-only data in
  // ranges of their own (build/modules-*.ld), and the .modsig section sized for
  // one signed record per module, filled in after the link.
  const key = signingKey();
  if (key.created) console.log(`build: made a development signing key ${key.path} (keep it, or set AIOS_SIGNING_KEY to your own)`);
  const signed = SERVICES.build.map((m) => ({ name: m.name, version: m.manifest!.version, wasm: wasmPath(m), object: join(OBJ, `${m.name}.o`) }));
  const fragments = linkerFragments(signed);
  const writeIfChanged = (path: string, data: string | Buffer) => {
    if (!existsSync(path) || !readFileSync(path).equals(Buffer.from(data))) writeFileSync(path, data);
  };
  writeIfChanged(join(BUILD, "modules-text.ld"), fragments.text);
  writeIfChanged(join(BUILD, "modules-rodata.ld"), fragments.rodata);
  writeIfChanged(join(BUILD, "modsig.bin"), emptyTable(signed.length + 1, key.publicKey));    // + the kernel's own
  writeIfChanged(join(BUILD, "modsig.S"), `.section .modsig, "a"\n.incbin "${join(BUILD, "modsig.bin")}"\n`);
  await step({
    name: "as modsig", inputs: [join(BUILD, "modsig.S"), join(BUILD, "modsig.bin")], outputs: [join(OBJ, "modsig.o")],
    run: () => { run("gcc", ["-c", join(BUILD, "modsig.S"), "-o", join(OBJ, "modsig.o")]); },
  });
  objects.push(join(OBJ, "modsig.o"));

  await step({
    name: "link", inputs: [...objects, "linker/kernel.ld", ...compiled.map(wasmPath), join(BUILD, "modules-text.ld"), join(BUILD, "modules-rodata.ld"), key.path, "tools/signing.ts", "package.json"],
    outputs: [ELF, DEBUG_ELF],
    run: () => {
      // Pass 1 without symbols, pass 2 with the table made from pass 1. .ksyms
      // follows .text, so no function moves; we check that rather than trust it.
      const link = (output: string, ksyms: Buffer) => {
        writeFileSync(join(BUILD, "ksyms.bin"), ksyms);
        writeFileSync(join(BUILD, "ksyms.S"), `.section .ksyms, "a"\n.incbin "${join(BUILD, "ksyms.bin")}"\n`);
        run("gcc", ["-c", join(BUILD, "ksyms.S"), "-o", join(OBJ, "ksyms.o")]);
        run("ld", ["-T", "linker/kernel.ld", "-static", "-no-pie", "-nostdlib", "-z", "max-page-size=0x1000",
          "-o", output, ...objects, join(OBJ, "ksyms.o")]);
        return demangleWith(parseNm(run("nm", ["-n", "-S", "--defined-only", output])), wasmNames);
      };
      const wasmNames = compiled.flatMap((m) => wasmFunctionNames(readFileSync(wasmPath(m))));
      const pass1 = link(join(BUILD, "aios-pass1.elf"), Buffer.alloc(0));
      const pass2 = link(DEBUG_ELF, encode(pass1));
      const moved = pass1.filter((s, i) => pass2[i]?.address !== s.address || pass2[i]?.name !== s.name);
      if (moved.length > 0 || pass1.length !== pass2.length) {
        throw new Error(`link: functions moved between the two link passes (${moved[0]?.name ?? "count"}); check linker/kernel.ld`);
      }
      // the signed records, over the bytes just linked (the section's size is fixed: nothing moves)
      const symbols = new Map(run("nm", ["--defined-only", DEBUG_ELF]).split("\n").map((line) => line.split(" "))
        .filter((f) => f.length === 3 && /^__(aios_module_|text_|rodata_start|modsig_start)/.test(f[2])).map((f) => [f[2], BigInt("0x" + f[0])] as [string, bigint]));
      const kernelVersion = versionNumber(JSON.parse(readFileSync("package.json", "utf8")).version);
      signImage(DEBUG_ELF, symbols, signed, { name: "kernel", version: kernelVersion, wasm: join(BUILD, "kernel.wasm") }, key);
      run("objcopy", ["--strip-all", DEBUG_ELF, ELF]);
    },
  });
  // AIOS_TAMPER_MODULE=<name>, for the test only (test/guest/signing.test.ts):
  // copies of the image with one byte of that module's code, or of its
  // signature, flipped; build/aios.elf itself is untouched.
  const tamper = process.env.AIOS_TAMPER_MODULE;
  if (tamper) {
    const index = signed.findIndex((m) => m.name === tamper);
    if (index < 0) throw new Error(`AIOS_TAMPER_MODULE: no module ${tamper}`);
    tamperedCopy(ELF, join(BUILD, "test", "aios-tampered-code.elf"), index, "code");
    tamperedCopy(ELF, join(BUILD, "test", "aios-tampered-signature.elf"), index, "signature");
  }
  console.log(`build/aios.elf ${statSync(ELF).size} bytes`);
}

/** A GRUB ISO that boots by BIOS and UEFI with `cmdline`. */
async function buildIso(output = ISO, cmdline = ""): Promise<void> {
  requireTools(["grubMkrescue", "grubPc", "grubEfi", "xorriso", "mformat"]);
  await buildElf();
  const stage = join(BUILD, "iso-" + basename(output, ".iso"));
  const config = [
    "set timeout=0",
    "set default=0",
    "insmod all_video",           // a pixel framebuffer for the kernel where firmware has one
    "set gfxpayload=keep",
    'menuentry "AIOS" {',
    `  multiboot2 /boot/aios.elf ${cmdline}`.trimEnd(),
    "  boot",
    "}",
    "",
  ].join("\n");
  mkdirSync(join(stage, "boot", "grub"), { recursive: true });
  writeFileSync(join(stage, "boot", "grub", "grub.cfg"), config);
  copyFileSync(ELF, join(stage, "boot", "aios.elf"));
  await step({
    name: `iso ${output}`, inputs: [ELF, join(stage, "boot", "grub", "grub.cfg")], outputs: [output],
    run: () => {
      mkdirSync(join(output, ".."), { recursive: true });
      run("grub-mkrescue", ["-o", output, stage]);
    },
  });
  console.log(`${output} ${statSync(output).size} bytes`);
}

/** The kernel sources compiled for Node, with test entry points (test/host/entry.ts). */
async function buildHost(): Promise<void> {
  mkdirSync(join(BUILD, "host"), { recursive: true });
  const sources = [...filesUnder("src", /\.ts$/), "test/host/entry.ts", ...filesUnder("test/host/entries", /\.ts$/)];
  await step({
    name: "asc host-test module", inputs: sources, extra: ["asc-flags-2"], outputs: [join(BUILD, "host", "kernel-test.wasm")],
    run: () => compile({ entry: "test/host/entry.ts", output: join(BUILD, "host", "kernel-test.wasm"), allowedImportModules: ["hal"], extraFlags: ["-O2"] }),
  });
}

/** The kernel API (9000) and the services' ports (9001-9016), forwarded by `run`. */
const SERVICE_PORTS = Array.from({ length: 17 }, (_, i) => 9000 + i);

/** Which of `ports` cannot be bound on 127.0.0.1 right now. */
async function busyPorts(ports: number[]): Promise<number[]> {
  const { createServer } = await import("node:net");
  const taken: number[] = [];
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (!free) taken.push(port);
  }
  return taken;
}

const VALUE_OPTIONS = ["--cmdline", "--out", "--memory", "--smp", "--size", "--put"];

/** "64M", "1G", "4096K" or bytes. */
function parseSize(text: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(text);
  if (!m) throw new Error(`bad size '${text}': use e.g. 64M`);
  return Number(m[1]) * ({ "": 1, K: 1 << 10, M: 1 << 20, G: 1 << 30 } as Record<string, number>)[m[2].toUpperCase()];
}

/** The positional argument after the command (an image path). */
function operand(args: string[], command: string): string {
  const image = args.slice(args.indexOf(command) + 1).find((a, i, rest) => !a.startsWith("-") && !VALUE_OPTIONS.includes(rest[i - 1]));
  if (!image) throw new Error(`usage: npx zx build.ts ${command} <image>`);
  return image;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => !a.endsWith("build.ts"));
  const command = args.find((a, i) => !a.startsWith("-") && !VALUE_OPTIONS.includes(args[i - 1])) ?? "build";
  const started = performance.now();
  switch (command) {
    case "build":
      await buildElf();
      break;
    case "iso":
      await buildIso(option("--out") ?? ISO, option("--cmdline") ?? "");
      break;
    case "host":
      await buildHost();
      break;
    case "mkfs": {
      await buildHost();
      const { mkfsImage } = await import("./tools/fs.ts");
      const size = option("--size");
      console.log(mkfsImage(operand(args, "mkfs"), size ? parseSize(size) : undefined, option("--put")));
      break;
    }
    case "fsck": {
      await buildHost();
      const { fsckImage } = await import("./tools/fs.ts");
      const image = operand(args, "fsck");
      const { problems, log } = fsckImage(image);
      process.stdout.write(log);
      console.log(problems === 0 ? `${image}: clean` : `${image}: ${problems} problem(s)`);
      process.exitCode = problems === 0 ? 0 : 1;
      return;
    }
    case "run": {
      requireTools(["qemu"]);
      const useIso = process.argv.includes("--iso") || process.argv.includes("--uefi");
      if (useIso) await buildIso(ISO, option("--cmdline") ?? "");
      else await buildElf();
      const args = qemuArgs({
        kernel: useIso ? undefined : ELF, iso: useIso ? ISO : undefined, uefi: process.argv.includes("--uefi"),
        append: option("--cmdline"), memory: option("--memory") ?? "256M", smp: Number(option("--smp") ?? 2),
      });
      // A persistent raw disk as virtio-blk (made once, 64 MiB with the AIOS file
      // system, kept across runs and by `clean`), virtio-rng for entropy, and
      // virtio-net on QEMU user networking.
      const disk = option("--disk") ?? "disk.img";
      if (!existsSync(disk)) {
        // a new disk carries the AIOS file system, so the guest mounts it at once
        await buildHost();
        const { mkfsImage } = await import("./tools/fs.ts");
        console.log(mkfsImage(disk, 64 << 20, undefined));
      }
      // The service ports (the kernel API on 9000, the services on 9001-9016) are
      // forwarded from 127.0.0.1; a port already taken on the host is named, not
      // left to QEMU's terse refusal.
      const busy = await busyPorts(SERVICE_PORTS);
      if (busy.length > 0) {
        console.error(`npm start: port${busy.length > 1 ? "s" : ""} ${busy.join(", ")} on 127.0.0.1 ${busy.length > 1 ? "are" : "is"} in use (another AIOS still running?); free ${busy.length > 1 ? "them" : "it"} and start again`);
        process.exitCode = 1;
        return;
      }
      const forwards = SERVICE_PORTS.map((port) => `hostfwd=tcp:127.0.0.1:${port}-:${port}`).join(",");
      const devices = ["-drive", `file=${disk},if=none,id=disk0,format=raw`, "-device", "virtio-blk-pci,drive=disk0",
        "-device", "virtio-rng-pci", "-nic", "none", "-netdev", `user,id=net0,${forwards}`, "-device", "virtio-net-pci,netdev=net0"];
      console.log(`booting AIOS with QEMU (${accelerator()}), disk ${disk}; ports ${SERVICE_PORTS[0]}-${SERVICE_PORTS.at(-1)} forwarded from 127.0.0.1 (try: curl 127.0.0.1:9000/api/system); Ctrl-A X quits`);
      const qemu = spawnSync("qemu-system-x86_64", [...args, ...devices, "-serial", "mon:stdio"], { stdio: "inherit" });
      process.exitCode = qemu.status ?? 1;
      return;
    }
    case "clean":
      rmSync(BUILD, { recursive: true, force: true });
      rmSync(ISO, { force: true });
      return;
    default:
      throw new Error(`unknown command '${command}': use build, iso, run, host, mkfs, fsck or clean`);
  }
  console.log(`${command}: ${((performance.now() - started) / 1000).toFixed(2)} s`);
}

main().catch((error) => {
  console.error(`build.ts: ${error.message}`);
  process.exit(1);
});
