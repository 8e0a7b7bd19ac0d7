// tables.ts — the API's lists: agents (/api/agents, /api/agents/:id), interrupt
// counts per vector and CPU (/api/interrupts), PCI functions with the driver
// that claimed each (/api/devices), and the newest audit records with the
// chain's verdict (/api/audit).
import * as agents from "../agents";
import * as audit from "../audit";
import * as devices from "../devices";
import * as interrupts from "../interrupts";
import { pools } from "../memory";
import * as modules from "../modules";
import * as net from "../net";
import * as smp from "../platform/smp";

const NAME_BYTES: u32 = 64;
const name = memory.data(<i32>NAME_BYTES);
const hash = memory.data(32);
const DEFAULT_AUDIT_LIMIT: i64 = 50;
const MAX_AUDIT_LIMIT: i64 = 500;
const PAGE_BYTES: u64 = 65536;

function stateName(state: agents.registry.State): string {
  switch (state) {
    case agents.registry.State.Running: return "running";
    case agents.registry.State.Exited: return "exited";
    case agents.registry.State.Failed: return "failed";
    case agents.registry.State.Killed: return "killed";
  }
  return "free";
}

function hintName(hint: agents.registry.Hint): string {
  if (hint == agents.registry.Hint.Interactive) return "interactive";
  if (hint == agents.registry.Hint.LowLatency) return "low-latency";
  return "batch";
}

function describeAgent(id: i32): void {
  const module = agents.registry.moduleOf(id);
  net.http.json.objectBegin();
  net.http.json.fieldSigned("id", id);
  net.http.json.key("module");
  net.http.json.stringFrom(name, modules.registry.nameOf(module, name, NAME_BYTES));
  net.http.json.fieldUnsigned("version", modules.registry.version(module));
  net.http.json.fieldString("state", stateName(agents.registry.state(id)));
  net.http.json.fieldSigned("thread", agents.registry.threadOf(id));
  net.http.json.fieldUnsigned("weight", agents.registry.weightOf(id));
  net.http.json.fieldString("hint", hintName(agents.registry.hintOf(id)));
  net.http.json.fieldUnsigned("role", agents.registry.roleOf(id));
  net.http.json.fieldUnsigned("restarts", agents.registry.restarts(id));
  const pool = agents.registry.poolOf(id);
  net.http.json.fieldUnsigned("memory_bytes", pools.committedPages(pool) * PAGE_BYTES);
  net.http.json.fieldUnsigned("memory_quota_bytes", pools.quotaPages(pool) * PAGE_BYTES);
  net.http.json.objectEnd();
}

export function listAgents(): u32 {
  net.http.json.objectBegin();
  net.http.json.key("agents");
  net.http.json.arrayBegin();
  for (let id = 0; id < agents.registry.MAX_AGENTS; id++) {
    if (agents.registry.state(id) != agents.registry.State.Free) describeAgent(id);
  }
  net.http.json.arrayEnd();
  net.http.json.objectEnd();
  return 200;
}

export function showAgent(id: i64): u32 {
  if (id >= <i64>agents.registry.MAX_AGENTS || agents.registry.state(<i32>id) == agents.registry.State.Free) {
    net.http.json.objectBegin();
    net.http.json.fieldUnsigned("error", 404);
    net.http.json.fieldString("message", "no such agent");
    net.http.json.objectEnd();
    return 404;
  }
  describeAgent(<i32>id);
  return 200;
}

function vectorName(vector: u32): string {
  if (vector < 32) return "exception";
  if (vector == <u32>interrupts.vectors.TIMER_VECTOR) return "timer";
  if (vector == <u32>interrupts.vectors.IPI_RESCHEDULE) return "ipi-reschedule";
  if (vector == <u32>interrupts.vectors.IPI_CALL_FUNCTION) return "ipi-call";
  if (vector == <u32>interrupts.vectors.IPI_TLB_SHOOTDOWN) return "ipi-tlb";
  if (vector == <u32>interrupts.vectors.IPI_HALT) return "ipi-halt";
  if (vector == <u32>interrupts.vectors.ERROR_VECTOR) return "apic-error";
  if (vector == <u32>interrupts.vectors.SPURIOUS_VECTOR) return "spurious";
  if (vector >= interrupts.vectors.DEVICE_FIRST && vector <= interrupts.vectors.DEVICE_LAST) return "device";
  return "other";
}

