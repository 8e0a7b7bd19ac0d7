// Scenario smp-sched, with 2 and 4 CPUs: agents in endless loops run on every CPU
// at once (each CPU's busy time shows work, their runtime together is over 1.5x
// the wall interval) and none is starved; a thread pinned to CPU 1 runs only
// there, two pinned together share it; loops crowded on CPU 0 spread out when let
// go; a thread blocked on CPU 1 runs when woken from CPU 0; and an IPC ping-pong
// between threads pinned to CPUs 0 and 1 completes with every reply right. Then
// some one-CPU scenarios again with two.
import { test } from "uvu";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

for (const cpus of [2, 4]) {
  test(`scheduling on ${cpus} CPUs`, async () => {
    const result = await scenario("smp-sched", "pvh", { smp: cpus });
    expectStatus(result, STATUS_PASS);
    const busy = Array(cpus).fill("[1-9]\\d*").join(",");
    expectOutput(result, new RegExp(`AIOS smpsched parallel cpus=${cpus} agents=${cpus + 1} slept_ms=\\d+ agents_run_ms=\\d+ busy_ms=${busy} all_ran=yes `));
    expectOutput(result, /AIOS smpsched affinity ran_on=0x2,0x2 run_a_ms=[1-9]\d* run_b_ms=[1-9]\d* free_ran_on=0x[0-9a-f]+/);
    expectOutput(result, /AIOS smpsched spread per_cpu=[\d,]+ migrations=[1-9]\d* steals=\d+/);
    expectOutput(result, /AIOS smpsched wake rounds=20 on_cpu=1 mean_us=\d+ worst_us=\d+/);
    expectOutput(result, /AIOS smpsched suspend ran=yes held_still=yes resumed=yes/);
    expectOutput(result, /AIOS smpsched ipc roundtrips=1000 per_roundtrip_ns=[1-9]\d*/);
  });
}

// Scenarios written for one CPU, with agents now on two: kills of threads running
// on the other CPU, traps and watchdog timeouts there, instances destroyed after
// running elsewhere (TLB shootdowns), shared pages and leases.
for (const name of ["agents", "watchdog", "caps-abi", "fabric"]) {
  test(`${name} with 2 CPUs`, async () => {
    expectStatus(await scenario(name, "pvh", { smp: 2 }), STATUS_PASS);
  });
}

test.run();
