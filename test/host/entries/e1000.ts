// Test exports for the e1000 register decoding (src/kernel/devices/e1000/registers.ts).
import * as registers from "../../../src/kernel/devices/e1000/registers";

export function e1000SpeedMbps(status: u32): u32 { return registers.speedMbps(status); }
export function e1000ReceiveVerdict(status: u8, errors: u8): i32 { return <i32>registers.receiveVerdict(status, errors); }
export function e1000MacByte(low: u32, high: u32, i: i32): u8 { return registers.macByte(low, high, i); }
export function e1000MacPresent(low: u32, high: u32): bool { return registers.macPresent(low, high); }
export function e1000ReceiveControl(): u32 { return registers.receiveControl(); }
export function e1000TransmitControl(fullDuplex: bool): u32 { return registers.transmitControl(fullDuplex); }
export function e1000TransmitGap(): u32 { return registers.transmitGap(); }
