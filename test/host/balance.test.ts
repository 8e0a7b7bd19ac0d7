// Scheduling between CPUs (src/kernel/sched/balance.ts, hints.ts): a model of
// per-CPU run queues driven by random sequences of spawns, sleeps, wake-ups,
// exits, steals by idle CPUs and periodic balancing, with the kernel's rules
// deciding every placement; after every step each thread sits on a CPU its
// affinity allows, and each rule's answer is checked against its definition.
// Balancing repeated to a fixed point leaves no queue more than one thread longer
// than another that one of its waiting threads could move to.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";
import { random } from "./random.ts";

const { k } = boot();
const NONE = -1;
const IMBALANCE = 2;

type State = "running" | "waiting" | "sleeping";
interface Thread { id: number; cpu: number; state: State; affinity: bigint }

class Model {
  threads: Thread[] = [];
  next = 0;
  constructor(readonly cpus: number, readonly rand: () => number) {}

  pick<T>(items: T[]): T | undefined { return items.length ? items[Math.floor(this.rand() * items.length)] : undefined; }
  allowed(t: Thread, c: number) { return ((t.affinity >> BigInt(c)) & 1n) === 1n; }
  loads(except?: Thread) {
    const loads = new Array(this.cpus).fill(0);
    for (const t of this.threads) if (t !== except && t.state !== "sleeping") loads[t.cpu]++;
    return loads;
  }
  movable(from: number, to: number) {
    return this.threads.filter((t) => t.state === "waiting" && t.cpu === from && this.allowed(t, to)).length;
  }
  /** Hands the model's picture to the kernel's arrays. */
  load(except?: Thread) {
    const loads = this.loads(except);
    k.balanceReset(this.cpus);
    loads.forEach((l, c) => k.balanceSetLoad(c, l));
    for (let from = 0; from < this.cpus; from++) {
      for (let to = 0; to < this.cpus; to++) if (from !== to) k.balanceSetMovable(from, to, this.movable(from, to));
    }
    return loads;
  }
  randomAffinity(): bigint {
    const all = (1n << BigInt(this.cpus)) - 1n;
    if (this.rand() < 0.4) return all;
    let mask = 0n;
    while (mask === 0n) for (let c = 0; c < this.cpus; c++) if (this.rand() < 0.4) mask |= 1n << BigInt(c);
    return mask;
  }
  /** A thread joins CPU c's queue: it runs if the CPU ran nothing. */
  enqueue(t: Thread, c: number) {
    t.cpu = c;
    t.state = this.threads.some((o) => o !== t && o.cpu === c && o.state === "running") ? "waiting" : "running";
  }
  /** CPU c's running thread left: the next waiting one runs. */
  promote(c: number) {
    if (this.threads.some((t) => t.cpu === c && t.state === "running")) return;
    const w = this.threads.find((t) => t.cpu === c && t.state === "waiting");
    if (w) w.state = "running";
  }
  check(step: string) {
    for (let c = 0; c < this.cpus; c++) {
      const here = this.threads.filter((t) => t.cpu === c && t.state !== "sleeping");
      const running = here.filter((t) => t.state === "running").length;
      assert.ok(running <= 1, `${step}: CPU ${c} runs ${running} threads`);
      assert.ok(here.length === 0 || running === 1, `${step}: CPU ${c} has waiting threads but runs none`);
    }
    for (const t of this.threads) assert.ok(this.allowed(t, t.cpu), `${step}: thread ${t.id} on CPU ${t.cpu}, outside its affinity ${t.affinity.toString(2)}`);
  }

