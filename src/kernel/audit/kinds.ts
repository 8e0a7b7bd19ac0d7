// kinds.ts — the kinds of kernel event the audit log records. The numbers are part
// of every record's hashed encoding and of any exported log: never renumber or
// reuse one; new kinds go at the end, before LAST_KIND moves to them.
export const enum EventKind {
  Boot = 1,                 // the kernel started; the chain's first record
  AgentSpawn = 2,
  AgentClone = 3,
  AgentMerge = 4,
  AgentSplit = 5,
  AgentUpgrade = 6,
  AgentSpecialize = 7,
  AgentKill = 8,
  AgentTrap = 9,            // an agent's module trapped (object: the trap code)
  AgentRestart = 10,
  AgentExit = 11,
  CapabilityGranted = 12,
  CapabilityDenied = 13,
  CapabilityRevoked = 14,
  QuotaExceeded = 15,
  ModuleRejected = 16,      // a module failed validation or signature checks
  Shutdown = 17,
}

const FIRST_KIND: u32 = EventKind.Boot;
const LAST_KIND: u32 = EventKind.Shutdown;

/** True for a kind this kernel defines. */
export function known(kind: u32): bool { return kind >= FIRST_KIND && kind <= LAST_KIND; }
