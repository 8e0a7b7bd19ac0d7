// The capability system (src/kernel/caps): checks, derivation (rights only
// shrink, expiry only shortens), revocation of exactly a subtree across agents,
// drop with Linux fd semantics, expiry and reaping, forged/stale/foreign handles,
// teardown that leaves the tables empty, a JS reference model under long random
// operation sequences, and the quotas: token-bucket IPC rates, memory pools,
// CPU weights and resource groups.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";
import { random } from "./random.ts";

const E = {
  Ok: 0, InvalidArgument: 1, NotFound: 4, ResourceExhausted: 5, NotReady: 8, AlreadyExists: 9, PermissionDenied: 10,
  MemoryLimitExceeded: 11, InvalidCapability: 12, AgentNotFound: 14, Expired: 15, Revoked: 16, RateLimited: 17,
};
const Kind = { Agent: 1, MemoryRegion: 2, IpcEndpoint: 3, EventTopic: 4, Device: 5, NetworkPort: 6, FileSubtree: 7, Timer: 8, Key: 9 };
const R = { Read: 1, Write: 2, Execute: 4, Grant: 8, Revoke: 16, Map: 32, Send: 64, Receive: 128, Subscribe: 256, Control: 512 };
const ALL = 0x3ff;
const MAX_AGENTS = 64, MAX_HANDLES = 256, MAX_CAPABILITIES = 4096;
const SECOND = 1_000_000_000n;
const UNLIMITED_RATE = 0xffff_ffff;
const UNDECIDED = -(2 ** 31);                 // caps.checkFast: "ask check()"
const GENERATIONS = 2 ** 17 - 1;              // handle generations before they repeat
const NO_GROUP = -1;

const RETRY = 0xffff_ffff;                     // syscalls.RETRY: "make the call the locked way"
/** The module instance slot each agent is bound to in these tests (the unlocked
 *  check finds the caller's agent from its instance). */
const instanceOf = (agent: number) => agent % 64;

/** A fresh kernel instance with empty capability tables. */
function kernel() {
  const machine = boot();
  const { k } = machine;
  k.capsInit();
  for (let agent = 0; agent < MAX_AGENTS; agent++) k.capsBindInstance(agent, instanceOf(agent));
  const scratch = k.scratchBuffer() as number;
  const describe = (agent: number, handle: number) => {
    const code = k.capsDescribe(agent, handle, scratch);
    const view = new DataView((k.memory as WebAssembly.Memory).buffer);
    return { code, kind: view.getUint32(scratch, true), rights: view.getUint32(scratch + 4, true),
      object: view.getBigUint64(scratch + 8, true), expiry: view.getBigUint64(scratch + 16, true) };
  };
  return { ...machine, k, describe };
}

/** An i32 result as an error code: values (handles, indices, counts) are Ok. */
const code = (result: number) => (result < 0 ? -result : E.Ok);

type Kernel = ReturnType<typeof kernel>;
/** check() and its fast path (the ABI's): checkFast gives check()'s index or
 *  UNDECIDED, and decides exactly the passing checks of capabilities without an
 *  expiry. Returns check()'s result. */
function checkBoth({ k, describe }: Kernel, agent: number, handle: number, kind: number, rights: number, now: bigint, label = ""): number {
  const full = k.capsCheck(agent, handle, kind, rights, now);
  const fast = k.capsCheckFast(agent, handle, kind, rights);
  if (fast !== UNDECIDED) assert.is(fast, full, `${label} checkFast answered what check() does not`);
  const forever = full >= 0 && describe(agent, handle).expiry === 0n;
  assert.is(fast !== UNDECIDED, forever, `${label} checkFast decides a passing check without an expiry, and only that`);
  if (kind === Kind.Agent && agent >= 0 && agent < MAX_AGENTS && (rights & ~ALL) === 0) {
    // aios.cap_check's unlocked export, as its import stub runs it: inside a read
    // of the tables' sequence counter, which a check never moves
    const begun = k.capsVersion();
    const unlocked = k.capsCheckUnlocked(instanceOf(agent), handle, rights) >>> 0;
    assert.is(k.capsVersion(), begun, `${label} a check changes nothing`);
    assert.is(begun % 2, 0, `${label} the counter is even at rest`);
    assert.is(unlocked, forever ? 0 : RETRY, `${label} the unlocked check answers 0 exactly when checkFast passes, else retry`);
  }
  return full;
}

test("a root capability passes its check; kind, rights and arguments are checked in order", () => {
  const { k } = kernel();
  assert.is(k.capsOpenAgent(1, 0n), E.Ok);
  const h = k.capsCreateRoot(1, Kind.IpcEndpoint, 77n, ALL, 0n, 0n);
  assert.ok(h > 0, "a handle is positive and never 0");
  const index = k.capsCheck(1, h, Kind.IpcEndpoint, R.Send | R.Receive, 0n);
  assert.ok(index >= 0);
  assert.is(k.capsObjectAt(index), 77n);
  assert.is(code(k.capsCheck(1, h, Kind.Device, R.Read, 0n)), E.InvalidCapability, "wrong kind");
  assert.is(code(k.capsCheck(1, h, 0, R.Read, 0n)), E.InvalidArgument, "kind 0");
  assert.is(code(k.capsCheck(1, h, 10, R.Read, 0n)), E.InvalidArgument, "kind past the last");
  assert.is(code(k.capsCheck(1, h, Kind.IpcEndpoint, 1 << 10, 0n)), E.InvalidArgument, "undefined rights bit");
  assert.is(code(k.capsCheck(-1, h, Kind.IpcEndpoint, 0, 0n)), E.InvalidArgument);
  assert.is(code(k.capsCheck(MAX_AGENTS, h, Kind.IpcEndpoint, 0, 0n)), E.InvalidArgument);
  assert.is(code(k.capsCheck(2, h, Kind.IpcEndpoint, 0, 0n)), E.AgentNotFound, "agent 2 has no table");
  const readOnly = k.capsAttenuate(1, h, R.Read, 0n, 0n);
  assert.is(code(k.capsCheck(1, readOnly, Kind.IpcEndpoint, R.Send, 0n)), E.PermissionDenied);
  assert.is(k.capsRightsAll(), ALL);
  assert.is(k.capsOpenAgent(1, 0n), E.AlreadyExists);
  assert.is(k.capsOpenAgent(MAX_AGENTS, 0n), E.InvalidArgument);
  assert.is(code(k.capsCreateRoot(1, Kind.Timer, 1n, ALL | 1 << 12, 0n, 0n)), E.InvalidArgument);
  assert.is(code(k.capsCreateRoot(1, Kind.Timer, 1n, ALL, 5n, 5n)), E.InvalidArgument, "an expiry already reached");
  assert.is(code(k.capsCreateRoot(3, Kind.Timer, 1n, ALL, 0n, 0n)), E.AgentNotFound);
  assert.is(k.capsVerify(), E.Ok);
});

