// Test exports for the NVMe driver's pure decoders (src/kernel/devices/nvme/format.ts)
// and its queue pair (queue.ts), driven against the fake machine's physical memory.
import * as format from "../../../src/kernel/devices/nvme/format";
import * as queue from "../../../src/kernel/devices/nvme/queue";

export function nvmeMaxQueueEntries(cap: u64): u32 { return format.maxQueueEntries(cap); }
export function nvmeReadyTimeoutNs(cap: u64): u64 { return format.readyTimeoutNs(cap); }
export function nvmeDoorbellStride(cap: u64): u64 { return format.doorbellStride(cap); }
export function nvmeSupportsNvm(cap: u64): bool { return format.supportsNvmCommands(cap); }
export function nvmeMinimumPageBytes(cap: u64): u64 { return format.minimumPageBytes(cap); }
export function nvmeStatusErrno(status: u16): i32 { return <i32>format.statusErrno(status); }
export function nvmeFormatIndex(flbas: u8): u32 { return format.formatIndex(flbas); }
export function nvmeBlockShift(descriptor: u32): u32 { return format.blockShift(descriptor); }
export function nvmeMetadataBytes(descriptor: u32): u32 { return format.metadataBytes(descriptor); }
export function nvmePagesSpanned(address: u64, bytes: u64, page: u64): u64 { return format.pagesSpanned(address, bytes, page); }

const testQueue = changetype<queue.Queue>(memory.data(offsetof<queue.Queue>()));
const testCommand = changetype<queue.Command>(memory.data(offsetof<queue.Command>()));
const testResults = memory.data(<i32>queue.MAX_COMMANDS * 2);

export function nvmeQueueSetup(id: u16, entries: u16, submissions: u64, completions: u64, doorbells: u64, stride: u64): void {
  queue.setup(testQueue, id, entries, submissions, completions, doorbells, stride, testResults);
}
export function nvmeQueueSubmit(cid: u16, opcode: u8, namespace: u32, prp1: u64, dword10: u32): bool {
  testCommand.opcode = opcode;
  testCommand.cid = cid;
  testCommand.namespace = namespace;
  testCommand.prp1 = prp1;
  testCommand.prp2 = 0;
  testCommand.dword10 = dword10;
  testCommand.dword11 = 0;
  testCommand.dword12 = 0;
  return queue.submit(testQueue, testCommand);
}
export function nvmeQueueRing(): void { queue.ring(testQueue); }
export function nvmeQueueReap(): i32 { return queue.reap(testQueue); }
export function nvmeQueuePending(cid: u16): bool { return queue.pending(testQueue, cid); }
export function nvmeQueueStatus(cid: u16): u16 { return queue.status(testQueue, cid); }
