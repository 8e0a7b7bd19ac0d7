// fsabi.ts — guest scenario "fs-abi": the file ABI (syscalls/fs.ts) used by a real
// agent (src/services/files) holding a FileSubtree capability for the directory
// agents/a1 of the mounted volume. It makes a directory, writes, syncs, seeks,
// reads, stats, lists and renames; "../" is refused and nothing outside the subtree
// is named; a read-only attenuation cannot open for writing; a 256 KiB space quota
// stops its writes with ResourceExhausted and an unlink gives the space back; a
// revoked capability opens nothing. The files it made are where the kernel looks
// for them, and fsck is clean.
import { Errno } from "../../abi";
import * as agents from "../agents";
import * as caps from "../caps";
import * as clock from "../clock";
import * as fs from "../fs";
import * as line from "../line";
import * as log from "../log";
import * as modules from "../modules";
import * as fileCalls from "../syscalls/fs";
import * as probeAgent from "./probeagent";
import * as scheduler from "../sched/scheduler";

const QUOTA: u64 = 256 << 10;
const pathBuffer = memory.data(64);

function path(text: string): u32 {
  for (let i = 0; i < text.length; i++) store<u8>(pathBuffer + <usize>i, <u8>text.charCodeAt(i));
  return <u32>text.length;
}

let failures = 0;
let agentInstance: u32 = 0;
let runExport: u32 = 0;
function step(handle: u32, n: u32): u32 { return modules.call(agentInstance, runExport, handle, n); }
function expect(name: string, got: u32, wanted: u32): void {
  if (got == wanted) return;
  failures++;
  log.begin(log.Level.Error);
  line.text("selftest: fs-abi: ");
  line.text(name);
  line.text(" gave ");
  line.decimal(got);
  line.text(", expected ");
  line.decimal(wanted);
  log.end();
}

export function fileAbi(): bool {
  if (!fs.mounted()) { log.error("selftest: fs-abi: no file system mounted"); return false; }
  failures = 0;
  fs.files.create(fs.ROOT, pathBuffer, path("agents"), fs.inode.Kind.Directory, 0);
  const subtree = fs.files.create(fs.ROOT, pathBuffer, path("agents/a1"), fs.inode.Kind.Directory, 0);
  const secret = fs.files.create(fs.ROOT, pathBuffer, path("secret.txt"), fs.inode.Kind.File, 0);
  if (subtree <= 0 || secret <= 0) { log.error("selftest: fs-abi: could not make agents/a1 and secret.txt"); return false; }
  const module = modules.registry.find("files");
  const run = modules.registry.exportIndex(module, "run");
  const agent = agents.lifecycle.spawn(probeAgent.idleSpec(module, modules.registry.exportIndex(module, "idle"), 64));
  if (agent < 0) { log.error("selftest: fs-abi: could not spawn the files agent"); return false; }
  const instance = agents.registry.instanceOf(agent);
  const rights = caps.Rights.Read | caps.Rights.Write | caps.Rights.Revoke;
  const handle = <u32>caps.createRoot(agent, caps.ObjectKind.FileSubtree, fileCalls.subtreeObject(<u32>subtree), rights, caps.NO_EXPIRY, clock.nanoseconds());
  const readOnly = <u32>caps.attenuate(agent, handle, caps.Rights.Read, caps.NO_EXPIRY, clock.nanoseconds());
  agentInstance = instance;
  runExport = run;

  expect("dir_make notes", step(handle, 1), 0);
  expect("write notes/a.txt", step(handle, 2), 12);
  expect("seek, read, stat", step(handle, 3), 0);
  expect("dir_read entries", step(handle, 4), 1);
  expect("the old name after a rename", step(handle, 5), Errno.NotFound);
  expect("../outside", step(handle, 6), Errno.InvalidArgument);
  expect("notes/../../x", step(handle, 7), Errno.InvalidArgument);
  expect("open for writing through a read-only handle", step(readOnly, 8), Errno.PermissionDenied);
  fileCalls.setQuota(agent, QUOTA);
  const kib = step(handle, 9);
  expect("KiB written under the quota (256 KiB less notes/b.txt's block, in 64 KiB writes)", kib, 192);
  expect("a write past the quota", step(handle, 10), Errno.ResourceExhausted);
  const chargedBefore = fileCalls.chargedBytes(agent);
  expect("unlink big", step(handle, 11), 0);
  const chargedAfter = fileCalls.chargedBytes(agent);
  expect("space charged after the unlink (KiB)", <u32>(chargedAfter >> 10), 4);
  caps.revoke(agent, handle, clock.nanoseconds());
  expect("open through a revoked capability", step(handle, 12), Errno.Revoked);
  expect("open through the revoked one's attenuation", step(readOnly, 12), Errno.Revoked);
  const made = fs.files.lookup(fs.ROOT, pathBuffer, path("agents/a1/notes/b.txt"));
  expect("agents/a1/notes/b.txt seen by the kernel", made > 0 ? 1 : 0, 1);
  agents.lifecycle.kill(agent);
  const problems = fs.check();
  expect("fsck problems", problems, 0);
  line.reset();
  line.text("AIOS fs-abi failures=");
  line.decimal(failures);
  line.text(" quota_kib=");
  line.decimal(QUOTA >> 10);
  line.text(" written_kib=");
  line.decimal(kib);
  line.text(" charged_before_unlink_kib=");
  line.decimal(chargedBefore >> 10);
  line.text(" fsck=");
  line.decimal(problems);
  log.publish();
  return failures == 0;
}