test("derivation: rights and expiry only shrink, and asking for more is refused", () => {
  const { k, describe } = kernel();
  k.capsOpenAgent(0, 0n);
  const root = k.capsCreateRoot(0, Kind.MemoryRegion, 5n, R.Read | R.Write | R.Map | R.Grant, 1000n, 0n);
  const copy = k.capsDuplicate(0, root, 10n);
  assert.equal(describe(0, copy), { code: E.Ok, kind: Kind.MemoryRegion, rights: R.Read | R.Write | R.Map | R.Grant, object: 5n, expiry: 1000n });
  const narrow = k.capsAttenuate(0, copy, R.Read, 500n, 10n);
  assert.equal(describe(0, narrow), { code: E.Ok, kind: Kind.MemoryRegion, rights: R.Read, object: 5n, expiry: 500n });
  assert.is(code(k.capsAttenuate(0, narrow, R.Read | R.Write, 0n, 10n)), E.PermissionDenied, "a right not held");
  assert.is(code(k.capsAttenuate(0, narrow, R.Read, 600n, 10n)), E.PermissionDenied, "a later expiry");
  assert.is(code(k.capsAttenuate(0, narrow, R.Read | 1 << 15, 0n, 10n)), E.InvalidArgument);
  assert.is(code(k.capsAttenuate(0, narrow, R.Read, 10n, 10n)), E.InvalidArgument, "already expired");
  assert.is(describe(0, k.capsAttenuate(0, narrow, 0, 0n, 10n)).expiry, 500n, "expiry 0 inherits the parent's");
  const forever = k.capsCreateRoot(0, Kind.Timer, 1n, ALL, 0n, 0n);
  assert.is(describe(0, k.capsAttenuate(0, forever, R.Read, 0n, 0n)).expiry, 0n);
  assert.is(describe(0, k.capsAttenuate(0, forever, R.Read, 99n, 0n)).expiry, 99n);
  assert.is(k.capsVerify(), E.Ok);
});

test("grant needs Grant and an open target; the handle works only in the target's table", () => {
  const { k } = kernel();
  k.capsOpenAgent(1, 0n); k.capsOpenAgent(2, 0n);
  const root = k.capsCreateRoot(1, Kind.EventTopic, 9n, ALL, 0n, 0n);
  const given = k.capsGrant(1, root, 2, R.Subscribe | R.Grant, 0n, 0n);
  assert.ok(given > 0);
  assert.ok(k.capsCheck(2, given, Kind.EventTopic, R.Subscribe, 0n) >= 0);
  assert.is(code(k.capsCheck(1, given, Kind.EventTopic, 0, 0n)), E.InvalidCapability, "agent 2's handle in agent 1");
  assert.is(code(k.capsCheck(2, root, Kind.EventTopic, 0, 0n)), E.InvalidCapability, "agent 1's handle in agent 2");
  const noGrant = k.capsAttenuate(1, root, R.Subscribe, 0n, 0n);
  assert.is(code(k.capsGrant(1, noGrant, 2, R.Subscribe, 0n, 0n)), E.PermissionDenied);
  assert.is(code(k.capsGrant(1, root, 3, R.Read, 0n, 0n)), E.AgentNotFound);
  assert.is(code(k.capsGrant(1, root, 64, R.Read, 0n, 0n)), E.InvalidArgument);
  assert.is(code(k.capsGrant(2, given, 1, R.Send, 0n, 0n)), E.PermissionDenied, "re-granting cannot add rights");
  assert.ok(k.capsGrant(2, given, 1, R.Subscribe, 0n, 0n) > 0, "agent 2 may pass on what it holds");
});

