// Test exports for src/kernel/audit (filled in with it).
export function auditPlaceholderForBuild(): i32 { return 0; }
