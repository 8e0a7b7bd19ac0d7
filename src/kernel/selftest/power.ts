// power.ts — guest scenarios for power management. These end the machine
// themselves: QEMU exits with status 0 (power off, or reset under -no-reboot),
// so returning at all is a failure.
import * as clock from "../clock";
import * as interrupts from "../interrupts";
import * as log from "../log";
import * as power from "../platform/power";
import * as timers from "../time/timers";
import { cpu } from "../../hal";

const WAIT_NS: u64 = 20_000_000_000;
const VECTOR_NMI: u32 = 2;

export function shutdown(): bool {
  power.shutdown();
  return false;
}

export function reset(): bool {
  power.reset();
  return false;
}

/** Waits for the host to press the power button (QEMU's system_powerdown). */
export function powerButton(): bool {
  if (!power.powerButtonArmed()) { log.error("selftest: the power button is not armed"); return false; }
  log.info("selftest: waiting for the power button");
  const start = clock.nanoseconds();
  while (clock.nanoseconds() - start < WAIT_NS) timers.sleep(10_000_000);
  return false;
}

/** Waits for an NMI from the host (QEMU's monitor "nmi"); passes once survived. */
export function nmi(): bool {
  log.info("selftest: waiting for an NMI");
  const start = clock.nanoseconds();
  while (interrupts.countOn(cpu.cpuIndex(), VECTOR_NMI) == 0 && clock.nanoseconds() - start < WAIT_NS) timers.sleep(10_000_000);
  return interrupts.countOn(cpu.cpuIndex(), VECTOR_NMI) > 0;
}
