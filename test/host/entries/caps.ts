// Test exports for src/kernel/caps (filled in with it).
export function capsPlaceholderForBuild(): i32 { return 0; }
