// lock.ts — one caller inside the file system at a time. Its code is not
// re-entrant, and its disk I/O sleeps: meanwhile another thread may enter the
// kernel on this CPU (the big kernel lock belongs to the CPU) and call in. Every
// caller that can run beside another — the agent ABI (syscalls/fs.ts), the
// telemetry store — brackets its calls with enter()/leave(); a waiter sleeps.
import * as scheduler from "../sched/scheduler";

const WAIT_NS: u64 = 100_000;
let busy = false;

export function enter(): void { while (busy) scheduler.sleep(WAIT_NS); busy = true; }
export function leave(): void { busy = false; }
export function held(): bool { return busy; }
