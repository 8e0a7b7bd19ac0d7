// bench.ts — in-guest benchmarks, run as the scenario "bench-memory" by
// `npm run bench`, which reads the "AIOS bench" lines:
//   matrix: the probe's matrix multiply in three builds of one module — explicit
//   bounds checks, guard pages (demand-mapped memory), and the same unchecked code
//   in memory mapped up front (the floor) — interleaved, median of RUNS;
//   frames: frame alloc+free pairs per second.
import { cpu } from "../../hal";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import { frames, pools } from "../memory";
import * as modules from "../modules";
import { probe } from "../modules";

const RUNS = 5;
const MATRIX_N: u32 = 64;
const MATRIX_ROUNDS: u32 = 4;
const FRAME_PAIRS: i32 = 20_000;
const BUILDS = 3;                   // explicit checks, guard pages, unchecked floor
const samples = memory.data(RUNS * BUILDS * 8);
const instances = memory.data(BUILDS * 4);

function instanceOf(build: i32): u32 { return load<u32>(instances + <usize>build * 4); }

function sample(build: i32, run: i32): usize { return samples + <usize>(build * RUNS + run) * 8; }

function median(build: i32): u64 {
  // insertion sort of RUNS values in place
  for (let i = 1; i < RUNS; i++) {
    const value = load<u64>(sample(build, i));
    let j = i - 1;
    while (j >= 0 && load<u64>(sample(build, j)) > value) {
      store<u64>(sample(build, j + 1), load<u64>(sample(build, j)));
      j--;
    }
    store<u64>(sample(build, j + 1), value);
  }
  return load<u64>(sample(build, RUNS / 2));
}

function timeMatrix(instance: u32): u64 {
  const start = clock.nanoseconds();
  modules.call(instance, probe.ProbeFunction.Matrix, MATRIX_N, MATRIX_ROUNDS);
  return clock.nanoseconds() - start;
}

export function memoryBenchmarks(): bool {
  store<u32>(instances, modules.instantiate(probe.checkedId(), pools.KERNEL_POOL));
  store<u32>(instances + 4, modules.instantiate(probe.id(), pools.KERNEL_POOL));
  store<u32>(instances + 8, modules.instantiate(probe.id(), pools.KERNEL_POOL, true));
  let checksum: u32 = 0;
  for (let b = 0; b < BUILDS; b++) {
    const instance = instanceOf(b);
    if (instance == modules.NO_INSTANCE) {
      log.error("bench: could not instantiate the probe");
      return false;
    }
    modules.call(instance, probe.ProbeFunction.Grow, 1);
    const result = modules.call(instance, probe.ProbeFunction.Matrix, MATRIX_N, 1);   // warm up
    if (b == 0) checksum = result;
    else if (result != checksum || modules.trapOf(instance) != 0) {
      log.error("bench: the three builds disagree");
      return false;
    }
  }
  for (let run = 0; run < RUNS; run++) {
    for (let b = 0; b < BUILDS; b++) store<u64>(sample(b, run), timeMatrix(instanceOf(b)));
  }
  line.reset();
  line.text("AIOS bench matrix n=");
  line.decimal(MATRIX_N);
  line.text(" rounds=");
  line.decimal(MATRIX_ROUNDS);
  line.text(" explicit_us=");
  line.decimal(median(0) / 1000);
  line.text(" guard_us=");
  line.decimal(median(1) / 1000);
  line.text(" unchecked_us=");
  line.decimal(median(2) / 1000);
  log.publish();
  for (let b = 0; b < BUILDS; b++) modules.destroy(instanceOf(b));

  const start = clock.nanoseconds();
  for (let i = 0; i < FRAME_PAIRS; i++) frames.free(frames.alloc(0, frames.Owner.Test));
  const elapsed = clock.nanoseconds() - start;
  line.reset();
  line.text("AIOS bench frames pairs=");
  line.decimal(<u64>FRAME_PAIRS);
  line.text(" pairs_per_s=");
  line.decimal(<u64>FRAME_PAIRS * 1_000_000_000 / (elapsed == 0 ? 1 : elapsed));
  log.publish();
  return true;
}
