// crypto.ts — the post-quantum benchmark: ML-KEM-768 keygen / encapsulate /
// decapsulate and ML-DSA-65 keygen / sign / verify per second, for
//   AIOS: the kernel's own sources (src/kernel/crypto) in a crypto-only wasm
//         module (bench/crypto/entry.ts, asc -O2 as the kernel), translated by wasm2c and built
//         as a host program with gcc -O2 and a small C main (bench/crypto/main.c);
//   noble: @noble/post-quantum in this Node process,
// alternating, ROUNDS rounds of each, every figure the median of its rounds;
// signing takes a different message each time (both sides), so the rejection
// loop's average cost is measured. Target: AIOS at least 3x noble.
//   npx tsx bench/crypto.ts      the table alone; bench/run.ts includes its rows
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import { compile } from "../tools/asc.ts";

const ROUNDS = 5;
const SLICE_MS = 300;                      // wall time per operation per round
const OUT = "build/bench/crypto";
const RUNTIME = "/usr/share/wabt/wasm2c";
const OPERATIONS = ["mlkem768_keygen", "mlkem768_encaps", "mlkem768_decaps", "mldsa65_keygen", "mldsa65_sign", "mldsa65_verify"] as const;
type Rates = Record<string, number>;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 16 << 20 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** asc -> wasm2c -> gcc -O2: the host program. */
function build(): string {
  mkdirSync(OUT, { recursive: true });
  const wasm = join(OUT, "crypto.wasm"), c = join(OUT, "crypto.c"), program = join(OUT, "crypto-bench");
  compile({ entry: "bench/crypto/entry.ts", output: wasm, allowedImportModules: [], extraFlags: ["-O2"] });          // the kernel's own asc level
  run("wasm2c", [wasm, "-n", "crypto", "-o", c]);
  run("gcc", ["-O2", `-I${RUNTIME}`, `-I${OUT}`, "bench/crypto/main.c", c, join(RUNTIME, "wasm-rt-impl.c"), "-o", program, "-lm"]);
  return program;
}

function aiosRound(program: string): Rates {
  return Object.fromEntries(run(program, [String(SLICE_MS)]).trim().split("\n").map((l) => l.split(" ")).map(([k, v]) => [k, Number(v)]));
}

function nobleRound(): Rates {
  const rate = (f: () => void) => {
    let count = 0;
    const start = performance.now();
    let elapsed: number;
    do { f(); count++; elapsed = performance.now() - start; } while (elapsed < SLICE_MS);
    return (count * 1000) / elapsed;
  };
  const kemSeed = Uint8Array.from({ length: 64 }, (_, i) => i + 1), message = new Uint8Array(32).fill(3);
  const keys = ml_kem768.keygen(kemSeed);
  const encapsulated = ml_kem768.encapsulate(keys.publicKey, message);
  const dsaKeys = ml_dsa65.keygen(new Uint8Array(32).fill(5));
  const toSign = new Uint8Array(64);
  const view = new DataView(toSign.buffer);
  let signed = 0, signature = new Uint8Array(0);
  return {
    mlkem768_keygen: rate(() => ml_kem768.keygen(kemSeed)),
    mlkem768_encaps: rate(() => ml_kem768.encapsulate(keys.publicKey, message)),
    mlkem768_decaps: rate(() => ml_kem768.decapsulate(encapsulated.cipherText, keys.secretKey)),
    mldsa65_keygen: rate(() => ml_dsa65.keygen(new Uint8Array(32).fill(5))),
    mldsa65_sign: rate(() => { view.setUint32(0, signed++, true); signature = ml_dsa65.sign(toSign, dsaKeys.secretKey, { extraEntropy: false }); }),
    mldsa65_verify: rate(() => { if (!ml_dsa65.verify(signature, toSign, dsaKeys.publicKey)) throw new Error("noble rejected its own signature"); }),
  };
}

/** The table rows: [name, AIOS rate, note with noble's rate and the ratio]. */
export function cryptoRows(): [string, string, string][] {
  const program = build();
  nobleRound();                                     // warm the JIT before the measured rounds
  const aios: Rates[] = [], noble: Rates[] = [];
  for (let i = 0; i < ROUNDS; i++) { aios.push(aiosRound(program)); noble.push(nobleRound()); }
  return OPERATIONS.map((op) => {
    const a = median(aios.map((r) => r[op])), n = median(noble.map((r) => r[op]));
    const ratio = a / n;
    return [`${op.replace("_", " ")}, AIOS wasm2c C (gcc -O2)`, `${a.toFixed(0)} op/s`,
      `noble ${n.toFixed(0)} op/s in Node ${process.versions.node}: ${ratio.toFixed(1)}x, target >= 3x: ${ratio >= 3 ? "met" : "MISSED"}; median of ${ROUNDS}`];
  });
}

if (process.argv[1]?.endsWith("crypto.ts")) {
  const rows = cryptoRows();
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [name, value, note] of rows) console.log(`${name.padEnd(width)}  ${value.padStart(12)}  ${note}`);
}
