// deviceagent.ts — guest scenario for a driver agent: QEMU's edu device, for
// which the kernel has no driver, is granted to an agent, which then drives it
// through its Device capability alone (a liveness check and a factorial the
// device computes). A device a kernel driver holds cannot be granted; a Device
// capability the kernel never granted (made directly for the host bridge), a
// read-only attenuation writing, a register past the BAR and a wrong-kind handle
// are all refused.
import { Errno } from "../../abi";
import * as agents from "../agents";
import * as probeAgent from "./probeagent";
import * as caps from "../caps";
import * as clock from "../clock";
import { grants, registry } from "../devices";
import { endpoints } from "../ipc";
import * as line from "../line";
import * as log from "../log";
import * as modules from "../modules";
import { probe } from "../modules";

const EDU_VENDOR: u16 = 0x1234;
const EDU_DEVICE: u16 = 0x11e8;
const EDU_ID: u32 = 0x010000ed;
const REFUSED: u32 = 0xe000_0000;
const READ_WRITE: u32 = caps.Rights.Read | caps.Rights.Write;

function expect(name: string, got: u32, wanted: u32): bool {
  if (got == wanted) return true;
  log.begin(log.Level.Error);
  line.text("selftest: device-agent: ");
  line.text(name);
  line.text(" gave ");
  line.hex(got);
  line.text(", expected ");
  line.hex(wanted);
  log.end();
  return false;
}

export function deviceAgent(): bool {
  const edu = registry.find(EDU_VENDOR, EDU_DEVICE, 0xff, 0xff);
  if (edu < 0) return false;
  const agent = probeAgent.spawnIdle();
  if (agent < 0) return false;
  const instance = agents.registry.instanceOf(agent);

  const handle = grants.grant(agent, edu, READ_WRITE);
  let ok = handle >= 0;
  ok = expect("identification", modules.call(instance, probe.ProbeFunction.DeviceRead, <u32>handle, 0), EDU_ID) && ok;
  ok = expect("5! by the device", modules.call(instance, probe.ProbeFunction.EduFactorial, <u32>handle, 5), 120) && ok;
  ok = expect("10! by the device", modules.call(instance, probe.ProbeFunction.EduFactorial, <u32>handle, 10), 3628800) && ok;
  ok = expect("a second grant", <u32>(-grants.grant(agent, edu, READ_WRITE)), Errno.PermissionDenied) && ok;
  // a device a kernel driver holds (the first claimed one) cannot be granted
  let held = -1;
  for (let i = 0; i < registry.count() && held < 0; i++) if (registry.owner(i) >= 0 && registry.owner(i) != grants.AGENT_DRIVER) held = i;
  if (held >= 0) ok = expect("a kernel driver's device", <u32>(-grants.grant(agent, held, READ_WRITE)), Errno.PermissionDenied) && ok;
  const now = clock.nanoseconds();
  const bridge = <u32>caps.createRoot(agent, caps.ObjectKind.Device, grants.objectOf(0), READ_WRITE, caps.NO_EXPIRY, now);
  ok = expect("a device never granted", modules.call(instance, probe.ProbeFunction.DeviceRead, bridge, 0), REFUSED | Errno.PermissionDenied) && ok;
  const readOnly = <u32>caps.attenuate(agent, <u32>handle, caps.Rights.Read, caps.NO_EXPIRY, now);
  ok = expect("read-only handle reads", modules.call(instance, probe.ProbeFunction.DeviceRead, readOnly, 0), EDU_ID) && ok;
  ok = expect("read-only handle drives", modules.call(instance, probe.ProbeFunction.EduFactorial, readOnly, 5), REFUSED | Errno.PermissionDenied) && ok;
  ok = expect("past the BAR", modules.call(instance, probe.ProbeFunction.DeviceRead, <u32>handle, <u32>registry.barSize(edu, 0)), REFUSED | Errno.InvalidArgument) && ok;
  ok = expect("unaligned", modules.call(instance, probe.ProbeFunction.DeviceRead, <u32>handle, 2), REFUSED | Errno.InvalidArgument) && ok;
  const endpoint = <u32>caps.createRoot(agent, caps.ObjectKind.IpcEndpoint, <u64>endpoints.create(), READ_WRITE, caps.NO_EXPIRY, now);
  ok = expect("wrong kind", modules.call(instance, probe.ProbeFunction.DeviceRead, endpoint, 0), REFUSED | Errno.InvalidCapability) && ok;
  ok = expect("forged", modules.call(instance, probe.ProbeFunction.DeviceRead, <u32>handle ^ 0x40, 0), REFUSED | Errno.InvalidCapability) && ok;
  agents.lifecycle.kill(agent);
  line.reset();
  line.text("AIOS device-agent edu=");
  registry.appendAddress(edu);
  line.text(" checks=");
  line.text(ok ? "ok" : "failed");
  log.publish();
  return ok;
}
