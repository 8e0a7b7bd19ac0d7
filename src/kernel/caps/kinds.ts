// kinds.ts — what a capability names (the kind of kernel object) and what it
// allows (the rights bits). Kind 0 is no kind, so a zeroed table slot never reads
// as a capability. Values from outside the kernel are validated here before any
// other code looks at them; rights only ever shrink along a derivation (`within`).

export const enum ObjectKind {
  None = 0,               // a free table slot; never valid in a call
  Agent = 1,
  MemoryRegion = 2,
  IpcEndpoint = 3,
  EventTopic = 4,
  Device = 5,
  NetworkPort = 6,
  FileSubtree = 7,
  Timer = 8,
  Key = 9,                // a pqcd key (object: its id), or the keyring (object 0) that makes keys
}

export const FIRST_KIND: i32 = ObjectKind.Agent;
export const LAST_KIND: i32 = ObjectKind.Key;

export const enum Rights {
  None = 0,
  Read = 1 << 0,
  Write = 1 << 1,
  Execute = 1 << 2,       // call an endpoint, run code in a region
  Grant = 1 << 3,         // give a derived capability to another agent
  Revoke = 1 << 4,        // revoke this capability and what was derived from it
  Map = 1 << 5,           // map a memory region into an address space
  Send = 1 << 6,
  Receive = 1 << 7,
  Subscribe = 1 << 8,     // event topics
  Control = 1 << 9,       // configure the object (quotas of an agent, a device's settings)
}

export const RIGHTS_ALL: u32 = Rights.Read | Rights.Write | Rights.Execute | Rights.Grant | Rights.Revoke |
  Rights.Map | Rights.Send | Rights.Receive | Rights.Subscribe | Rights.Control;

@inline export function validKind(kind: i32): bool { return kind >= FIRST_KIND && kind <= LAST_KIND; }

/** True when `rights` uses only defined bits. */
@inline export function validRights(rights: u32): bool { return (rights & ~RIGHTS_ALL) == 0; }

/** True when every bit of `wanted` is in `held`: the rule of every derivation and check. */
@inline export function within(wanted: u32, held: u32): bool { return (wanted & ~held) == 0; }

/** Absolute expiry in nanoseconds; 0 means none. An expiry is reached at `now == expiry`. */
export const NO_EXPIRY: u64 = 0;

@inline export function expired(expiry: u64, now: u64): bool { return expiry != NO_EXPIRY && now >= expiry; }

/** True when `inner` ends no later than `outer` (no expiry is the latest of all). */
export function endsWithin(inner: u64, outer: u64): bool {
  if (outer == NO_EXPIRY) return true;
  return inner != NO_EXPIRY && inner <= outer;
}
