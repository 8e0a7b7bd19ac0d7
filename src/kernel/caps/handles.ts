// handles.ts — the per-agent handle tables. A handle is what an agent holds: an
// opaque u32 that names one slot of its own table; the slot names one capability
// in the global table (table.ts), or is a tombstone left by a revocation or an
// expiry sweep so the holder learns why the handle died. Lookups are per agent, so
// one agent's handles mean nothing to another.
//
//   handle:  31  30 ........... 14  13 ..... 8  7 ...... 0
//           [ 0 | generation (17) | agent (6) | slot (8) ]
//
// The generation counts how often the slot was freed (offset by 1, so 0 is never a
// handle), which makes a stale handle fail; the agent field makes a handle used by
// another agent fail; bit 31 stays clear so results can carry errors as negatives.
// Each slot keeps its whole handle as a tag (the one it has, or the next one while
// free), so decoding a handle is one comparison, not three.
// A zeroed table is a valid empty one. Writers hold the kernel lock and every
// store is made inside a version.ts write section; lookups may run without the
// lock (the ABI's unlocked calls), inside a read of that counter.
import * as version from "./version";

export const MAX_AGENTS: i32 = 64;
export const MAX_HANDLES: i32 = 256;        // per agent

const SLOT_BITS: u32 = 8;
const AGENT_BITS: u32 = 6;
const AGENT_SHIFT: u32 = SLOT_BITS;
const GENERATION_SHIFT: u32 = SLOT_BITS + AGENT_BITS;
const GENERATION_BITS: u32 = 31 - GENERATION_SHIFT;
const GENERATION_COUNT: u32 = (1 << GENERATION_BITS) - 1;   // 1..2^17-1: 0 is never used
const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;

export const enum Slot {
  Free = 0,
  Live = 1,           // names a capability
  Revoked = 2,        // tombstone: the capability or an ancestor was revoked
  Expired = 3,        // tombstone: freed by an expiry sweep
}

const ENTRIES: i32 = MAX_AGENTS * MAX_HANDLES;
const states = memory.data(ENTRIES);            // u8 Slot
const capabilities = memory.data(ENTRIES * 2);  // u16 global table index, when Live
const tags = memory.data(ENTRIES * 4);          // u32 the slot's handle: its own while not Free, the next
                                                // one while Free; 0 before first use (generation 1)
const opened = memory.data(MAX_AGENTS);         // u8 1 while the agent has a table
const counts = memory.data(MAX_AGENTS * 2);     // u16 slots not Free, per agent

@inline function entry(agent: i32, slot: i32): usize { return <usize>(agent * MAX_HANDLES + slot); }
@inline function tag(agent: i32, slot: i32): u32 { return load<u32>(tags + entry(agent, slot) * 4); }
function setTag(agent: i32, slot: i32, handle: u32): void { version.noteStore(); store<u32>(tags + entry(agent, slot) * 4, handle); }
/** 1 + (times the slot was freed) mod GENERATION_COUNT. */
function generation(agent: i32, slot: i32): u32 {
  const handle = tag(agent, slot);
  return handle == 0 ? 1 : handle >> GENERATION_SHIFT;
}
function compose(generation: u32, agent: i32, slot: i32): u32 {
  return generation << GENERATION_SHIFT | <u32>agent << AGENT_SHIFT | <u32>slot;
}

/** Forgets every table (the generations too: only for a fresh start). */
export function reset(): void {
  version.noteStore();
  memory.fill(states, 0, ENTRIES);
  memory.fill(capabilities, 0, ENTRIES * 2);
  memory.fill(tags, 0, ENTRIES * 4);
  memory.fill(opened, 0, MAX_AGENTS);
  memory.fill(counts, 0, MAX_AGENTS * 2);
}

@inline export function validAgent(agent: i32): bool { return agent >= 0 && agent < MAX_AGENTS; }
@inline export function isOpen(agent: i32): bool { return validAgent(agent) && load<u8>(opened + <usize>agent) != 0; }
export function open(agent: i32): void { version.noteStore(); store<u8>(opened + <usize>agent, 1); }

