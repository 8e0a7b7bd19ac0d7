// pic.ts — the two legacy 8259A PICs. AIOS routes interrupts through the I/O APIC,
// so the PICs are remapped off the exception vectors (a spurious PIC interrupt
// must not look like a CPU exception) and then fully masked.
import { outb } from "./primitives";

const MASTER_COMMAND: u16 = 0x20;
const MASTER_DATA: u16 = 0x21;
const SLAVE_COMMAND: u16 = 0xa0;
const SLAVE_DATA: u16 = 0xa1;

const ICW1_INIT: u8 = 0x10;
const ICW1_ICW4: u8 = 0x01;
const ICW4_8086: u8 = 0x01;
const CASCADE_IRQ: u8 = 2;
const MASK_ALL: u8 = 0xff;

/** Remaps IRQ 0-15 to `base`..`base`+15 and masks every line. */
export function disable(base: u8): void {
  outb(MASTER_COMMAND, ICW1_INIT | ICW1_ICW4);
  outb(SLAVE_COMMAND, ICW1_INIT | ICW1_ICW4);
  outb(MASTER_DATA, base);
  outb(SLAVE_DATA, base + 8);
  outb(MASTER_DATA, 1 << CASCADE_IRQ);
  outb(SLAVE_DATA, CASCADE_IRQ);
  outb(MASTER_DATA, ICW4_8086);
  outb(SLAVE_DATA, ICW4_8086);
  outb(MASTER_DATA, MASK_ALL);
  outb(SLAVE_DATA, MASK_ALL);
}