test("revoke takes the whole subtree across agents and leaves Revoked tombstones", () => {
  const { k } = kernel();
  for (const agent of [1, 2, 3]) k.capsOpenAgent(agent, 0n);
  const root = k.capsCreateRoot(1, Kind.Device, 3n, ALL, 0n, 0n);
  const a = k.capsGrant(1, root, 2, ALL, 0n, 0n);
  const b = k.capsGrant(2, a, 3, R.Read | R.Grant, 0n, 0n);
  const c = k.capsDuplicate(3, b, 0n);
  const sibling = k.capsGrant(1, root, 3, R.Read, 0n, 0n);
  const noRevoke = k.capsAttenuate(2, a, R.Read, 0n, 0n);
  assert.is(k.capsRevoke(2, noRevoke, 0n), E.PermissionDenied);
  assert.is(k.capsCount(), 6);
  assert.is(k.capsRevoke(2, a, 0n), E.Ok);
  for (const [agent, handle] of [[2, a], [3, b], [3, c], [2, noRevoke]]) {
    assert.is(code(k.capsCheck(agent, handle, Kind.Device, 0, 0n)), E.Revoked, `agent ${agent}`);
  }
  assert.ok(k.capsCheck(1, root, Kind.Device, 0, 0n) >= 0, "the ancestor stays");
  assert.ok(k.capsCheck(3, sibling, Kind.Device, 0, 0n) >= 0, "a sibling subtree stays");
  assert.is(k.capsCount(), 2, "revoked records are freed at once");
  assert.is(k.capsHandleCount(3), 3, "tombstones hold their slots until dropped");
  assert.is(k.capsDrop(3, b), E.Ok);
  assert.is(code(k.capsCheck(3, b, Kind.Device, 0, 0n)), E.InvalidCapability, "a dropped tombstone is stale");
  assert.is(k.capsRevokeDerived(1, root, 0n), E.Ok);
  assert.ok(k.capsCheck(1, root, Kind.Device, 0, 0n) >= 0, "revokeDerived keeps the handle itself");
  assert.is(code(k.capsCheck(3, sibling, Kind.Device, 0, 0n)), E.Revoked);
  assert.is(k.capsCount(), 1);
  assert.is(k.capsVerify(), E.Ok);
});

test("drop ends one handle; what was derived through it stays revocable from above", () => {
  const { k } = kernel();
  k.capsOpenAgent(1, 0n); k.capsOpenAgent(2, 0n);
  const root = k.capsCreateRoot(1, Kind.NetworkPort, 80n, ALL, 0n, 0n);
  const middle = k.capsDuplicate(1, root, 0n);
  const leaf = k.capsGrant(1, middle, 2, R.Read, 0n, 0n);
  assert.is(k.capsDrop(1, middle), E.Ok);
  assert.is(code(k.capsCheck(1, middle, Kind.NetworkPort, 0, 0n)), E.InvalidCapability);
  assert.ok(k.capsCheck(2, leaf, Kind.NetworkPort, R.Read, 0n) >= 0, "agent 2 keeps its capability");
  assert.is(k.capsVerify(), E.Ok);
  assert.is(k.capsRevoke(1, root, 0n), E.Ok);
  assert.is(code(k.capsCheck(2, leaf, Kind.NetworkPort, 0, 0n)), E.Revoked, "the grandparent's revoke still reaches it");
  const orphanParent = k.capsCreateRoot(1, Kind.NetworkPort, 81n, ALL, 0n, 0n);
  const orphan = k.capsGrant(1, orphanParent, 2, R.Read, 0n, 0n);
  assert.is(k.capsDrop(1, orphanParent), E.Ok);
  assert.ok(k.capsCheck(2, orphan, Kind.NetworkPort, 0, 0n) >= 0, "a dropped root's child becomes a root");
  assert.is(k.capsRevokeObject(Kind.NetworkPort, 81n), 1, "the kernel revokes by object");
  assert.is(code(k.capsCheck(2, orphan, Kind.NetworkPort, 0, 0n)), E.Revoked);
  assert.is(code(k.capsRevokeObject(0, 81n)), E.InvalidArgument);
  assert.is(k.capsDrop(1, 12345), E.InvalidCapability);
  assert.is(k.capsVerify(), E.Ok);
});

test("expiry: a capability and its children stop at the expiry; reap frees them", () => {
  const { k } = kernel();
  k.capsOpenAgent(1, 0n); k.capsOpenAgent(2, 0n);
  const root = k.capsCreateRoot(1, Kind.Timer, 4n, ALL, 100n * SECOND, 0n);
  const child = k.capsGrant(1, root, 2, R.Read, 0n, 0n);
  const early = k.capsAttenuate(1, root, R.Read, 50n * SECOND, 0n);
  assert.ok(k.capsCheck(2, child, Kind.Timer, R.Read, 100n * SECOND - 1n) >= 0);
  assert.is(code(k.capsCheck(2, child, Kind.Timer, R.Read, 100n * SECOND)), E.Expired, "the expiry instant is past");
  assert.is(code(k.capsCheck(1, early, Kind.Timer, R.Read, 50n * SECOND)), E.Expired);
  assert.is(code(k.capsDuplicate(1, early, 60n * SECOND)), E.Expired, "no derivation from an expired capability");
  assert.is(k.capsRevoke(1, early, 60n * SECOND), E.Expired);
  assert.is(k.capsReap(60n * SECOND), 1);
  assert.is(k.capsReap(100n * SECOND), 2, "the root and its child");
  assert.is(k.capsCount(), 0);
  assert.is(code(k.capsCheck(2, child, Kind.Timer, 0, 0n)), E.Expired, "a tombstone answers Expired at any time");
  assert.is(k.capsDrop(2, child), E.Ok);
  assert.is(k.capsVerify(), E.Ok);
});