/** Marks the table closed; the caller has freed every slot first. Generations are
 *  kept, so handles of an earlier agent in this table stay dead for the next one. */
export function close(agent: i32): void { version.noteStore(); store<u8>(opened + <usize>agent, 0); }

export function encode(agent: i32, slot: i32): u32 { return compose(generation(agent, slot), agent, slot); }

/** The slot `handle` names in `agent`'s table (a valid agent), or -1 when the
 *  handle is malformed, belongs to another agent, is stale, or names a free slot.
 *  The slot's tag is the one handle that names it, and it has bit 31 clear, this
 *  agent and the current generation: equal to it, `handle` has all three. */
@inline export function decode(agent: i32, handle: u32): i32 {
  const slot = <i32>(handle & SLOT_MASK);
  if (handle != tag(agent, slot)) return -1;
  if (state(agent, slot) == Slot.Free) return -1;      // a free slot's tag is its next handle
  return slot;
}

/** The capability index of the Live slot `handle` names in `agent`'s table, when
 *  `agent` is valid and open; else -1. decode() and state() together, for the
 *  common case: no branch, and every load stays inside the tables whatever the
 *  arguments (the agent is masked for the loads, and tested). */
@inline export function liveCapability(agent: i32, handle: u32): i32 {
  const inRange = agent & (MAX_AGENTS - 1);
  const slot = <i32>(handle & SLOT_MASK);
  const at = entry(inRange, slot);
  const live = <i32>validAgent(agent) & <i32>(load<u8>(opened + <usize>inRange) != 0)
    & <i32>(load<u32>(tags + at * 4) == handle) & <i32>(load<u8>(states + at) == <u8>Slot.Live);
  return select<i32>(<i32>load<u16>(capabilities + at * 2), -1, live != 0);
}

/** A Live slot naming `capability`, as a handle; 0 when the table is full. */
export function allocate(agent: i32, capability: i32): u32 {
  for (let slot = 0; slot < MAX_HANDLES; slot++) {
    if (state(agent, slot) != Slot.Free) continue;
    version.noteStore();
    store<u8>(states + entry(agent, slot), <u8>Slot.Live);
    store<u16>(capabilities + entry(agent, slot) * 2, <u16>capability);
    store<u16>(counts + <usize>agent * 2, load<u16>(counts + <usize>agent * 2) + 1);
    const handle = encode(agent, slot);
    setTag(agent, slot, handle);
    return handle;
  }
  return 0;
}

/** Frees a slot, Live or tombstone; its handle goes stale. */
export function release(agent: i32, slot: i32): void {
  version.noteStore();
  const at = entry(agent, slot);
  store<u8>(states + at, <u8>Slot.Free);
  store<u16>(capabilities + at * 2, 0);
  setTag(agent, slot, compose(generation(agent, slot) % GENERATION_COUNT + 1, agent, slot));
  store<u16>(counts + <usize>agent * 2, load<u16>(counts + <usize>agent * 2) - 1);
}

/** Turns a Live slot into a tombstone (Revoked or Expired); its handle stays valid. */
export function bury(agent: i32, slot: i32, why: Slot): void {
  version.noteStore();
  const at = entry(agent, slot);
  store<u8>(states + at, <u8>why);
  store<u16>(capabilities + at * 2, 0);
}

@inline export function state(agent: i32, slot: i32): Slot { return <Slot>load<u8>(states + entry(agent, slot)); }
@inline export function capabilityAt(agent: i32, slot: i32): i32 { return <i32>load<u16>(capabilities + entry(agent, slot) * 2); }
/** Slots in use (Live and tombstones) in `agent`'s table. */
export function count(agent: i32): i32 { return validAgent(agent) ? <i32>load<u16>(counts + <usize>agent * 2) : 0; }
