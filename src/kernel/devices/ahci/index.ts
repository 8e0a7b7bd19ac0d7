// ahci — SATA drives behind an AHCI host bus adapter (Intel's ICH9 on q35, or
// QEMU's -device ahci): the controller bring-up, the port engine with its one
// completion function; the first drive is the block layer's "sda", completing
// from the HBA's MSI (polled without one).
import * as ata from "./ata";
export { init } from "./controller";
export { available, capacity, usesNcq, diskIndex, interrupts, SECTOR } from "./drives";
export { ata };
