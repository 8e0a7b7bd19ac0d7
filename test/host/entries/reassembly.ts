// Test exports for IPv4 fragment reassembly and fragmentation, ICMP unreachable
// and the stack's receive path: frames the test queues are "received" by a fake
// NIC and handled by stack.pump(0); frames the stack sends are logged in order.
import * as reassembly from "../../../src/kernel/net/reassembly";
import * as stack from "../../../src/kernel/net/stack";
import * as icmp from "../../../src/kernel/net/icmp";
import * as ipv4 from "../../../src/kernel/net/ipv4";
import * as udp from "../../../src/kernel/net/udp";
import * as arp from "../../../src/kernel/net/arp";
import * as iface from "../../../src/kernel/net/interface";
import { Errno } from "../../../src/abi";

export function reassemblyAccept(at: usize, length: u32, now: u64): usize { return reassembly.accept(at, length, now); }
export function reassemblyLength(): u32 { return reassembly.assembledLength(); }
export function reassemblyCount(reason: i32): u64 { return reassembly.count(<reassembly.Reason>reason); }
export function reassemblyInProgress(): i32 { return reassembly.inProgress(); }
export function reassemblyReset(): void { reassembly.reset(); }
export function reassemblyExpire(now: u64): void { reassembly.expire(now); }

// ---- a fake NIC: one queued frame to receive, every sent frame logged
const LOG_BYTES: u32 = 256 * 1024;
const sentLog = memory.data(LOG_BYTES);       // per frame: length u32, then the frame
let sentEnd: u32 = 0;
let sentFrames: u32 = 0;
const inbound = memory.data(2048);
let inboundLength: u32 = 0;

function logSend(source: usize, length: u32): Errno {
  if (sentEnd + 4 + length > LOG_BYTES) return Errno.ResourceExhausted;
  store<u32>(sentLog + <usize>sentEnd, length);
  memory.copy(sentLog + <usize>sentEnd + 4, source, length);
  sentEnd += 4 + length;
  sentFrames++;
  return Errno.Ok;
}
function queuedReceive(destination: usize, capacity: u32, timeoutNs: u64): i32 {
  if (inboundLength == 0 || inboundLength > capacity) return 0;
  memory.copy(destination, inbound, inboundLength);
  const length = inboundLength;
  inboundLength = 0;
  return <i32>length;
}
const mac = memory.data<u8>([0x52, 0x54, 0, 0x12, 0x34, 0x56, 0, 0]);
function noPump(timeoutNs: u64): void {}

export function stackAttachLogged(ip: u32): void {
  iface.attach(logSend, queuedReceive, mac);
  iface.configure(ip, 0xffffff00, 0, 0);
  arp.clear();
  udp.reset();
  reassembly.reset();
  icmp.resetRate();
  sentEnd = 0;
  sentFrames = 0;
}
export function sentLogAddress(): usize { return sentLog; }
export function sentLogEnd(): u32 { return sentEnd; }
export function sentFrameCount(): u32 { return sentFrames; }
export function inboundAddress(): usize { return inbound; }
/** Handles the frame of `length` bytes the test wrote at inboundAddress(). */
export function stackReceive(length: u32): void { inboundLength = length; stack.pump(0); }
export function icmpUnreachablesSent(): u64 { return icmp.unreachablesSent(); }
export function icmpUnreachablesLimited(): u64 { return icmp.unreachablesLimited(); }
export function icmpEchoes(): u64 { return icmp.echoesAnswered(); }
/** udp.send from the scratch address `data` (the route is found without waiting: learn it by ARP first). */
export function udpSendFrom(data: usize, length: u32, destination: u32, port: u16): i32 {
  return <i32>udp.send(4242, destination, port, data, length, noPump);
}
export function ipv4MaxPayload(): u32 { return ipv4.MAX_PAYLOAD; }
const bigScratch = memory.data(70_000);
export function bigScratchAddress(): usize { return bigScratch; }
