// ahci — SATA drives behind an AHCI host bus adapter (Intel's ICH9 on q35, or
// QEMU's -device ahci): the controller bring-up, the port engine with its one
// completion function, and the block calls on the first drive, which is also
// the block layer's "sda". Polled for now.
import * as ata from "./ata";
export { init } from "./controller";
export { available, capacity, usesNcq, read, write, flush, diskIndex, SECTOR } from "./drives";
export { ata };
