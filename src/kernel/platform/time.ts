// time.ts — the platform's clocks: the HPET as the reference (the PIT when there
// is none), the TSC calibrated against it (invariant TSC noted), the local APIC
// timer for the timer queue (TSC-deadline mode or a calibrated one-shot), and the
// CMOS clock for wall-clock time.
import { Errno } from "../../abi";
import { cpu, hpet, lapic, rtc } from "../../hal";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import { DIRECT_MAP_BASE } from "../memory/layout";
import * as timers from "../time/timers";
import * as topology from "./topology";

const CALIBRATION_NS: u64 = 2_000_000;      // three of them, median taken
const LEAF_POWER: u32 = 0x80000007;
const POWER_EDX_INVARIANT_TSC: u32 = 1 << 8;

let bootUnixSeconds: i64 = 0;
let bootNanoseconds: u64 = 0;
let invariant = false;

/** TSC frequency from one HPET interval. Each HPET read is bracketed by two TSC
 *  reads and the bracket's midpoint used, so a host that deschedules the vCPU
 *  between the two clocks' reads skews the result less. */
function tscHzOnce(): u64 {
  const before0 = cpu.rdtsc();
  const start = hpet.counter();
  const after0 = cpu.rdtsc();
  let end = start;
  let before1: u64 = 0;
  let after1: u64 = 0;
  do {
    before1 = cpu.rdtsc();
    end = hpet.counter();
    after1 = cpu.rdtsc();
  } while (hpet.ticksToNanoseconds(end - start) < CALIBRATION_NS);
  const ticks = (before1 + after1) / 2 - (before0 + after0) / 2;
  return ticks * 1_000_000_000 / hpet.ticksToNanoseconds(end - start);
}

/** The median of three calibrations. */
function tscAgainstHpet(): u64 {
  const a = tscHzOnce();
  const b = tscHzOnce();
  const c = tscHzOnce();
  return a > b ? (b > c ? b : (a > c ? c : a)) : (a > c ? a : (b > c ? c : b));
}

export function init(): Errno {
  const haveHpet = hpet.init(DIRECT_MAP_BASE + topology.hpetPhysical());
  if (haveHpet) clock.setFrequency(tscAgainstHpet());
  else log.warn("time: no HPET; the TSC keeps its PIT calibration");
  invariant = (cpu.cpuid(LEAF_POWER, 0, cpu.CpuidRegister.Edx) & POWER_EDX_INVARIANT_TSC) != 0;

  const deadline = lapic.tscDeadlineSupported();
  let apicPerMs: u64 = 0;
  if (!deadline) apicPerMs = <u64>lapic.measureTimer(clock.nanosecondsToTicks(CALIBRATION_NS, clock.frequency())) * 1_000_000 / CALIBRATION_NS;
  const result = timers.init(deadline, apicPerMs);
  if (result != Errno.Ok) return result;

  bootUnixSeconds = rtc.readUnixSeconds(rtc.REG_CENTURY_DEFAULT);
  bootNanoseconds = clock.nanoseconds();
  log.begin(log.Level.Info);
  line.text("time: TSC ");
  line.decimal(clock.frequency() / 1000);
  line.text(" kHz");
  line.text(haveHpet ? " by HPET" : " by PIT");
  line.text(invariant ? " (invariant)" : " (not invariant)");
  line.text(", APIC timer ");
  if (deadline) line.text("TSC-deadline");
  else { line.text("one-shot "); line.decimal(apicPerMs); line.text(" ticks/ms"); }
  line.text(", RTC ");
  line.signed(bootUnixSeconds);
  line.text(" s since 1970");
  log.end();
  return Errno.Ok;
}

export function invariantTsc(): bool { return invariant; }

/** Wall-clock seconds since 1970 (UTC): the RTC at boot plus the monotonic clock. */
export function unixSeconds(): i64 {
  return bootUnixSeconds + <i64>((clock.nanoseconds() - bootNanoseconds) / 1_000_000_000);
}
