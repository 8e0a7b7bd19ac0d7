// registers.ts — the Intel 8254x register set the e1000 driver uses, and the pure
// functions that decode what the device hands back (link speed, a receive
// descriptor's verdict, the station address). Every fact here is from the
// "PCI/PCI-X Family of Gigabit Ethernet Controllers Software Developer's Manual"
// (Intel 317453, "SDM" below); section numbers are that manual's. Host-tested.
//   legacy receive descriptor (SDM 3.2.3), 16 bytes:
//     +0 buffer address u64 | +8 length u16 | +10 checksum u16 | +12 status u8 | +13 errors u8 | +14 special u16
//   legacy transmit descriptor (SDM 3.3.3), 16 bytes:
//     +0 buffer address u64 | +8 length u16 | +10 CSO u8 | +11 CMD u8 | +12 STA u8 | +13 CSS u8 | +14 special u16

// ---- register offsets in BAR0 (SDM 13.2, table 13-2)
export const CTRL: u64 = 0x0000;         // device control (13.4.1)
export const STATUS: u64 = 0x0008;       // device status (13.4.2)
export const EERD: u64 = 0x0014;         // EEPROM read (13.4.4)
export const FCAL: u64 = 0x0028;         // flow control address low (13.4.5)
export const FCAH: u64 = 0x002c;
export const FCT: u64 = 0x0030;          // flow control type (13.4.6)
export const ICR: u64 = 0x00c0;          // interrupt cause read, clears on read (13.4.17)
export const IMS: u64 = 0x00d0;          // interrupt mask set (13.4.20)
export const IMC: u64 = 0x00d8;          // interrupt mask clear (13.4.21)
// interrupt causes (13.4.17): the ones the driver asks for
export const ICR_LSC: u32 = 1 << 2;      // link status change
export const ICR_RXDMT0: u32 = 1 << 4;   // receive descriptors running low
export const ICR_RXO: u32 = 1 << 6;      // receive overrun
export const ICR_RXT0: u32 = 1 << 7;     // receive timer: a frame arrived
export const RCTL: u64 = 0x0100;         // receive control (13.4.22)
export const FCTTV: u64 = 0x0170;        // flow control transmit timer value (13.4.12)
export const TCTL: u64 = 0x0400;         // transmit control (13.4.33)
export const TIPG: u64 = 0x0410;         // transmit inter-packet gap (13.4.34)
export const RDBAL: u64 = 0x2800;        // receive descriptor base low/high, length, head, tail (13.4.27-31)
export const RDBAH: u64 = 0x2804;
export const RDLEN: u64 = 0x2808;
export const RDH: u64 = 0x2810;
export const RDT: u64 = 0x2818;
export const TDBAL: u64 = 0x3800;        // transmit descriptor base low/high, length, head, tail (13.4.38-42)
export const TDBAH: u64 = 0x3804;
export const TDLEN: u64 = 0x3808;
export const TDH: u64 = 0x3810;
export const TDT: u64 = 0x3818;
// statistics (SDM 13.7): 32-bit counts that clear when read
export const MPC: u64 = 0x4010;          // missed packets: no room for them in the receive FIFO
export const GPRC: u64 = 0x4074;         // good packets received
export const GPTC: u64 = 0x4080;         // good packets transmitted (13.7.30)
export const MTA: u64 = 0x5200;          // multicast table array, 128 × u32 (13.5.1)
export const MTA_ENTRIES: u64 = 128;
export const RAL0: u64 = 0x5400;         // receive address 0 low: MAC bytes 0..3 (13.5.2)
export const RAH0: u64 = 0x5404;         // receive address 0 high: MAC bytes 4..5, AV in bit 31

/** BAR0 is 128 KiB of registers on every 8254x (SDM 4.1, "Memory Register Base Address"). */
export const REGISTER_WINDOW: u64 = 0x20000;

// ---- CTRL bits (SDM 13.4.1, table 13-3)
export const CTRL_LRST: u32 = 1 << 3;      // link reset (82543/TBI; must be 0 for the link to come up)
export const CTRL_ASDE: u32 = 1 << 5;      // auto-speed detection
export const CTRL_SLU: u32 = 1 << 6;       // set link up
export const CTRL_ILOS: u32 = 1 << 7;      // invert loss-of-signal: 0 on copper
export const CTRL_RST: u32 = 1 << 26;      // device reset, self-clearing
export const CTRL_VME: u32 = 1 << 30;      // VLAN mode: off, so tags stay in the frame
export const CTRL_PHY_RST: u32 = 1 << 31;  // PHY reset: held 0 for the PHY to run