test("checkFast: the index of a passing check without an expiry, else UNDECIDED, never another answer", () => {
  const machine = kernel();
  const { k } = machine;
  assert.is(k.capsOpenAgent(1, 0n), E.Ok);
  assert.is(k.capsOpenAgent(2, 0n), E.Ok);
  const h = k.capsCreateRoot(1, Kind.IpcEndpoint, 77n, R.Send | R.Receive | R.Revoke, 0n, 0n);
  const index = k.capsCheck(1, h, Kind.IpcEndpoint, R.Send, 0n);
  assert.is(k.capsCheckFast(1, h, Kind.IpcEndpoint, R.Send), index, "the common case is decided");
  assert.is(k.capsCheckFast(1, h, Kind.IpcEndpoint, 0), index);
  const undecided: [string, number, number, number, number][] = [
    ["wrong kind", 1, h, Kind.Device, R.Send], ["missing right", 1, h, Kind.IpcEndpoint, R.Write],
    ["kind 0", 1, h, 0, 0], ["kind past the last", 1, h, 10, 0], ["undefined rights bit", 1, h, Kind.IpcEndpoint, 1 << 10],
    ["another agent", 2, h, Kind.IpcEndpoint, 0], ["no agent", -1, h, Kind.IpcEndpoint, 0],
    ["agent past the table", MAX_AGENTS, h, Kind.IpcEndpoint, 0], ["agent far out", 1 << 20, h, Kind.IpcEndpoint, 0],
    ["closed agent", 3, h, Kind.IpcEndpoint, 0], ["forged generation", 1, h ^ (1 << 14), Kind.IpcEndpoint, 0],
    ["forged agent field", 1, h ^ (1 << 8), Kind.IpcEndpoint, 0], ["bit 31", 1, h | (1 << 31), Kind.IpcEndpoint, 0],
    ["free slot", 1, h + 1, Kind.IpcEndpoint, 0], ["handle 0", 1, 0, Kind.IpcEndpoint, 0],
  ];
  for (const [label, agent, handle, kind, rights] of undecided) {
    assert.is(k.capsCheckFast(agent, handle, kind, rights), UNDECIDED, label);
    assert.ok(k.capsCheck(agent, handle, kind, rights, 0n) < 0, `${label}: check() refuses it too`);
  }
  const expiring = k.capsCreateRoot(1, Kind.IpcEndpoint, 77n, R.Send, 10n * SECOND, 0n);
  assert.is(k.capsCheckFast(1, expiring, Kind.IpcEndpoint, R.Send), UNDECIDED, "an expiry needs the time, even before it");
  assert.ok(k.capsCheck(1, expiring, Kind.IpcEndpoint, R.Send, 0n) >= 0);
  const derived = k.capsDuplicate(1, h, 0n);
  assert.ok(checkBoth(machine, 1, derived, Kind.IpcEndpoint, R.Send, 0n) >= 0);
  assert.is(k.capsRevoke(1, h, 0n), E.Ok);
  assert.is(k.capsCheckFast(1, h, Kind.IpcEndpoint, 0), UNDECIDED, "a Revoked tombstone");
  assert.is(k.capsCheckFast(1, derived, Kind.IpcEndpoint, 0), UNDECIDED, "a revoked child");
  assert.is(code(k.capsCheck(1, derived, Kind.IpcEndpoint, 0, 0n)), E.Revoked);
});

test("a slot's handle changes generation at every reuse and repeats only after 2^17 - 1 of them", () => {
  const { k } = kernel();
  assert.is(k.capsOpenAgent(5, 0n), E.Ok);
  const first = k.capsCreateRoot(5, Kind.Agent, 1n, ALL, 0n, 0n);
  assert.is(first, (1 << 14) | (5 << 8) | 0, "a fresh table's first handle: generation 1, agent 5, slot 0");
  let previous = first;
  for (let reuse = 1; reuse < GENERATIONS; reuse++) {
    assert.is(k.capsDrop(5, previous), E.Ok);
    const handle = k.capsCreateRoot(5, Kind.Agent, 1n, ALL, 0n, 0n);
    if (handle !== (((reuse % GENERATIONS) + 1) << 14 | (5 << 8))) assert.unreachable(`reuse ${reuse} gave ${handle.toString(16)}`);
    previous = handle;
  }
  assert.is(previous >>> 14, GENERATIONS, "the last generation before they repeat");
  assert.is(code(k.capsCheck(5, first, Kind.Agent, 0, 0n)), E.InvalidCapability, "not yet: slot 0 is at its last generation");
  assert.is(k.capsDrop(5, previous), E.Ok);
  assert.is(k.capsCreateRoot(5, Kind.Agent, 1n, ALL, 0n, 0n), first, "then generation 1 again");
  assert.is(k.capsVerify(), E.Ok);
});

test("forged, stale and foreign handles are refused and never trap", () => {
  const { k } = kernel();
  const next = random(7);
  for (let agent = 0; agent < 4; agent++) k.capsOpenAgent(agent, 0n);
  const real = new Set<number>();
  for (let i = 0; i < 200; i++) real.add(k.capsCreateRoot(i % 4, Kind.Agent, BigInt(i), ALL, 0n, 0n) >>> 0);
  let tried = 0;
  for (let i = 0; i < 20000; i++) {
    const forged = Math.floor(next() * 2 ** 32);
    if (real.has(forged)) continue;
    tried++;
    assert.is(code(k.capsCheck(i % 4, forged | 0, Kind.Agent, 0, 0n)), E.InvalidCapability, `forged ${forged.toString(16)}`);
    assert.is(k.capsDrop(i % 4, forged | 0), E.InvalidCapability);
  }
  assert.ok(tried > 19000);
  const first = k.capsCreateRoot(0, Kind.Agent, 1n, ALL, 0n, 0n);
  k.capsDrop(0, first);
  const reused = k.capsCreateRoot(0, Kind.Agent, 2n, ALL, 0n, 0n);
  assert.is.not(reused, first, "the slot is reused under a new generation");
  assert.is(code(k.capsCheck(0, first, Kind.Agent, 0, 0n)), E.InvalidCapability);
  k.capsCloseAgent(0);
  k.capsOpenAgent(0, 0n);
  assert.is(code(k.capsCheck(0, reused, Kind.Agent, 0, 0n)), E.InvalidCapability, "a handle of the table's last user");
});

