// record-acpi.ts — records QEMU's ACPI tables as host-test fixtures. Boots the
// built kernel with aios.test=acpi-dump on each machine below (PVH with -kernel;
// the UEFI one through a GRUB ISO built here with that command line), reads the
// hex dump from the serial log (src/kernel/selftest/acpidump.ts) and writes
// test/host/fixtures/acpi/<machine>/<signature>.bin plus acpi.json, which gives
// every region's physical address so a test can put it back where it was.
//   npx zx build.ts && npx tsx tools/record-acpi.ts [machine ...]
// TCG is used unless AIOS_ACCEL says otherwise: tables must not depend on the host.
// intel-iommu works under TCG with kernel-irqchip=split (QEMU 7.2), giving a DMAR.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { boot, qemuArgs, BootOptions, STATUS_PASS } from "./qemu.ts";

const FIXTURES = join("test", "host", "fixtures", "acpi");
const INDEX = join(FIXTURES, "acpi.json");
const ELF = "build/aios.elf";
const ISO = "build/test/aios-acpi-dump.iso";
const CMDLINE = "aios.test=acpi-dump";
const TIMEOUT_MS = 120_000;

interface Machine { name: string; note: string; options: BootOptions }

const MACHINES: Machine[] = [
  { name: "q35", note: "q35, 4 CPUs, 128 MiB", options: { machine: "q35", smp: 4, memory: "128M" } },
  { name: "pc", note: "i440fx (pc), 4 CPUs, 128 MiB", options: { machine: "pc", smp: 4, memory: "128M" } },
  {
    name: "q35-iommu", note: "q35 with an Intel IOMMU (interrupt remapping), 4 CPUs, 128 MiB",
    options: { machine: "q35,kernel-irqchip=split", smp: 4, memory: "128M", extra: ["-device", "intel-iommu,intremap=on"] },
  },
  // OVMF gives an ACPI 2.0+ RSDP and an XSDT (SeaBIOS only an RSDT); booted by GRUB.
  { name: "q35-uefi", note: "q35 under OVMF (UEFI, GRUB ISO), 4 CPUs, 128 MiB", options: { machine: "q35", smp: 4, memory: "128M", iso: ISO, uefi: true } },
];

interface Region { signature: string; address: number; length: number; file: string }

/** The dump's regions, in order, with their bytes; throws when a block is short. */
function parseDump(output: string): { region: Omit<Region, "file">; bytes: Buffer }[] {
  const regions: { region: Omit<Region, "file">; bytes: Buffer }[] = [];
  let hex: string[] | null = null;
  let current: Omit<Region, "file"> | null = null;
  const finish = () => {
    if (!current || !hex) return;
    const bytes = Buffer.from(hex.join(""), "hex");
    if (bytes.length !== current.length) throw new Error(`${current.signature}: ${bytes.length} bytes dumped, header says ${current.length}`);
    regions.push({ region: current, bytes });
  };
  for (const raw of output.split(/\r?\n/)) {
    const table = raw.match(/^ACPI TABLE (\S{4}) 0x([0-9a-f]+) (\d+)$/);
    const data = raw.match(/^ACPI HEX ([0-9a-f]*)$/);
    if (table) {
      finish();
      current = { signature: table[1], address: parseInt(table[2], 16), length: Number(table[3]) };
      hex = [];
    } else if (data && hex) {
      hex.push(data[1]);
    } else if (raw.startsWith("ACPI END")) {
      finish();
      current = hex = null;
    }
  }
  return regions;
}

function checksum(bytes: Buffer): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return sum;
}

function fileName(signature: string, taken: Set<string>): string {
  const base = signature.toLowerCase().replace(/[^a-z0-9]/g, "_");
  let name = `${base}.bin`;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}.bin`;
  taken.add(name);
  return name;
}

async function record(machine: Machine): Promise<object | null> {
  if (machine.options.iso) {
    // An ISO carries its own command line: build one for the dump.
    const built = spawnSync("npx", ["zx", "build.ts", "iso", "--cmdline", CMDLINE, "--out", ISO], { stdio: "inherit" });
    if (built.status !== 0) throw new Error("build.ts iso failed");
  }
  const options = machine.options.iso ? machine.options : { ...machine.options, kernel: ELF, append: CMDLINE };
  const result = await boot(options, TIMEOUT_MS);
  if (result.status !== STATUS_PASS) {
    console.error(`${machine.name}: QEMU status ${result.status}${result.timedOut ? " (timed out)" : ""}; log tail:\n${result.output.slice(-3000)}`);
    return null;
  }
  const regions = parseDump(result.output);
  const directory = join(FIXTURES, machine.name);
  mkdirSync(directory, { recursive: true });
  const taken = new Set<string>();
  const written: Region[] = [];
  for (const { region, bytes } of regions) {
    // The FACS has no checksum; the RSDP's first 20 bytes (and its whole length) sum to 0.
    if (region.signature !== "FACS" && checksum(bytes) !== 0) throw new Error(`${machine.name} ${region.signature}: checksum`);
    const file = fileName(region.signature, taken);
    writeFileSync(join(directory, file), bytes);
    written.push({ ...region, file: `${machine.name}/${file}` });
  }
  // The scenario's own summary (kmain may have logged one before the scenario ran).
  const scenarioOutput = result.output.slice(Math.max(0, result.output.indexOf("AIOS test start:")));
  const report = scenarioOutput.split(/\r?\n/).filter((l) => /\] info\s+acpi: /.test(l)).map((l) => l.replace(/^.*?acpi: /, "acpi: "));
  console.log(`${machine.name}: ${written.map((r) => r.signature).join(" ")}`);
  return {
    note: machine.note,
    qemu: spawnSync("qemu-system-x86_64", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0],
    command: qemuArgs(options).join(" "),
    rsdp: written.find((r) => r.signature === "RSDP")?.address,
    regions: written,
    guestReport: report,
  };
}

process.env.AIOS_ACCEL ??= "tcg";
if (!existsSync(ELF)) throw new Error(`${ELF} is missing: run npx zx build.ts first`);
const wanted = process.argv.slice(2);
const index = existsSync(INDEX) ? JSON.parse(readFileSync(INDEX, "utf8")) : {};
let failed = false;
for (const machine of MACHINES.filter((m) => wanted.length === 0 || wanted.includes(m.name))) {
  const entry = await record(machine);
  if (entry) index[machine.name] = entry;
  else failed = true;
}
mkdirSync(FIXTURES, { recursive: true });
writeFileSync(INDEX, JSON.stringify(index, null, 2) + "\n");
process.exit(failed ? 1 : 0);
