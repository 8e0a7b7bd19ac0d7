// registers.ts — the AHCI 1.3.1 register map (Serial ATA AHCI 1.3.1, §3): the
// generic host control registers at the start of ABAR (PCI BAR5), then one block
// of 0x80 bytes per port from 0x100, with the bits this driver reads or writes.
// Every register is 32 bits wide and must be accessed as such (§3).

// ---- generic host control (§3.1)
export const HBA_CAP: u64 = 0x00;          // host capabilities
export const HBA_GHC: u64 = 0x04;          // global host control
export const HBA_IS: u64 = 0x08;           // interrupt status, a bit per port (write 1 to clear)
export const HBA_PI: u64 = 0x0c;           // ports implemented (one bit per port)
export const HBA_VS: u64 = 0x10;           // version: major << 16 | minor
export const HBA_CAP2: u64 = 0x24;         // host capabilities, extended
export const HBA_BOHC: u64 = 0x28;         // BIOS/OS handoff control and status

// CAP (§3.1.1)
export const CAP_NCS_SHIFT: u32 = 8;       // number of command slots - 1, bits 12:8
export const CAP_NCS_MASK: u32 = 0x1f;
export const CAP_SSS: u32 = 1 << 27;       // supports staggered spin-up: software sets PxCMD.SUD
export const CAP_SNCQ: u32 = 1 << 30;      // supports native command queuing
export const CAP_S64A: u32 = 1 << 31;      // supports 64-bit addressing (else all DMA below 4 GiB)

// GHC (§3.1.2)
export const GHC_HR: u32 = 1 << 0;         // HBA reset; the HBA clears it when done (within 1 s)
export const GHC_IE: u32 = 1 << 1;         // interrupt enable (on once MSI is set up; else polled)
export const GHC_AE: u32 = 1 << 31;        // AHCI enable: registers behave as AHCI, not legacy IDE

// CAP2 and BOHC (§3.1.10, §3.1.11, §10.6): firmware that owns the HBA hands it over
export const CAP2_BOH: u32 = 1 << 0;       // BIOS/OS handoff supported
export const BOHC_BOS: u32 = 1 << 0;       // BIOS owned semaphore
export const BOHC_OOS: u32 = 1 << 1;       // OS owned semaphore
export const BOHC_BB: u32 = 1 << 4;        // BIOS busy (still cleaning up)

// ---- per port (§3.3): port p's registers start at PORT_BASE + p * PORT_STRIDE
export const PORT_BASE: u64 = 0x100;
export const PORT_STRIDE: u64 = 0x80;
export const MAX_PORTS: u32 = 32;
export const PX_CLB: u64 = 0x00;           // command list base (1 KiB aligned), low 32 bits
export const PX_CLBU: u64 = 0x04;          //   high 32 bits
export const PX_FB: u64 = 0x08;            // received-FIS base (256-byte aligned), low 32 bits
export const PX_FBU: u64 = 0x0c;           //   high 32 bits
export const PX_IS: u64 = 0x10;            // interrupt status (write 1 to clear)
export const PX_IE: u64 = 0x14;            // interrupt enable
export const PX_CMD: u64 = 0x18;           // command and status
export const PX_TFD: u64 = 0x20;           // task file data: error << 8 | status
export const PX_SIG: u64 = 0x24;           // signature from the device's first D2H register FIS
export const PX_SSTS: u64 = 0x28;          // SATA status (SCR0)
export const PX_SCTL: u64 = 0x2c;          // SATA control (SCR2)
export const PX_SERR: u64 = 0x30;          // SATA error (SCR1, write 1 to clear)
export const PX_SACT: u64 = 0x34;          // SATA active: queued (NCQ) tags outstanding
export const PX_CI: u64 = 0x38;            // command issue: slots the HBA has yet to finish

// PxIS (§3.3.5): which FIS arrived, and the error causes
export const IS_DHRS: u32 = 1 << 0;        // device-to-host register FIS received
export const IS_PSS: u32 = 1 << 1;         // PIO setup FIS received
export const IS_SDBS: u32 = 1 << 3;        // set device bits FIS received (NCQ completions)
export const IS_OFS: u32 = 1 << 24;        // overflow: the device sent more data than the PRDT holds
export const IS_IFS: u32 = 1 << 27;        // interface fatal error
export const IS_HBDS: u32 = 1 << 28;       // host bus data error
export const IS_HBFS: u32 = 1 << 29;       // host bus fatal error
export const IS_TFES: u32 = 1 << 30;       // task file error: the device set STS.ERR
/** A FIS that updates PxTFD has arrived. */
export const IS_STATUS_UPDATED: u32 = IS_DHRS | IS_PSS | IS_SDBS;
/** Causes after which the command that was running has failed. */
export const IS_ERRORS: u32 = IS_TFES | IS_HBFS | IS_HBDS | IS_IFS | IS_OFS;
/** Errors that leave the port needing a COMRESET, not just a restart (§6.2.2). */
export const IS_FATAL: u32 = IS_HBFS | IS_HBDS | IS_IFS;

// PxCMD (§3.3.7)
export const CMD_ST: u32 = 1 << 0;         // start: the HBA may process the command list
export const CMD_SUD: u32 = 1 << 1;        // spin-up device (staggered spin-up HBAs)
export const CMD_FRE: u32 = 1 << 4;        // FIS receive enable
export const CMD_FR: u32 = 1 << 14;        // FIS receive running
export const CMD_CR: u32 = 1 << 15;        // command list running

// PxTFD (§3.3.8): the device's ATA status and error registers
export const TFD_STS_ERR: u32 = 1 << 0;
export const TFD_STS_DRQ: u32 = 1 << 3;
export const TFD_STS_BSY: u32 = 1 << 7;
export const TFD_ERROR_SHIFT: u32 = 8;

// PxSSTS (§3.3.10) and PxSCTL (§3.3.11)
export const SSTS_DET_MASK: u32 = 0xf;
export const SSTS_DET_PRESENT: u32 = 3;    // device present and PHY communication established
export const SSTS_IPM_SHIFT: u32 = 8;
export const SSTS_IPM_MASK: u32 = 0xf;
export const SSTS_IPM_ACTIVE: u32 = 1;     // interface in the active power state
export const SCTL_DET_MASK: u32 = 0xf;
export const SCTL_DET_COMRESET: u32 = 1;   // hold to send COMRESET; 0 lets the link come back

// PxSIG (§3.3.9): what kind of device answered
export const SIG_ATA: u32 = 0x00000101;
export const SIG_ATAPI: u32 = 0xeb140101;
export const SIG_ENCLOSURE: u32 = 0xc33c0101;
export const SIG_PORT_MULTIPLIER: u32 = 0x96690101;
export const SIG_NONE: u32 = 0xffffffff;   // no D2H register FIS received yet

export function portRegisters(abar: u64, port: u32): u64 { return abar + PORT_BASE + <u64>port * PORT_STRIDE; }