test("tables fill up with ResourceExhausted and close back to empty", () => {
  const { k } = kernel();
  k.capsOpenAgent(0, 0n);
  const root = k.capsCreateRoot(0, Kind.Device, 1n, ALL, 0n, 0n);
  for (let i = 1; i < MAX_HANDLES; i++) assert.ok(k.capsDuplicate(0, root, 0n) > 0);
  assert.is(code(k.capsDuplicate(0, root, 0n)), E.ResourceExhausted, "agent 0's table is full");
  assert.is(k.capsCount(), MAX_HANDLES, "the refused record was given back");
  for (let agent = 1; agent < MAX_AGENTS; agent++) k.capsOpenAgent(agent, 0n);
  let made = MAX_HANDLES;
  for (let agent = 1; made < MAX_CAPABILITIES; agent++) {
    for (let i = 0; i < MAX_HANDLES && made < MAX_CAPABILITIES; i++, made++) assert.ok(k.capsGrant(0, root, agent, R.Read, 0n, 0n) > 0);
  }
  assert.is(code(k.capsGrant(0, root, 40, R.Read, 0n, 0n)), E.ResourceExhausted, "the global table is full");
  assert.is(code(k.capsCreateRoot(40, Kind.Device, 2n, ALL, 0n, 0n)), E.ResourceExhausted);
  assert.is(k.capsVerify(), E.Ok);
  for (let agent = MAX_AGENTS - 1; agent >= 0; agent--) assert.is(k.capsCloseAgent(agent), E.Ok);
  assert.is(k.capsCount(), 0);
  assert.is(k.capsCloseAgent(0), E.AgentNotFound);
  assert.is(k.capsVerify(), E.Ok);
});

// ---- the reference model: the same rules written plainly over JS objects
type State = "live" | "revoked" | "expired";
interface Cap { kind: number; object: bigint; rights: number; expiry: bigint; parent: Cap | null; children: Set<Cap>; holder: Held }
interface Held { agent: number; handle: number; state: State; cap: Cap | null }

const expiredAt = (expiry: bigint, now: bigint) => expiry !== 0n && now >= expiry;
const within = (wanted: number, held: number) => (wanted & ~held) === 0;

class Model {
  open = new Set<number>();
  held = new Map<string, Held>();
  dead: [number, number][] = [];      // dropped handles, to show they went stale
  capCount = 0;

  key = (agent: number, handle: number) => `${agent}:${handle >>> 0}`;
  slots = (agent: number) => [...this.held.values()].filter((h) => h.agent === agent).length;
  agentError(agent: number) { return agent < 0 || agent >= MAX_AGENTS ? E.InvalidArgument : this.open.has(agent) ? E.Ok : E.AgentNotFound; }

  resolve(agent: number, handle: number, now: bigint): number | Held {
    const error = this.agentError(agent);
    if (error) return error;
    const held = this.held.get(this.key(agent, handle));
    if (!held) return E.InvalidCapability;
    if (held.state === "revoked") return E.Revoked;
    if (held.state === "expired" || expiredAt(held.cap!.expiry, now)) return E.Expired;
    return held;
  }
  check(agent: number, handle: number, kind: number, rights: number, now: bigint): number {
    if (kind < 1 || kind > 8 || !within(rights, ALL)) return E.InvalidArgument;
    const held = this.resolve(agent, handle, now);
    if (typeof held === "number") return held;
    if (held.cap!.kind !== kind) return E.InvalidCapability;
    return within(rights, held.cap!.rights) ? E.Ok : E.PermissionDenied;
  }
  room(agent: number) { return this.capCount >= MAX_CAPABILITIES || this.slots(agent) >= MAX_HANDLES ? E.ResourceExhausted : E.Ok; }
  /** Expected outcome of a derivation, and the record it would make. */
  derive(agent: number, handle: number, target: number, rights: number, expiry: bigint, needed: number, now: bigint) {
    if (!within(rights, ALL) || expiredAt(expiry, now) || target < 0 || target >= MAX_AGENTS) return { code: E.InvalidArgument };
    const held = this.resolve(agent, handle, now);
    if (typeof held === "number") return { code: held };
    if (!this.open.has(target)) return { code: E.AgentNotFound };
    const parent = held.cap!;
    if (!within(needed, parent.rights) || !within(rights, parent.rights)) return { code: E.PermissionDenied };
    const effective = expiry === 0n ? parent.expiry : expiry;
    if (parent.expiry !== 0n && (effective === 0n || effective > parent.expiry)) return { code: E.PermissionDenied };
    return { code: this.room(target), parent, expiry: effective };
  }
  add(agent: number, handle: number, kind: number, object: bigint, rights: number, expiry: bigint, parent: Cap | null) {
    const holder: Held = { agent, handle, state: "live", cap: null };
    const cap: Cap = { kind, object, rights, expiry, parent, children: new Set(), holder };
    holder.cap = cap;
    parent?.children.add(cap);
    this.held.set(this.key(agent, handle), holder);
    this.capCount++;
  }
  removeSubtree(cap: Cap, why: State): number {
    cap.parent?.children.delete(cap);
    let removed = 0;
    const stack = [cap];
    while (stack.length) {
      const node = stack.pop()!;
      stack.push(...node.children);
      node.holder.state = why;
      node.holder.cap = null;
      removed++;
    }
    this.capCount -= removed;
    return removed;
  }
  drop(agent: number, handle: number) {
    const held = this.held.get(this.key(agent, handle))!;
    const cap = held.cap;
    if (cap) {
      for (const child of cap.children) { child.parent = cap.parent; cap.parent?.children.add(child); }
      cap.parent?.children.delete(cap);
      this.capCount--;
    }
    this.held.delete(this.key(agent, handle));
    this.dead.push([agent, handle]);
  }
  caps(): Cap[] { return [...this.held.values()].filter((h) => h.cap).map((h) => h.cap!); }
}

/** Each operation's share of the random steps: a balanced mix, and one that grows
 *  the tables until agents' handle tables fill (ResourceExhausted). */