  spawn() {
    const t: Thread = { id: this.next++, cpu: 0, state: "sleeping", affinity: this.randomAffinity() };
    const loads = this.load();
    const c = k.balanceLeastLoaded(t.affinity);
    assert.ok(c >= 0 && this.allowed(t, c), "a new thread goes to an allowed CPU");
    for (let o = 0; o < this.cpus; o++) {
      if (!this.allowed(t, o)) continue;
      assert.ok(loads[o] > loads[c] || (loads[o] === loads[c] && o >= c), `CPU ${o} (load ${loads[o]}) was a better place than ${c} (load ${loads[c]})`);
    }
    this.threads.push(t);
    this.enqueue(t, c);
  }
  sleep() {
    const t = this.pick(this.threads.filter((t) => t.state === "running"));
    if (!t) return;
    t.state = "sleeping";
    this.promote(t.cpu);
  }
  exit() {
    const t = this.pick(this.threads.filter((t) => t.state === "running"));
    if (!t) return;
    this.threads.splice(this.threads.indexOf(t), 1);
    this.promote(t.cpu);
  }
  wake() {
    const t = this.pick(this.threads.filter((t) => t.state === "sleeping"));
    if (!t) return;
    const loads = this.load(t);
    const target = k.balanceWakeTarget(t.affinity, t.cpu);
    assert.ok(target >= 0 && this.allowed(t, target), "a woken thread goes to an allowed CPU");
    const idle = [...Array(this.cpus).keys()].filter((c) => this.allowed(t, c) && loads[c] === 0);
    if (this.allowed(t, t.cpu) && loads[t.cpu] === 0) assert.is(target, t.cpu, "back to its own CPU when that is idle");
    else if (idle.length) assert.is(loads[target], 0, "to an idle CPU when there is one");
    else if (this.allowed(t, t.cpu)) assert.is(target, t.cpu, "else back to its own CPU");
    this.enqueue(t, target);
  }
  steal() {
    const thief = this.pick([...Array(this.cpus).keys()].filter((c) => !this.threads.some((t) => t.cpu === c && t.state === "running")));
    if (thief === undefined) return;
    const loads = this.load();
    const from = k.balanceStealFrom(thief);
    const candidates = [...Array(this.cpus).keys()].filter((v) => v !== thief && this.movable(v, thief) > 0 && loads[v] >= loads[thief] + IMBALANCE);
    if (!candidates.length) { assert.is(from, NONE, `nothing to steal for CPU ${thief}`); return; }
    assert.ok(candidates.includes(from), `CPU ${thief} steals from ${from}, which has nothing for it`);
    assert.is(loads[from], Math.max(...candidates.map((v) => loads[v])), "steals from the busiest");
    const t = this.pick(this.threads.filter((t) => t.state === "waiting" && t.cpu === from && this.allowed(t, thief)))!;
    this.enqueue(t, thief);
  }
  /** One periodic balance; true when it moved a thread. */
  balance(step: string): boolean {
    const loads = this.load();
    const move = k.balancePlanMove();
    const widest = Math.max(-1, ...[...Array(this.cpus).keys()].flatMap((from) => [...Array(this.cpus).keys()]
      .filter((to) => to !== from && this.movable(from, to) > 0).map((to) => loads[from] - loads[to])));
    if (move === NONE) { assert.ok(widest < IMBALANCE, `${step}: queues differ by ${widest} and nothing moved`); return false; }
    const from = Math.floor(move / this.cpus);
    const to = move % this.cpus;
    assert.ok(this.movable(from, to) > 0, `${step}: a move from ${from} to ${to} with nothing that may go`);
    assert.is(loads[from] - loads[to], widest, `${step}: the move evens the widest gap`);
    const squares = (l: number[]) => l.reduce((s, x) => s + x * x, 0);
    const t = this.pick(this.threads.filter((t) => t.state === "waiting" && t.cpu === from && this.allowed(t, to)))!;
    this.enqueue(t, to);
    assert.ok(squares(this.loads()) < squares(loads), `${step}: a move must make the loads more even`);
    return true;
  }
}

test("random sequences: every placement follows the rules and respects affinity", () => {
  for (let seed = 1; seed <= 60; seed++) {
    const rand = random(seed);
    const model = new Model(2 + Math.floor(rand() * 7), rand);
    for (let step = 0; step < 400; step++) {
      const r = rand();
      const name = `seed ${seed} step ${step}`;
      if (r < 0.25) model.spawn();
      else if (r < 0.4) model.sleep();
      else if (r < 0.6) model.wake();
      else if (r < 0.65) model.exit();
      else if (r < 0.8) model.steal();
      else model.balance(name);
      model.check(name);
    }
  }
});

