// uart16550.ts — the COM1 serial port (a 16550-compatible UART), polled.
// It is the console: the kernel log and every test report go through it.
// No interrupts yet: output waits for the transmit holding register to drain.
import { inb, outb } from "./primitives";

const COM1: u16 = 0x3f8;

// Register offsets from the base port (DLAB = 0 unless noted).
const REG_DATA: u16 = 0;            // THR on write, RBR on read; divisor low with DLAB
const REG_INTERRUPT_ENABLE: u16 = 1; // divisor high with DLAB
const REG_FIFO_CONTROL: u16 = 2;
const REG_LINE_CONTROL: u16 = 3;
const REG_MODEM_CONTROL: u16 = 4;
const REG_LINE_STATUS: u16 = 5;
const REG_SCRATCH: u16 = 7;

const LCR_WORD_LENGTH_8: u8 = 0x03;
const LCR_DLAB: u8 = 0x80;
const FCR_ENABLE: u8 = 0x01;
const FCR_CLEAR_RECEIVE: u8 = 0x02;
const FCR_CLEAR_TRANSMIT: u8 = 0x04;
const FCR_TRIGGER_14: u8 = 0xc0;
const MCR_DTR: u8 = 0x01;
const MCR_RTS: u8 = 0x02;
const MCR_OUT2: u8 = 0x08;
const LSR_TRANSMIT_EMPTY: u8 = 0x20;

const BASE_CLOCK_HZ: u32 = 115200;
const BAUD: u32 = 115200;
const SCRATCH_PROBE: u8 = 0xa5;
// Bounded wait so a UART that never drains (absent device) cannot hang the kernel.
const TRANSMIT_SPIN_LIMIT: i32 = 100000;

let present = false;

/** Programs COM1 for 115200 8N1 with FIFOs; returns false when no UART answers. */
export function init(): bool {
  outb(COM1 + REG_SCRATCH, SCRATCH_PROBE);
  if (inb(COM1 + REG_SCRATCH) != SCRATCH_PROBE) return false;
  const divisor = BASE_CLOCK_HZ / BAUD;
  outb(COM1 + REG_INTERRUPT_ENABLE, 0);
  outb(COM1 + REG_LINE_CONTROL, LCR_DLAB);
  outb(COM1 + REG_DATA, <u8>(divisor & 0xff));
  outb(COM1 + REG_INTERRUPT_ENABLE, <u8>(divisor >> 8));
  outb(COM1 + REG_LINE_CONTROL, LCR_WORD_LENGTH_8);
  outb(COM1 + REG_FIFO_CONTROL, FCR_ENABLE | FCR_CLEAR_RECEIVE | FCR_CLEAR_TRANSMIT | FCR_TRIGGER_14);
  outb(COM1 + REG_MODEM_CONTROL, MCR_DTR | MCR_RTS | MCR_OUT2);
  present = true;
  return true;
}

/** Writes one byte, waiting (bounded) for room in the transmitter. */
export function writeByte(value: u8): void {
  if (!present) return;
  for (let spins = 0; spins < TRANSMIT_SPIN_LIMIT; spins++) {
    if (inb(COM1 + REG_LINE_STATUS) & LSR_TRANSMIT_EMPTY) break;
  }
  outb(COM1 + REG_DATA, value);
}

/** Writes `length` bytes from linear memory, turning "\n" into "\r\n" for terminals. */
export function write(data: usize, length: i32): void {
  for (let i = 0; i < length; i++) {
    const c = load<u8>(data + <usize>i);
    if (c == 0x0a) writeByte(0x0d);
    writeByte(c);
  }
}
