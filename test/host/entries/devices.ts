// Test exports for BAR decoding (src/kernel/devices/bars.ts).
import * as bars from "../../../src/kernel/devices/bars";

export function barsSize(bar: u32, probe: u32, probeUpper: u32): u64 { return bars.size(bar, probe, probeUpper); }
export function barsAddress(bar: u32, upper: u32): u64 { return bars.address(bar, upper); }
export function barsIs64(bar: u32): bool { return bars.is64(bar); }

// The event-index rule of split virtqueues and the MSI message address.
import * as virtqueue from "../../../src/kernel/devices/virtio/virtqueue";
import * as msi from "../../../src/kernel/devices/msi";
export function virtqueuePasses(event: u16, now: u16, old: u16): bool { return virtqueue.passes(event, now, old); }
export function msiMessageAddress(apicId: u32): u32 { return msi.messageAddress(apicId); }