test("balancing repeated to a fixed point evens the queues (to within one when every thread may go anywhere)", () => {
  for (let seed = 100; seed <= 160; seed++) {
    const rand = random(seed);
    const cpus = 2 + Math.floor(rand() * 7);
    const model = new Model(cpus, rand);
    const free = seed % 2 === 0;            // half the runs: every thread may run on every CPU
    const all = (1n << BigInt(cpus)) - 1n;
    for (let i = 0; i < 40; i++) {
      const t: Thread = { id: i, cpu: 0, state: "sleeping", affinity: free ? all : model.randomAffinity() };
      model.threads.push(t);
      // crowd them: each on the lowest CPU its affinity allows
      let c = 0;
      while (!model.allowed(t, c)) c++;
      model.enqueue(t, c);
    }
    let moves = 0;
    while (model.balance(`seed ${seed} move ${moves}`)) { moves++; model.check(`seed ${seed}`); assert.ok(moves < 1000, "balancing must end"); }
    if (free) {
      const loads = model.loads();
      assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, `seed ${seed}: loads ${loads} after ${moves} moves`);
    }
  }
});

test("hand-picked cases", () => {
  k.balanceReset(4);
  [3, 1, 0, 2].forEach((l, c) => k.balanceSetLoad(c, l));
  assert.is(k.balanceLeastLoaded(0b1111n), 2);
  assert.is(k.balanceLeastLoaded(0b0011n), 1);
  assert.is(k.balanceLeastLoaded(0n), NONE, "no allowed CPU");
  assert.is(k.balanceLeastLoaded(1n << 10n), NONE, "only CPUs beyond the count");
  assert.is(k.balanceWakeTarget(0b1111n, 0), 2, "previous CPU busy: an idle one");
  assert.is(k.balanceWakeTarget(0b1011n, 0), 0, "no idle CPU allowed: back home");
  assert.is(k.balanceWakeTarget(0b0010n, 0), 1, "home not allowed: the least loaded allowed");
  assert.is(k.balancePlanMove(), NONE, "nothing may move");
  k.balanceSetMovable(0, 2, 1);
  assert.is(k.balancePlanMove(), 0 * 4 + 2, "3 -> 0 differ by 3");
  assert.is(k.balanceStealFrom(2), 0);
  assert.is(k.balanceStealFrom(1), NONE, "nothing on CPU 0 may go to CPU 1");
  k.balanceSetLoad(0, 1);
  assert.is(k.balanceStealFrom(2), NONE, "1 vs 0: moving would only swap the queues");
});

test("hints: batch slices are longer; wake-ups preempt by class", () => {
  const NORMAL = 0, BATCH = 1, INTERACTIVE = 2, LOW_LATENCY = 3;
  const base = 1_000_000n;
  assert.is(k.hintsGranularity(NORMAL, base), base);
  assert.is(k.hintsGranularity(BATCH, base), 4n * base);
  assert.is(k.hintsGranularity(LOW_LATENCY, base), base);
  const wakes = (woken: number, wv: bigint, running: number, rv: bigint, idle = false) => k.hintsWakePreempts(woken, wv, running, rv, idle ? 1 : 0, base) === 1;
  for (const woken of [NORMAL, BATCH, INTERACTIVE, LOW_LATENCY]) assert.ok(wakes(woken, 10n ** 12n, NORMAL, 0n, true), "an idle CPU is always taken");
  assert.not.ok(wakes(NORMAL, 0n, BATCH, 10n ** 9n), "normal threads wait for the tick");
  assert.not.ok(wakes(BATCH, 0n, BATCH, 10n ** 9n), "batch threads wait for the tick");
  assert.ok(wakes(INTERACTIVE, 10n ** 9n, BATCH, 0n), "interactive takes the CPU from batch work");
  assert.ok(wakes(INTERACTIVE, 0n, NORMAL, 2n * base), "interactive, owed more than the granularity");
  assert.not.ok(wakes(INTERACTIVE, 0n, NORMAL, base / 2n), "interactive, owed less");
  assert.ok(wakes(LOW_LATENCY, 10n ** 12n, INTERACTIVE, 0n), "low latency takes the CPU from anything else");
  assert.not.ok(wakes(LOW_LATENCY, 0n, LOW_LATENCY, 10n ** 12n), "but not from another low-latency thread");
});

test.run();
