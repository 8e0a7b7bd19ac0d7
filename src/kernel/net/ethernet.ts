// ethernet.ts — Ethernet II framing: destination MAC, source MAC, EtherType, then
// the payload (no FCS: the NIC strips and adds it).
export const HEADER: u32 = 14;
export const TYPE_IPV4: u16 = 0x0800;
export const TYPE_ARP: u16 = 0x0806;
export const MIN_FRAME: u32 = 60;             // shorter frames are padded to this
export const MAX_FRAME: u32 = 1514;
export const MTU: u32 = MAX_FRAME - HEADER;   // 1500
export const DESTINATION: usize = 0;
export const SOURCE: usize = 6;
export const TYPE: usize = 12;

const broadcastMac = memory.data<u8>([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
export function broadcast(): usize { return broadcastMac; }
