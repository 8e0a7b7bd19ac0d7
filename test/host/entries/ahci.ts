// Test exports for the AHCI structure encoders and IDENTIFY decoders
// (src/kernel/devices/ahci/ata.ts). Addresses are kernel virtual (the direct map).
import * as ata from "../../../src/kernel/devices/ahci/ata";

const model = memory.data(40);

export function ahciWriteHeader(entry: u64, fisBytes: u32, direction: i32, prdtEntries: u32, table: u64): void {
  ata.writeHeader(entry, fisBytes, <ata.Direction>direction, prdtEntries, table);
}
export function ahciFillPrdt(table: u64, buffer: u64, bytes: u64): i32 { return ata.fillPrdt(table, buffer, bytes); }
export function ahciWriteSimpleFis(fis: u64, command: u8): void { ata.writeSimpleFis(fis, command); }
export function ahciWriteDmaFis(fis: u64, command: u8, lba: u64, sectors: u64): void { ata.writeDmaFis(fis, command, lba, sectors); }
export function ahciWriteQueuedFis(fis: u64, command: u8, lba: u64, sectors: u64, tag: u32): void { ata.writeQueuedFis(fis, command, lba, sectors, tag); }
export function ahciIdentifyLba48(identify: u64): bool { return ata.identifyLba48(identify); }
export function ahciIdentifyFlushExt(identify: u64): bool { return ata.identifyFlushExt(identify); }
export function ahciIdentifySectors(identify: u64): u64 { return ata.identifySectors(identify); }
export function ahciIdentifyQueueDepth(identify: u64): u32 { return ata.identifyQueueDepth(identify); }
export function ahciIdentifyLogicalSectorBytes(identify: u64): u32 { return ata.identifyLogicalSectorBytes(identify); }
export function ahciIdentifyModel(identify: u64): i32 { return ata.identifyModel(identify, model); }
export function ahciModelData(): usize { return model; }
