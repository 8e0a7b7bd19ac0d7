// service.ts — the network thread: started at boot when there is a NIC, it owns
// the NIC from then on (stack.setOwner). It takes a DHCP lease (retrying every
// few seconds until one comes), opens the kernel API's port, then loops: frames
// in by the batch (asleep until the NIC interrupts, up to the next timer), the
// ACKs the batch left pending, TCP's timers every 10 ms and the HTTP server's
// timeouts every second. Everything it runs holds the kernel lock; its waits
// release it.
import { Errno } from "../../abi";
import * as clock from "../clock";
import * as cmdline from "../cmdline";
import * as line from "../line";
import * as log from "../log";
import * as scheduler from "../sched/scheduler";
import * as dhcp from "./dhcp";
import * as http from "./http";
import * as iface from "./interface";
import * as reassembly from "./reassembly";
import * as stack from "./stack";
import * as tcp from "./tcp";

const DHCP_RETRY_NS: u64 = 5_000_000_000;
const DHCP_RETRY_MAX_NS: u64 = 60_000_000_000;
const SECOND_NS: u64 = 1_000_000_000;

let thread: i32 = scheduler.NO_THREAD;
let router: u32 = 0;
let apiPort: u32 = 0;
let serving = false;
let sweeper: u32 = 0;

/** A function the thread runs each second (the agent sockets' sweep of owners gone). */
export type Sweeper = (now: u64) => void;
export function setSweeper(sweep: Sweeper): void { sweeper = <u32>changetype<usize>(sweep); }

export function running(): bool { return thread != scheduler.NO_THREAD; }
/** The API port is open. */
export function ready(): bool { return serving; }

/** Starts the network thread, which will serve `route` on `port` once it has
 *  an address. False when there is no NIC (logged) or no thread. */
export function start(route: http.server.Router, port: u32): bool {
  if (thread != scheduler.NO_THREAD) return true;
  if (stack.init() != Errno.Ok) { log.info("net: no network interface; the network service is off"); return false; }
  router = <u32>changetype<usize>(route);
  apiPort = port;
  thread = scheduler.spawn(body, 0);
  if (thread == scheduler.NO_THREAD) { log.warn("net: no thread for the network service"); return false; }
  return true;
}

/** Asks DHCP until a lease comes: quietly after the first failure, at growing
 *  intervals (5 s doubling to a minute), since a network without a server may
 *  get one later. */
function acquireLease(): void {
  let wait = DHCP_RETRY_NS;
  let quiet = false;
  while (stack.configureByDhcp(quiet) != Errno.Ok) {
    if (!quiet) log.info("net: still asking for a DHCP lease (aios.ip= sets an address instead)");
    quiet = true;
    scheduler.sleep(wait);
    if (wait < DHCP_RETRY_MAX_NS) wait *= 2;
  }
}

function body(unused: u32): void {
  stack.setOwner(scheduler.currentThread());
  if (cmdline.staticIp() != 0) {
    stack.configureStatic(cmdline.staticIp(), cmdline.staticNetmask(), cmdline.staticRouter(), cmdline.staticNameServer());
  } else {
    acquireLease();
  }
  const opened = http.server.listen(apiPort, changetype<http.server.Router>(<usize>router));
  log.begin(opened == Errno.Ok ? log.Level.Info : log.Level.Error);
  line.text(opened == Errno.Ok ? "api: serving http://" : "api: could not open port ");
  if (opened == Errno.Ok) { stack.appendIp(iface.ip()); line.text(":"); }
  line.decimal(apiPort);
  log.end();
  serving = opened == Errno.Ok;
  let now = clock.nanoseconds();
  let nextTick = now + tcp.TICK_NS;
  let nextSecond = now + SECOND_NS;
  while (true) {
    now = clock.nanoseconds();
    stack.serve(nextTick > now ? nextTick - now : 0);
    now = clock.nanoseconds();
    if (now >= nextTick) {
      tcp.tick(now);
      reassembly.expire(now);                            // blocks of datagrams that stopped coming go back
      nextTick = now + tcp.TICK_NS;
    }
    if (now >= nextSecond) {
      http.server.tick(now);
      if (cmdline.staticIp() == 0 && dhcp.maintain(now, stack.pump) == Errno.NotReady) {   // the lease ended: a new one first
        log.warn("net: the DHCP lease ended; asking for a new one");
        acquireLease();
      }
      if (sweeper != 0) changetype<Sweeper>(<usize>sweeper)(now);
      nextSecond = now + SECOND_NS;
    }
  }
}
