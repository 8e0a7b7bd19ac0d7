// interface.ts — the one network interface: the NIC under it (its send and receive
// as function references, so the stack works over virtio-net or e1000 alike), its
// MAC, and the IPv4 configuration DHCP (or a test) gives it. Frames are built in
// a transmit buffer here and copied out by the driver.
import { Errno } from "../../abi";
import * as ethernet from "./ethernet";
import * as routes from "./routes";
import { put16 } from "./bytes";

export type Send = (source: usize, length: u32) => Errno;
export type Receive = (destination: usize, capacity: u32, timeoutNs: u64) => i32;

const FRAME_BYTES: u32 = 1536;
const transmitFrame = memory.data(FRAME_BYTES);
const receiveFrame = memory.data(FRAME_BYTES);
const mac = memory.data(8);
let sendFunction: u32 = 0;
let sleeps = false;                  // the NIC interrupts on receive: a waiting poll() sleeps
let receiveFunction: u32 = 0;
let address: u32 = 0;
let netmask: u32 = 0;
let router: u32 = 0;
let nameServer: u32 = 0;
let framesOut: u64 = 0;
let framesIn: u64 = 0;
let sendErrors: u64 = 0;

export function attach(send: Send, receive: Receive, macBytes: usize, interruptDriven: bool = false): void {
  sleeps = interruptDriven;
  sendFunction = <u32>changetype<usize>(send);
  receiveFunction = <u32>changetype<usize>(receive);
  memory.copy(mac, macBytes, 6);
  address = 0;
  netmask = 0;
  router = 0;
  nameServer = 0;
}

export function attached(): bool { return sendFunction != 0; }
/** Whether poll() with a timeout sleeps until a frame's interrupt (else it spins). */
export function interruptDriven(): bool { return sleeps; }
export function macAddress(): usize { return mac; }
export function ip(): u32 { return address; }
export function mask(): u32 { return netmask; }
export function gateway(): u32 { return router; }
export function dns(): u32 { return nameServer; }
/** The address, subnet, router and name server (from DHCP or a test); the routing
 *  table gets the subnet's connected route and, with a router, the default one. */
export function configure(ipAddress: u32, maskBits: u32, routerAddress: u32, dnsAddress: u32): void {
  address = ipAddress;
  netmask = maskBits;
  router = routerAddress;
  nameServer = dnsAddress;
  routes.clear();
  if (ipAddress != 0 && maskBits != 0) routes.add(ipAddress & maskBits, maskBits, routes.ON_LINK, 0);
  if (routerAddress != 0) routes.add(0, 0, routerAddress, 100);
}
export function sent(): u64 { return framesOut; }
export function received(): u64 { return framesIn; }

/** The transmit buffer's payload, after the Ethernet header. */
export function payload(): usize { return transmitFrame + <usize>ethernet.HEADER; }
export function receiveBuffer(): usize { return receiveFrame; }
export function receiveCapacity(): u32 { return FRAME_BYTES; }

/** Sends the transmit buffer's `payloadLength` bytes to `destinationMac` as
 *  `type`, padded to the minimum frame. */
export function transmit(destinationMac: usize, type: u16, payloadLength: u32): Errno {
  if (sendFunction == 0) return Errno.NotReady;
  if (payloadLength > ethernet.MTU) return Errno.MessageTooLarge;
  memory.copy(transmitFrame + ethernet.DESTINATION, destinationMac, 6);
  memory.copy(transmitFrame + ethernet.SOURCE, mac, 6);
  put16(transmitFrame + ethernet.TYPE, type);
  let length = ethernet.HEADER + payloadLength;
  if (length < ethernet.MIN_FRAME) {
    memory.fill(transmitFrame + <usize>length, 0, <usize>(ethernet.MIN_FRAME - length));
    length = ethernet.MIN_FRAME;
  }
  const result = changetype<Send>(<usize>sendFunction)(transmitFrame, length);
  if (result == Errno.Ok) framesOut++; else sendErrors++;
  return result;
}

/** The next frame into the receive buffer (waiting up to `timeoutNs`): its length, or 0. */
export function poll(timeoutNs: u64): i32 {
  if (receiveFunction == 0) return 0;
  const length = changetype<Receive>(<usize>receiveFunction)(receiveFrame, FRAME_BYTES, timeoutNs);
  if (length > 0) framesIn++;
  return length;
}
