// Test exports for BAR decoding (src/kernel/devices/bars.ts).
import * as bars from "../../../src/kernel/devices/bars";

export function barsSize(bar: u32, probe: u32, probeUpper: u32): u64 { return bars.size(bar, probe, probeUpper); }
export function barsAddress(bar: u32, upper: u32): u64 { return bars.address(bar, upper); }
export function barsIs64(bar: u32): bool { return bars.is64(bar); }
