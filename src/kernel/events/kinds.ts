// kinds.ts — what an event's kind word means on each kernel topic, and what its
// subject (the event's "agent" field, which names whatever the event is about on
// topics other than lifecycle and security) and detail hold. Lifecycle events use
// the audit kinds (audit.EventKind); security events the Errno of the denial.

/** Topic Interrupt. Subject: the vector. */
export const enum InterruptKind {
  First = 1,        // the vector took its first interrupt; detail: interrupts by then (retained)
  Count = 2,        // interrupts since the last Count of this vector (at most one a second); detail: that number
}

/** Topic Device. Subject: the PCI registry index, or the disk for the block kinds. */
export const enum DeviceKind {
  Claimed = 1,      // a driver took the device; detail: driver id << 32 | device id << 16 | vendor
  Refused = 2,      // the driver that claimed it will not drive it; detail: driver id << 32 | the Errno
  DiskAdded = 3,    // a whole disk joined the block layer; detail: its capacity in sectors
  PartitionAdded = 4, // a partition did; detail: its whole disk << 32 | its number
}

/** Topic Performance, one sample of each a second. */
export const enum PerformanceKind {
  CpuIdle = 1,      // subject: the CPU; detail: idle permille over the last interval
  FramesFree = 2,   // subject: frames managed; detail: frames free
  ContextSwitches = 3, // subject: switches since boot; detail: switches in the last interval
}