type Mix = [string, number][];
const BALANCED: Mix = [
  ["create", 0.08], ["duplicate", 0.14], ["attenuate", 0.16], ["grant", 0.18], ["revoke", 0.07], ["drop", 0.10],
  ["advance", 0.07], ["reap", 0.02], ["revokeObject", 0.01], ["open", 0.02], ["close", 0.005], ["foreign", 0.145],
];
const GROWING: Mix = [
  ["create", 0.10], ["duplicate", 0.25], ["attenuate", 0.20], ["grant", 0.25], ["revoke", 0.01], ["drop", 0.02],
  ["advance", 0.01], ["reap", 0.002], ["revokeObject", 0.001], ["open", 0.02], ["close", 0.0005], ["foreign", 0.1265],
];

/** What a check can see of the tables, as far as the model knows it: each held
 *  handle's answer, the open agents and the record count. */
function tablesFingerprint({ k }: Kernel, model: Model): string {
  const held = [...model.held.values()].map((h) => `${h.agent}:${h.handle}:${h.state}:${h.cap ? `${h.cap.kind}/${h.cap.rights}/${h.cap.expiry}` : "-"}`).sort();
  return `${[...model.open].sort().join(",")}|${k.capsCount()}|${held.join(" ")}`;
}

function randomRun(seed: number, steps: number, population: number, mix: Mix = BALANCED) {
  const machine = kernel();
  const { k, describe } = machine;
  const model = new Model();
  const next = random(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)];
  const chance = (p: number) => next() < p;
  const choose = (): string => { let roll = next(); for (const [name, share] of mix) if ((roll -= share) < 0) return name; return "foreign"; };
  const agents = [0, 1, 2, 3, 4, 63];
  let now = 1000n;
  for (const agent of agents.slice(0, 4)) { k.capsOpenAgent(agent, now); model.open.add(agent); }
  /** A handle to act on: mostly a live one, by its holder (sometimes another agent), else a tombstone, stale or forged. */
  const target = (): [number, number] => {
    const all = [...model.held.values()], live = all.filter((h) => h.cap);
    const roll = next();
    const h = live.length && roll < 0.75 ? pick(live) : all.length && roll < 0.9 ? pick(all) : null;
    if (h) return [chance(0.93) ? h.agent : pick(agents), h.handle];
    if (model.dead.length && chance(0.5)) return pick(model.dead);
    return [pick(agents), Math.floor(next() * 2 ** 32) | 0];
  };
  const someRights = (base: number) => (chance(0.85) ? base & Math.floor(next() * 1024) : Math.floor(next() * 2048));
  const someExpiry = (): bigint => (chance(0.6) ? 0n : now + BigInt(Math.floor(next() * 20000) - 200));
  const derived = (result: number, expected: ReturnType<Model["derive"]>, agent: number, label: string, rights?: number) => {
    assert.is(code(result), expected.code, label);
    if (expected.code === E.Ok) {
      const parent = expected.parent!;
      model.add(agent, result, parent.kind, parent.object, rights ?? parent.rights, expected.expiry!, parent);
    }
  };
  for (let step = 0; step < steps; step++) {
    const op = model.held.size > population ? "drop" : choose();
    const label = `seed ${seed} step ${step} ${op}`;
    // a lock-free reader that began before this step: whatever the step changes
    // in the tables must move the counter, or that reader could trust a torn read
    const begun = k.capsVersion();
    const before = tablesFingerprint(machine, model);
    if (op === "create") {
      const agent = pick(agents), kind = 1 + Math.floor(next() * 8), object = BigInt(Math.floor(next() * 6));
      const rights = chance(0.7) ? ALL : someRights(ALL), expiry = someExpiry();
      const result = k.capsCreateRoot(agent, kind, object, rights, expiry, now);
      let expected = !within(rights, ALL) || expiredAt(expiry, now) ? E.InvalidArgument : model.agentError(agent);
      if (expected === E.Ok) expected = model.room(agent);
      assert.is(code(result), expected, label);
      if (expected === E.Ok) model.add(agent, result, kind, object, rights, expiry, null);
    } else if (op === "duplicate") {
      const [agent, handle] = target();
      const held = model.resolve(agent, handle, now);
      const expected = typeof held === "number" ? { code: held } : model.derive(agent, handle, agent, held.cap!.rights, 0n, 0, now);
      derived(k.capsDuplicate(agent, handle, now), expected, agent, label);
    } else if (op === "attenuate") {
      const [agent, handle] = target();
      const rights = someRights(model.held.get(model.key(agent, handle))?.cap?.rights ?? ALL), expiry = someExpiry();
      derived(k.capsAttenuate(agent, handle, rights, expiry, now), model.derive(agent, handle, agent, rights, expiry, 0, now), agent, label, rights);
    } else if (op === "grant") {
      const [agent, handle] = target();
      const to = chance(0.97) ? pick(agents) : 64;
      const rights = someRights(model.held.get(model.key(agent, handle))?.cap?.rights ?? ALL), expiry = someExpiry();
      derived(k.capsGrant(agent, handle, to, rights, expiry, now), model.derive(agent, handle, to, rights, expiry, R.Grant, now), to, label, rights);
    } else if (op === "revoke") {
      const [agent, handle] = target();
      const only = chance(0.3);
      const held = model.resolve(agent, handle, now);
      const expected = typeof held === "number" ? held : within(R.Revoke, held.cap!.rights) ? E.Ok : E.PermissionDenied;
      const result = only ? k.capsRevokeDerived(agent, handle, now) : k.capsRevoke(agent, handle, now);
      assert.is(result, expected, label);
      if (expected === E.Ok && typeof held !== "number") {
        if (only) for (const child of [...held.cap!.children]) model.removeSubtree(child, "revoked");
        else model.removeSubtree(held.cap!, "revoked");
      }
    } else if (op === "drop") {
      const [agent, handle] = target();
      const error = model.agentError(agent);
      const expected = error || (model.held.has(model.key(agent, handle)) ? E.Ok : E.InvalidCapability);
      assert.is(k.capsDrop(agent, handle), expected, label);
      if (expected === E.Ok) model.drop(agent, handle);
    } else if (op === "advance") {
      now += BigInt(Math.floor(next() * 600));
    } else if (op === "reap") {
      let expected = 0;
      for (const cap of model.caps()) if (cap.holder.cap && expiredAt(cap.expiry, now)) expected += model.removeSubtree(cap, "expired");
      assert.is(k.capsReap(now), expected, label);
    } else if (op === "revokeObject") {
      const kind = 1 + Math.floor(next() * 8), object = BigInt(Math.floor(next() * 6));
      let expected = 0;
      for (const cap of model.caps()) if (cap.holder.cap && cap.kind === kind && cap.object === object) expected += model.removeSubtree(cap, "revoked");
      assert.is(k.capsRevokeObject(kind, object), expected, label);
    } else if (op === "open") {
      const agent = pick(agents);
      assert.is(k.capsOpenAgent(agent, now), model.open.has(agent) ? E.AlreadyExists : E.Ok, label);
      model.open.add(agent);
    } else if (op === "close") {
      const agent = pick(agents);
      assert.is(k.capsCloseAgent(agent), model.agentError(agent), label);
      for (const held of [...model.held.values()]) if (held.agent === agent) model.drop(agent, held.handle);
      model.open.delete(agent);
    } else {                                  // a live handle tried by every other agent, and a forged one
      const live = [...model.held.values()].filter((h) => h.cap);
      if (live.length) {
        const h = pick(live);
        for (const agent of agents) {
          const kind = h.cap!.kind;
          assert.is(code(checkBoth(machine, agent, h.handle, kind, 0, now, label)), model.check(agent, h.handle, kind, 0, now), `${label} by ${agent}`);
        }
      }
      const [agent, forged] = [pick(agents), Math.floor(next() * 2 ** 32) | 0];
      assert.is(code(checkBoth(machine, agent, forged, Kind.Agent, 0, now, label)), model.check(agent, forged, Kind.Agent, 0, now), `${label} forged`);
    }
    // every handle the model knows, live or dead, answers as the model says
    for (const held of model.held.values()) {
      const kind = held.cap && chance(0.7) ? held.cap.kind : 1 + Math.floor(next() * 8), rights = Math.floor(next() * 1024);
      assert.is(code(checkBoth(machine, held.agent, held.handle, kind, rights, now, label)), model.check(held.agent, held.handle, kind, rights, now), `${label} check`);
      if (held.cap) {
        const { code: described, kind: k2, rights: r2, object, expiry } = describe(held.agent, held.handle);
        assert.equal({ described, kind: k2, rights: r2, object, expiry }, { described: E.Ok, kind: held.cap.kind, rights: held.cap.rights, object: held.cap.object, expiry: held.cap.expiry }, `${label} describe`);
        if (held.cap.parent) assert.ok(within(held.cap.rights, held.cap.parent.rights), "rights never grow");
      }
    }
    for (const [agent, handle] of model.dead.slice(-20)) {
      assert.is(code(checkBoth(machine, agent, handle, Kind.Agent, 0, now, label)), model.check(agent, handle, Kind.Agent, 0, now), `${label} stale`);
    }
    assert.is(k.capsCount(), model.capCount, `${label} count`);
    assert.is(k.capsVersion() % 2, 0, `${label} the counter is even after the step`);
    assert.is(k.capsStrayStores(), 0, `${label} every table store made inside a write section`);
    if (tablesFingerprint(machine, model) !== before) assert.ok(k.capsVersion() !== begun, `${label} changed the tables without moving the counter`);
    if (step % 16 === 0) {
      assert.is(k.capsVerify(), E.Ok, `${label} verify`);
      for (const agent of agents) assert.is(k.capsHandleCount(agent), model.slots(agent), `${label} slots of ${agent}`);
    }
  }
  for (const agent of agents) if (model.open.has(agent)) assert.is(k.capsCloseAgent(agent), E.Ok);
  assert.is(k.capsCount(), 0, "every record freed once every agent ended");
  for (const agent of agents) assert.is(k.capsHandleCount(agent), 0);
  assert.is(k.capsVerify(), E.Ok);
}

