// Scheduling rules: fair share within 5% over 10,000 slices (equal and unequal
// weights), and EDF meeting every deadline of a feasible set while admission
// refuses an infeasible one.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";

const { k } = boot();
const SLICES = 10_000;
const SLICE = 1_000_000n;

function shares(weights: number[]) {
  weights.forEach((w, i) => k.schedSetWeight(i, w));
  k.schedFairShare(weights.length, SLICES, SLICE);
  const got = weights.map((_, i) => Number(k.schedReceived(i)));
  const total = got.reduce((a, b) => a + b, 0);
  const weightTotal = weights.reduce((a, b) => a + b, 0);
  return got.map((g, i) => ({ got: g / total, want: weights[i] / weightTotal }));
}

test("equal weights share within 5% over 10,000 slices", () => {
  for (const s of shares([1024, 1024, 1024, 1024])) assert.ok(Math.abs(s.got - s.want) <= 0.05 * s.want, JSON.stringify(s));
});

test("shares follow the weights within 5%", () => {
  for (const s of shares([512, 1024, 2048, 4096, 100])) assert.ok(Math.abs(s.got - s.want) <= 0.05 * s.want, JSON.stringify(s));
});

test("EDF admission: utilisation adds up to the bound and no further", () => {
  const u = (r: number, p: number) => k.edfUtilisation(BigInt(r), BigInt(p));
  assert.is(u(1, 4), 250_000n);
  assert.is(u(0, 4), 0n);
  assert.is(u(5, 4), 0n, "runtime above period is invalid");
  const bound = 950_000n;
  assert.is(k.edfAdmit(0n, u(2, 5), bound), 1);
  assert.is(k.edfAdmit(u(2, 5) + u(1, 4), u(1, 4), bound), 1, "0.9 total");
  assert.is(k.edfAdmit(u(2, 5) + u(1, 4) + u(1, 4), u(1, 10), bound), 0, "1.0 total is refused");
});

test("EDF meets every deadline of a feasible set", () => {
  const tasks = [[2_000_000, 10_000_000], [3_000_000, 15_000_000], [5_000_000, 20_000_000], [1_000_000, 7_000_000]];  // U ≈ 0.79
  tasks.forEach(([r, p], i) => k.edfSetTask(i, BigInt(r), BigInt(p)));
  let used = 0n;
  for (const [r, p] of tasks) { assert.is(k.edfAdmit(used, k.edfUtilisation(BigInt(r), BigInt(p)), 950_000n), 1); used += k.edfUtilisation(BigInt(r), BigInt(p)); }
  assert.is(k.edfSimulate(tasks.length, 600_000_000n), 0);
});

test("an infeasible set misses deadlines, and admission would have refused it", () => {
  const tasks = [[6_000_000, 10_000_000], [6_000_000, 12_000_000]];   // U = 1.1
  tasks.forEach(([r, p], i) => k.edfSetTask(i, BigInt(r), BigInt(p)));
  assert.ok(k.edfSimulate(tasks.length, 120_000_000n) > 0);
  const first = k.edfUtilisation(6_000_000n, 10_000_000n);
  assert.is(k.edfAdmit(first, k.edfUtilisation(6_000_000n, 12_000_000n), 950_000n), 0);
});

test.run();