const WORKERS: u32 = 2;
const WORKER_FILES: u32 = 12;
const WORKER_BYTES: u32 = 12 << 10;
const WAIT_LIMIT_NS: u64 = 60_000_000_000;
const checkBuffer = memory.data(12 << 10);
const spawned = memory.data(<i32>WORKERS * 4);

/** fs-abi-concurrent: two agents (one per CPU with -smp 2) each write, fsync and
 *  read back 12 files of 12 KiB at once, through one subtree; the file calls take
 *  turns inside the file system (its I/O sleeps). Every file is whole, fsck clean. */
export function concurrentAgents(): bool {
  if (!fs.mounted()) { log.error("selftest: fs-abi-concurrent: no file system mounted"); return false; }
  const module = modules.registry.find("files");
  const worker = modules.registry.exportIndex(module, "worker");
  const shared = fs.files.create(fs.ROOT, pathBuffer, path("shared"), fs.inode.Kind.Directory, 0);
  if (shared <= 0) return false;
  for (let i: u32 = 0; i < WORKERS; i++) {
    const agent = agents.lifecycle.spawn(probeAgent.idleSpec(module, modules.registry.exportIndex(module, "idle"), 64));
    if (agent < 0) return false;
    const handle = <u32>caps.createRoot(agent, caps.ObjectKind.FileSubtree, fileCalls.subtreeObject(<u32>shared),
      caps.Rights.Read | caps.Rights.Write, caps.NO_EXPIRY, clock.nanoseconds());
    // the agent's thread has not run yet (this thread holds the kernel until it sleeps)
    agents.registry.setEntry(agent, worker, handle, i + 1);
    store<i32>(spawned + <usize>i * 4, agent);
  }
  const started = clock.nanoseconds();
  let running = true;
  while (running && clock.nanoseconds() - started < WAIT_LIMIT_NS) {
    scheduler.sleep(2_000_000);
    running = false;
    for (let i: u32 = 0; i < WORKERS; i++) {
      if (agents.registry.state(load<i32>(spawned + <usize>i * 4)) == agents.registry.State.Running) running = true;
    }
  }
  const elapsed = clock.nanoseconds() - started;
  let whole: u32 = 0;
  for (let id: u32 = 1; id <= WORKERS; id++) {
    for (let k: u32 = 0; k < WORKER_FILES; k++) {
      const n = path("shared/w0-00");
      store<u8>(pathBuffer + 8, <u8>(0x30 + id));
      store<u8>(pathBuffer + 10, <u8>(0x30 + k / 10));
      store<u8>(pathBuffer + 11, <u8>(0x30 + k % 10));
      const ino = fs.files.lookup(fs.ROOT, pathBuffer, n);
      if (ino <= 0 || fs.files.read(<u32>ino, 0, checkBuffer, WORKER_BYTES) != <i64>WORKER_BYTES) continue;
      let same = true;
      for (let j: u32 = 0; j < WORKER_BYTES && same; j++) same = load<u8>(checkBuffer + j) == <u8>((id * 7 + k * 13 + j) & 0xff);
      if (same) whole++;
    }
  }
  const problems = fs.check();
  line.reset();
  line.text("AIOS fs-abi-concurrent agents=");
  line.decimal(WORKERS);
  line.text(" files_whole=");
  line.decimal(whole);
  line.text(" of=");
  line.decimal(WORKERS * WORKER_FILES);
  line.text(" fsck=");
  line.decimal(problems);
  line.text(running ? " timed_out" : " finished");
  line.text(" ms=");
  line.decimal(elapsed / 1_000_000);
  log.publish();
  for (let i: u32 = 0; i < WORKERS; i++) agents.lifecycle.kill(load<i32>(spawned + <usize>i * 4));
  return !running && whole == WORKERS * WORKER_FILES && problems == 0;
}