for (const seed of [1, 2, 3]) {
  test(`random operations match the reference model (seed ${seed})`, () => randomRun(seed, 3000, 300));
}
test("random operations up to full handle tables match the reference model", () => randomRun(4, 3000, 1600, GROWING));

// ---- quotas
test("IPC rate: a token bucket with bursts, refill by time, and no limit by default", () => {
  const { k } = kernel();
  k.capsOpenAgent(1, 0n);
  assert.is(k.capsTakeMessage(1, 0n), E.Ok);
  assert.is(k.capsMessagesAvailable(1, 0n) >>> 0, UNLIMITED_RATE);
  assert.is(k.capsSetIpcRate(1, 10, 5, 0n), E.Ok);
  for (let i = 0; i < 5; i++) assert.is(k.capsTakeMessage(1, 0n), E.Ok, `burst message ${i}`);
  assert.is(k.capsTakeMessage(1, 0n), E.RateLimited);
  assert.is(k.capsTakeMessage(1, SECOND / 10n - 1n), E.RateLimited, "just under one refill period");
  assert.is(k.capsTakeMessage(1, SECOND / 10n), E.Ok, "10 per second: one every 100 ms");
  assert.is(k.capsTakeMessage(1, SECOND / 20n), E.RateLimited, "time running backwards adds nothing");
  assert.is(k.capsMessagesAvailable(1, 1000n * SECOND), 5, "refill stops at the burst");
  let sent = 0;
  for (let t = 1000n * SECOND; t < 1010n * SECOND; t += SECOND / 100n) if (k.capsTakeMessage(1, t) === E.Ok) sent++;
  assert.is(sent, 5 + 99, "the burst and then 10 per second over 10 s (the last refill lands at 10 s)");
  assert.is(k.capsSetIpcRate(1, 0, 2, 0n), E.Ok, "rate 0: a fixed budget");
  assert.is(k.capsTakeMessage(1, 0n), E.Ok); assert.is(k.capsTakeMessage(1, 0n), E.Ok);
  assert.is(k.capsTakeMessage(1, 1n << 60n), E.RateLimited);
  assert.is(k.capsSetIpcRate(1, 1_000_001, 5, 0n), E.InvalidArgument);
  assert.is(k.capsSetIpcRate(1, 10, 0, 0n), E.InvalidArgument);
  assert.is(k.capsSetIpcRate(9, 10, 5, 0n), E.AgentNotFound);
  assert.is(k.capsSetIpcRate(1, 1_000_000, 1_000_000, 0n), E.Ok, "the largest limits");
  assert.is(k.capsMessagesAvailable(1, 0xffff_ffff_ffff_ffffn), 1_000_000, "no overflow at the end of time");
});

