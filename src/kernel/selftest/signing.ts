// signing.ts — guest scenarios for signed modules and the measurement log
// (src/kernel/measure). modules-signed: on the image as built, every module's
// signed record verifies, counter and probe instantiate and run, and the
// measurement log (the kernel's text, read-only data and signature table, then
// each module checked) is signed with the boot identity key and verifies; one
// changed byte of the log fails. modules-tampered: on an image whose counter
// module was changed after signing (build/test/aios-tampered-*.elf), counter is
// refused with an audit record while probe still runs, and the log, which
// records the refusal, still signs and verifies.
import { Errno } from "../../abi";
import * as audit from "../audit";
import * as clock from "../clock";
import * as line from "../line";
import * as log from "../log";
import * as measure from "../measure";
import { pools } from "../memory";
import * as modules from "../modules";
import { probe, registry } from "../modules";
import { expectEqual, failure } from "./report";

const COUNTER_ADD: u32 = 0;           // src/services/counter/manifest.json, in order
const COUNTER_VALUE: u32 = 1;

function report(what: string, value: u64): void {
  line.reset();
  line.text("AIOS signing ");
  line.text(what);
  line.text("=");
  line.decimal(value);
  log.publish();
}

function probeRuns(scenario: string): bool {
  const p = modules.instantiate(probe.id(), pools.KERNEL_POOL);
  if (p == modules.NO_INSTANCE) return failure(scenario, "probe did not instantiate", 0);
  const ok = modules.call(p, probe.ProbeFunction.Hello) == 1;
  modules.destroy(p);
  if (!ok) return failure(scenario, "probe's hello did not answer", 0);
  report("probe-runs", 1);
  return true;
}

/** Signs the log, checks it verifies with the boot key and that a changed byte does not. */
function logSigned(scenario: string): bool {
  const started = clock.nanoseconds();
  const sign = measure.sign();          // the first: the boot key's generation and one signature
  const took = clock.nanoseconds() - started;
  if (!expectEqual(scenario, "measure.sign", <u32>sign, <u32>Errno.Ok)) return false;
  if (measure.signedCount() != measure.count()) return failure(scenario, "signature does not cover the log", measure.signedCount());
  if (measure.bootPublicKeyAddress() == 0 || measure.signatureAddress() == 0) return failure(scenario, "no boot key or signature", 0);
  if (!measure.verifySigned()) return failure(scenario, "the log's signature does not verify", 0);
  const byte = measure.logAddress() + 2 * measure.ENTRY_SIZE + 9;      // a digest byte of the third entry
  store<u8>(byte, load<u8>(byte) ^ 1);
  const forged = measure.verifySigned();
  store<u8>(byte, load<u8>(byte) ^ 1);
  if (forged) return failure(scenario, "a changed log still verifies", 0);
  report("log-sign-us", took / 1000);
  report("log-entries", measure.count());
  report("log-signed", 1);
  return true;
}

function entryKind(i: u32): u32 { return load<u32>(measure.logAddress() + <usize>i * measure.ENTRY_SIZE); }

export function signed(): bool {
  const scenario = "modules-signed";
  const counter = registry.find("counter");
  const c = modules.instantiate(counter, pools.KERNEL_POOL);
  if (c == modules.NO_INSTANCE) return failure(scenario, "counter was refused", 0);
  report("counter-verify-us", measure.lastVerifyTime() / 1000);
  modules.call(c, COUNTER_ADD, 5);
  const value = modules.call(c, COUNTER_VALUE);
  modules.destroy(c);
  if (!expectEqual(scenario, "counter value", value, 5)) return false;
  if (!probeRuns(scenario)) return false;
  // kernel text, kernel rodata, the signature table, the kernel's record, counter, probe
  if (!expectEqual(scenario, "log entries", measure.count(), 6)) return false;
  if (entryKind(0) != measure.Kind.KernelText || entryKind(3) != measure.Kind.KernelRecord
    || entryKind(4) != measure.Kind.Module || entryKind(5) != measure.Kind.Module) {
    return failure(scenario, "log entry kinds", entryKind(4));
  }
  if (!measure.kernelImageVerified()) return failure(scenario, "the kernel's own record did not verify", 0);
  report("kernel-verified", 1);
  return logSigned(scenario);
}

export function tampered(): bool {
  const scenario = "modules-tampered";
  const audits = audit.count();
  const c = modules.instantiate(registry.find("counter"), pools.KERNEL_POOL);
  if (c != modules.NO_INSTANCE) return failure(scenario, "the tampered counter was instantiated", c);
  if (modules.instantiate(registry.find("counter"), pools.KERNEL_POOL) != modules.NO_INSTANCE) return failure(scenario, "refused once, allowed after", 0);
  if (audit.count() != audits + 1) return failure(scenario, "audit records for the refusal", audit.count() - audits);
  report("counter-refused", 1);
  if (!probeRuns(scenario)) return false;
  if (entryKind(4) != measure.Kind.ModuleRefused || entryKind(5) != measure.Kind.Module) return failure(scenario, "log entry kinds", entryKind(4));
  report("kernel-verified", measure.kernelImageVerified() ? 1 : 0);     // 0 when counter's code (in the kernel's text) changed
  return logSigned(scenario);
}