export function listInterrupts(): u32 {
  const cpus = smp.onlineCpus();
  net.http.json.objectBegin();
  net.http.json.fieldUnsigned("cpus", cpus);
  net.http.json.key("vectors");
  net.http.json.arrayBegin();
  for (let vector: u32 = 0; vector < 256; vector++) {
    const total = interrupts.count(vector);
    if (total == 0) continue;
    net.http.json.objectBegin();
    net.http.json.fieldUnsigned("vector", vector);
    net.http.json.fieldString("kind", vectorName(vector));
    net.http.json.fieldUnsigned("total", total);
    net.http.json.key("per_cpu");
    net.http.json.arrayBegin();
    for (let c: u32 = 0; c < cpus; c++) net.http.json.unsigned(interrupts.countOn(c, vector));
    net.http.json.arrayEnd();
    net.http.json.objectEnd();
  }
  net.http.json.arrayEnd();
  net.http.json.objectEnd();
  return 200;
}

function driverName(driver: i32): string {
  switch (driver) {
    case 1: return "virtio-rng";
    case 2: return "virtio-blk";
    case 3: return "nvme";
    case 4: return "ahci";
    case 5: return "e1000";
    case 6: return "virtio-net";
  }
  return driver < 0 ? "" : "agent";
}

const address = memory.data(8);
function pciAddress(i: i32): void {
  const hex = "0123456789abcdef";
  const bus = devices.registry.bus(i);
  const slot = devices.registry.slot(i);
  store<u8>(address, <u8>hex.charCodeAt(<i32>(bus >> 4)));
  store<u8>(address + 1, <u8>hex.charCodeAt(<i32>(bus & 15)));
  store<u8>(address + 2, 0x3a);
  store<u8>(address + 3, <u8>hex.charCodeAt(<i32>(slot >> 4)));
  store<u8>(address + 4, <u8>hex.charCodeAt(<i32>(slot & 15)));
  store<u8>(address + 5, 0x2e);
  store<u8>(address + 6, <u8>(0x30 + devices.registry.fn(i)));
  net.http.json.stringFrom(address, 7);
}

export function listDevices(): u32 {
  net.http.json.objectBegin();
  net.http.json.key("pci");
  net.http.json.arrayBegin();
  for (let i = 0; i < devices.registry.count(); i++) {
    net.http.json.objectBegin();
    net.http.json.key("address");
    pciAddress(i);
    net.http.json.fieldUnsigned("vendor", devices.registry.vendor(i));
    net.http.json.fieldUnsigned("device", devices.registry.deviceId(i));
    net.http.json.fieldUnsigned("class", devices.registry.classCode(i));
    net.http.json.fieldUnsigned("subclass", devices.registry.subclass(i));
    const owner = devices.registry.owner(i);
    if (owner >= 0) net.http.json.fieldString("driver", driverName(owner)); else { net.http.json.key("driver"); net.http.json.nullValue(); }
    net.http.json.objectEnd();
  }
  net.http.json.arrayEnd();
  net.http.json.objectEnd();
  return 200;
}

export function listAudit(requested: i64): u32 {
  let limit = requested < 0 ? DEFAULT_AUDIT_LIMIT : requested;
  if (limit > MAX_AUDIT_LIMIT) limit = MAX_AUDIT_LIMIT;
  const count = audit.count();
  const first = <u32>(<i64>count > limit ? <i64>count - limit : 0);
  net.http.json.objectBegin();
  net.http.json.fieldUnsigned("records", count);
  net.http.json.fieldBoolean("chain_valid", audit.verify() == 0);
  net.http.json.key("head");
  audit.headHash(hash);
  net.http.json.hexString(hash, 32);
  net.http.json.key("entries");
  net.http.json.arrayBegin();
  for (let i = first; i < count; i++) {
    net.http.json.objectBegin();
    net.http.json.fieldUnsigned("sequence", audit.sequenceAt(i));
    net.http.json.fieldUnsigned("time_ns", audit.timestampAt(i));
    net.http.json.fieldUnsigned("kind", audit.kindAt(i));
    net.http.json.fieldUnsigned("subject", audit.subjectAt(i));
    net.http.json.fieldUnsigned("object", audit.objectAt(i));
    net.http.json.fieldSigned("result", <i32>audit.resultAt(i));
    net.http.json.key("hash");
    if (audit.copyHash(i, hash)) net.http.json.hexString(hash, 32); else net.http.json.nullValue();
    net.http.json.objectEnd();
  }
  net.http.json.arrayEnd();
  net.http.json.objectEnd();
  return 200;
}