test("memory: charges go to the agent's pool and are given back at close", () => {
  const { k } = kernel();
  k.capsOpenAgent(1, 0n);
  const pool = k.capsPoolCreate(100n);
  assert.ok(pool > 0);
  assert.is(k.capsSetPool(1, pool), E.Ok);
  assert.is(k.capsSetPool(1, 64), E.InvalidArgument);
  assert.is(k.capsSetPool(1, 0), E.InvalidArgument, "never the kernel's pool");
  assert.is(k.capsChargeMemory(1, 60n), E.Ok);
  assert.is(k.capsSetPool(1, pool), E.NotReady, "no pool change while pages are charged");
  assert.is(k.capsChargeMemory(1, 41n), E.MemoryLimitExceeded, "the pool's quota");
  assert.is(k.capsMemoryCharged(1), 60n);
  assert.is(k.capsReleaseMemory(1, 61n), E.InvalidArgument);
  assert.is(k.capsReleaseMemory(1, 10n), E.Ok);
  assert.is(k.capsPoolCommitted(pool), 50n);
  assert.is(k.capsCloseAgent(1), E.Ok);
  assert.is(k.capsPoolCommitted(pool), 0n);
  assert.is(k.capsMemoryCharged(1), 0n);
});

test("resource groups: members draw from aggregate memory, CPU and IPC limits", () => {
  const { k } = kernel();
  for (const agent of [1, 2, 3]) k.capsOpenAgent(agent, 0n);
  const group = k.capsGroupCreate(100n, 250, 10, 3, 0n);
  assert.ok(group >= 0);
  assert.is(code(k.capsGroupCreate(100n, 0, 10, 3, 0n)), E.InvalidArgument);
  assert.is(k.capsChargeMemory(1, 70n), E.Ok, "charged before joining, brought along");
  assert.is(k.capsJoinGroup(1, group), E.Ok);
  assert.is(k.capsJoinGroup(1, group), E.AlreadyExists);
  assert.is(k.capsJoinGroup(2, group), E.Ok);
  assert.is(k.capsGroupMembers(group), 2);
  assert.is(k.capsGroupMemoryUsed(group), 70n);
  assert.is(k.capsChargeMemory(2, 31n), E.MemoryLimitExceeded, "the group's 100 pages");
  assert.is(k.capsMemoryCharged(2), 0n, "a refused charge changes nothing");
  assert.is(k.capsChargeMemory(2, 30n), E.Ok);
  k.capsChargeMemory(3, 1n);
  assert.is(k.capsJoinGroup(3, group), E.MemoryLimitExceeded, "agent 3's page does not fit");
  k.capsReleaseMemory(3, 1n);
  assert.is(k.capsJoinGroup(3, group), E.ResourceExhausted, "three weights of 100 exceed 250");
  assert.is(k.capsSetCpuWeight(1, 151), E.ResourceExhausted, "151 + 100 exceeds 250");
  assert.is(k.capsCpuWeight(1), 100, "a refused weight changes nothing");
  assert.is(k.capsSetCpuWeight(1, 50), E.Ok);
  assert.is(k.capsGroupCpuUsed(group), 150);
  assert.is(k.capsJoinGroup(3, group), E.Ok);
  assert.is(k.capsSetCpuWeight(1, 0), E.InvalidArgument);
  assert.is(k.capsSetCpuWeight(1, 10_001), E.InvalidArgument);
  let sent = 0;
  for (const agent of [1, 2, 3, 1, 2]) if (k.capsTakeMessage(agent, 0n) === E.Ok) sent++;
  assert.is(sent, 3, "the group's burst of 3 is shared");
  k.capsSetIpcRate(1, 10, 1, 0n);
  assert.is(k.capsTakeMessage(1, SECOND), E.Ok);
  assert.is(k.capsTakeMessage(1, SECOND), E.RateLimited, "agent 1's own limit");
  assert.is(k.capsMessagesAvailable(1, SECOND), 0);
  assert.is(k.capsGroupDestroy(group), E.NotReady);
  assert.is(k.capsLeaveGroup(2), E.Ok);
  assert.is(k.capsLeaveGroup(2), E.NotFound);
  assert.is(k.capsGroupOf(2), NO_GROUP);
  assert.is(k.capsGroupMemoryUsed(group), 70n, "agent 2's 30 pages left with it");
  assert.is(k.capsCloseAgent(1), E.Ok);
  assert.is(k.capsCloseAgent(3), E.Ok);
  assert.is(k.capsGroupMembers(group), 0);
  assert.is(k.capsGroupMemoryUsed(group), 0n);
  assert.is(k.capsGroupCpuUsed(group), 0);
  assert.is(k.capsGroupDestroy(group), E.Ok);
  assert.is(k.capsGroupDestroy(group), E.InvalidArgument);
  assert.is(k.capsJoinGroup(2, group), E.InvalidArgument);
});

test.run();
