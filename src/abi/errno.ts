// errno.ts — the one error enum of the kernel ABI. Calls that can fail return one
// of these (0 is success); abort/panic is kept for broken invariants.
export const enum Errno {
  Ok = 0,
  InvalidArgument = 1,
  Malformed = 2,        // input that does not follow its format (boot info, tables, packets)
  Truncated = 3,        // input shorter than its own header says
  NotFound = 4,
  ResourceExhausted = 5,
  NotSupported = 6,
  Timeout = 7,
  NotReady = 8,
  AlreadyExists = 9,
  PermissionDenied = 10,
  MemoryLimitExceeded = 11,
  InvalidCapability = 12,  // a handle the caller does not hold: forged, stale, another agent's, or the wrong kind
  MessageTooLarge = 13,
  AgentNotFound = 14,
  Expired = 15,            // the capability's expiry has passed
  Revoked = 16,            // the capability, or one it was derived from, was revoked
  RateLimited = 17,        // a rate limit (IPC messages per second): retry later
  DeviceError = 18,        // the device reported it failed the request (a disk I/O error)
  ConnectionRefused = 19,  // the peer answered a connection attempt with a reset
  ConnectionReset = 20,    // the peer reset an open connection
  NotConnected = 21,       // the connection is closed, or not open yet, for what was asked
  SignatureInvalid = 22,   // a signature that does not verify under the key
}