// ---- STATUS bits (SDM 13.4.2, table 13-5)
export const STATUS_FD: u32 = 1 << 0;       // full duplex
export const STATUS_LU: u32 = 1 << 1;       // link up
export const STATUS_SPEED_SHIFT: u32 = 6;   // bits 7:6: 00 10 Mb/s, 01 100 Mb/s, 10 or 11 1000 Mb/s
export const STATUS_SPEED_MASK: u32 = 3;

// ---- EERD (SDM 13.4.4, table 13-7): write START with a word address, poll DONE,
// read DATA. The 82540/82545 (QEMU's e1000) put DONE at bit 4 and the address at
// 15:8; the 82574 (QEMU's e1000e), like the 82575 (82575EB SDM, "Software
// Access" to the EEPROM), puts DONE at bit 1 and the address at 15:2. Both were
// checked against QEMU's models by forcing the driver onto the EEPROM path.
export const EERD_START: u32 = 1 << 0;
export const EERD_DONE_8254X: u32 = 1 << 4;
export const EERD_ADDRESS_SHIFT_8254X: u32 = 8;
export const EERD_DONE_82574: u32 = 1 << 1;
export const EERD_ADDRESS_SHIFT_82574: u32 = 2;
export const EERD_DATA_SHIFT: u32 = 16;
/** EEPROM words 0..2 hold the Ethernet individual address, low byte first (SDM 5.6.1). */
export const EEPROM_MAC_WORD: u32 = 0;

export const RAH_AV: u32 = 1 << 31;        // address valid: the filter uses this entry

// ---- RCTL bits (SDM 13.4.22, table 13-67)
export const RCTL_EN: u32 = 1 << 1;        // receiver enable
export const RCTL_SBP: u32 = 1 << 2;       // store bad packets: off, errored frames are not stored
export const RCTL_UPE: u32 = 1 << 3;       // unicast promiscuous: off
export const RCTL_MPE: u32 = 1 << 4;       // multicast promiscuous: off
export const RCTL_LPE: u32 = 1 << 5;       // long packets: off, so nothing over 1522 bytes arrives
export const RCTL_RDMTS_HALF: u32 = 0 << 8;  // minimum threshold interrupt at half the ring
export const RCTL_BAM: u32 = 1 << 15;      // accept broadcast
export const RCTL_BSIZE_2048: u32 = 0 << 16; // with BSEX 0: 2048-byte buffers
export const RCTL_SECRC: u32 = 1 << 26;    // strip the Ethernet CRC before the frame reaches memory

// ---- TCTL bits and fields (SDM 13.4.33, table 13-76)
export const TCTL_EN: u32 = 1 << 1;
export const TCTL_PSP: u32 = 1 << 3;       // pad short frames to 64 bytes
export const TCTL_CT_SHIFT: u32 = 4;
export const TCTL_CT_RECOMMENDED: u32 = 0x0f;   // collision threshold: 15 retries (half duplex only)
export const TCTL_COLD_SHIFT: u32 = 12;
export const TCTL_COLD_FULL_DUPLEX: u32 = 0x40; // collision distance: 64 byte times
export const TCTL_COLD_HALF_DUPLEX: u32 = 0x200; // 512 byte times

// ---- TIPG fields (SDM 13.4.34, table 13-77): the IEEE 802.3 96-bit-time gap
// on copper is IPGT 10, IPGR1 8, IPGR2 6.
export const TIPG_IPGT: u32 = 10;
export const TIPG_IPGR1_SHIFT: u32 = 10;
export const TIPG_IPGR1: u32 = 8;
export const TIPG_IPGR2_SHIFT: u32 = 20;
export const TIPG_IPGR2: u32 = 6;

// ---- descriptors
export const DESCRIPTOR_BYTES: u64 = 16;
export const RX_LENGTH: u64 = 8;
export const RX_STATUS: u64 = 12;
export const RX_ERRORS: u64 = 13;
export const TX_LENGTH: u64 = 8;
export const TX_CMD: u64 = 11;
export const TX_STATUS: u64 = 12;

