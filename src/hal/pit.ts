// pit.ts — the 8254 programmable interval timer, used only as a reference clock
// for TSC calibration: channel 2 counts down once with its gate opened through
// port 0x61 and its output read back there (the PC speaker path, speaker off).
import { inb, outb } from "./primitives";

export const PIT_FREQUENCY_HZ: u64 = 1193182;

const PORT_CHANNEL2: u16 = 0x42;
const PORT_COMMAND: u16 = 0x43;
const PORT_SPEAKER_CONTROL: u16 = 0x61;

const COMMAND_CHANNEL2: u8 = 0x80;
const COMMAND_ACCESS_LOHI: u8 = 0x30;
const COMMAND_MODE0: u8 = 0x00;       // interrupt on terminal count: OUT goes high at 0
const SPEAKER_GATE2: u8 = 0x01;
const SPEAKER_DATA: u8 = 0x02;
const SPEAKER_OUT2: u8 = 0x20;

/** Starts a one-shot countdown of `ticks` (at most 65535) on channel 2. */
export function startCountdown(ticks: u16): void {
  const control = inb(PORT_SPEAKER_CONTROL);
  outb(PORT_SPEAKER_CONTROL, (control & ~SPEAKER_DATA) | SPEAKER_GATE2);
  outb(PORT_COMMAND, COMMAND_CHANNEL2 | COMMAND_ACCESS_LOHI | COMMAND_MODE0);
  outb(PORT_CHANNEL2, <u8>(ticks & 0xff));
  outb(PORT_CHANNEL2, <u8>(ticks >> 8));
}

/** True once the countdown started by `startCountdown` has reached zero. */
export function countdownDone(): bool {
  return (inb(PORT_SPEAKER_CONTROL) & SPEAKER_OUT2) != 0;
}