// receive descriptor status (SDM 3.2.3.1, table 3-2) and errors (3.2.3.2, table 3-3)
export const RX_STATUS_DD: u8 = 1 << 0;    // descriptor done
export const RX_STATUS_EOP: u8 = 1 << 1;   // end of packet
export const RX_ERROR_CE: u8 = 1 << 0;     // CRC or alignment error
export const RX_ERROR_SE: u8 = 1 << 1;     // symbol error
export const RX_ERROR_SEQ: u8 = 1 << 2;    // sequence error
export const RX_ERROR_CXE: u8 = 1 << 4;    // carrier extension error
export const RX_ERROR_RXE: u8 = 1 << 7;    // data error
/** The frame errors that make a frame unusable; IPE/TCPE (checksum offload) are not
 *  among them, as offload is off and they read 0. */
export const RX_ERRORS_FATAL: u8 = RX_ERROR_CE | RX_ERROR_SE | RX_ERROR_SEQ | RX_ERROR_CXE | RX_ERROR_RXE;

// transmit descriptor command (SDM 3.3.3.1, table 3-10) and status (table 3-11)
export const TX_CMD_EOP: u8 = 1 << 0;      // end of packet: this descriptor ends the frame
export const TX_CMD_IFCS: u8 = 1 << 1;     // insert the Ethernet CRC
export const TX_CMD_RS: u8 = 1 << 3;       // report status: write DD back when done
export const TX_STATUS_DD: u8 = 1 << 0;
export const TX_STATUS_EC: u8 = 1 << 1;    // excess collisions: the frame was not sent
export const TX_STATUS_LC: u8 = 1 << 2;    // late collision
export const TX_STATUS_ERRORS: u8 = TX_STATUS_EC | TX_STATUS_LC;

/** Link speed in Mb/s from a STATUS value; 0 when the link is down. */
export function speedMbps(status: u32): u32 {
  if ((status & STATUS_LU) == 0) return 0;
  const code = (status >> STATUS_SPEED_SHIFT) & STATUS_SPEED_MASK;
  return code == 0 ? 10 : code == 1 ? 100 : 1000;
}

/** What the driver does with a completed receive descriptor. */
export const enum Verdict { Pending = 0, Deliver = 1, Error = 2 }

/** A receive descriptor's verdict from its status and errors bytes: Pending until
 *  the device sets DD; Error for a frame with a receive error, or one that did
 *  not fit one 2048-byte buffer (no EOP: with LPE off that only happens to a
 *  broken frame); Deliver otherwise. */
export function receiveVerdict(status: u8, errors: u8): Verdict {
  if ((status & RX_STATUS_DD) == 0) return Verdict.Pending;
  if ((status & RX_STATUS_EOP) == 0 || (errors & RX_ERRORS_FATAL) != 0) return Verdict.Error;
  return Verdict.Deliver;
}

/** Byte `i` (0..5) of the station address held in RAL0/RAH0 (low byte first). */
export function macByte(low: u32, high: u32, i: i32): u8 {
  return i < 4 ? <u8>(low >> (<u32>i * 8)) : <u8>(high >> (<u32>(i - 4) * 8));
}

/** True when RAL0/RAH0 hold an address at all (all-zero means "not loaded"). */
export function macPresent(low: u32, high: u32): bool { return low != 0 || (high & 0xffff) != 0; }

/** The RCTL value the driver runs with: on, broadcasts accepted, 2048-byte
 *  buffers, CRC stripped; unicast/multicast promiscuity, long frames, loopback
 *  and bad-frame storage off. */
export function receiveControl(): u32 { return RCTL_EN | RCTL_BAM | RCTL_BSIZE_2048 | RCTL_SECRC | RCTL_RDMTS_HALF; }

/** The TCTL value for the link's duplex (SDM 14.5: COLD depends on it). */
export function transmitControl(fullDuplex: bool): u32 {
  const cold = fullDuplex ? TCTL_COLD_FULL_DUPLEX : TCTL_COLD_HALF_DUPLEX;
  return TCTL_EN | TCTL_PSP | (TCTL_CT_RECOMMENDED << TCTL_CT_SHIFT) | (cold << TCTL_COLD_SHIFT);
}

export function transmitGap(): u32 { return TIPG_IPGT | (TIPG_IPGR1 << TIPG_IPGR1_SHIFT) | (TIPG_IPGR2 << TIPG_IPGR2_SHIFT); }
