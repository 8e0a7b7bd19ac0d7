// udp.ts — UDP (RFC 768): datagrams checked (length, checksum when present) and
// delivered to the socket bound to their port, which is an IPC endpoint (so an
// agent receives them with ipc_receive on an endpoint capability); sending
// builds the header and checksum over the pseudo-header; a datagram longer than
// one frame leaves as IPv4 fragments (up to MAX_DATAGRAM_PAYLOAD bytes).
//   header: source port u16 | destination port u16 | length u16 | checksum u16
//   delivered message: source ip u32 | source port u16 | length u16 | data
import { Errno } from "../../abi";
import { cpu } from "../../hal";
import { endpoints } from "../ipc";
import { grown } from "../memory";
import * as ipv4 from "./ipv4";
import * as iface from "./interface";
import { finish, get16, pseudoHeader, put16, put32, sum } from "./bytes";
import { linearToVirtual } from "../physical";

export const HEADER: u32 = 8;
export const MESSAGE_HEADER: u32 = 8;
const SOCKETS: i32 = 32;
const NONE: i32 = -1;
export const MAX_PAYLOAD: u32 = 1500 - 20 - HEADER;              // in one frame
export const MAX_DATAGRAM_PAYLOAD: u32 = ipv4.MAX_PAYLOAD - HEADER;  // 65507, in fragments

const ports = memory.data(SOCKETS * 2);
const endpointIds = memory.data(SOCKETS * 4);
let malformed: u64 = 0;
let unreachable: u64 = 0;
let delivered: u64 = 0;

export function malformedCount(): u64 { return malformed; }
export function noSocketCount(): u64 { return unreachable; }
export function deliveredCount(): u64 { return delivered; }

/** A port the kernel serves itself (DHCP's client port, a DNS query's port):
 *  the datagram's data. */
export type Handler = (data: usize, length: u32) => void;
const KERNEL_PORTS: i32 = 4;
const kernelPorts = memory.data(KERNEL_PORTS * 2);
const kernelHandlers = memory.data(KERNEL_PORTS * 4);   // 0: free

export function reset(): void {
  for (let i = 0; i < SOCKETS; i++) store<i32>(endpointIds + <usize>i * 4, NONE);
  memory.fill(kernelHandlers, 0, KERNEL_PORTS * 4);
}

function kernelSlotOf(port: u16): i32 {
  for (let i = 0; i < KERNEL_PORTS; i++) {
    if (load<u32>(kernelHandlers + <usize>i * 4) != 0 && load<u16>(kernelPorts + <usize>i * 2) == port) return i;
  }
  return NONE;
}

/** Datagrams to `port` go to `handler` in the kernel instead of a socket:
 *  ResourceExhausted when KERNEL_PORTS are served already. */
export function serve(port: u16, handler: Handler): Errno {
  let slot = kernelSlotOf(port);
  for (let i = 0; i < KERNEL_PORTS && slot == NONE; i++) if (load<u32>(kernelHandlers + <usize>i * 4) == 0) slot = i;
  if (slot == NONE) return Errno.ResourceExhausted;
  store<u16>(kernelPorts + <usize>slot * 2, port);
  store<u32>(kernelHandlers + <usize>slot * 4, <u32>changetype<usize>(handler));
  return Errno.Ok;
}

/** Stops serving `port` in the kernel. */
export function unserve(port: u16): void {
  const slot = kernelSlotOf(port);
  if (slot != NONE) store<u32>(kernelHandlers + <usize>slot * 4, 0);
}

function socketOf(port: u16): i32 {
  for (let i = 0; i < SOCKETS; i++) {
    if (load<i32>(endpointIds + <usize>i * 4) != NONE && load<u16>(ports + <usize>i * 2) == port) return i;
  }
  return NONE;
}

/** Delivers datagrams to `port` into IPC endpoint `endpoint`. AlreadyExists when
 *  the port is taken, ResourceExhausted when every socket is. */
export function bind(port: u16, endpoint: i32): Errno {
  if (port == 0 || endpoint < 0) return Errno.InvalidArgument;
  if (socketOf(port) != NONE) return Errno.AlreadyExists;
  for (let i = 0; i < SOCKETS; i++) {
    if (load<i32>(endpointIds + <usize>i * 4) == NONE) {
      store<u16>(ports + <usize>i * 2, port);
      store<i32>(endpointIds + <usize>i * 4, endpoint);
      return Errno.Ok;
    }
  }
  return Errno.ResourceExhausted;
}

export function unbind(port: u16): Errno {
  const i = socketOf(port);
  if (i == NONE) return Errno.NotFound;
  store<i32>(endpointIds + <usize>i * 4, NONE);
  return Errno.Ok;
}

/** Handles the datagram of `length` bytes at `datagram` in a packet from `from`
 *  to `to`. False when it was sound but no socket has its port (the stack answers
 *  port unreachable); the datagram's header is overwritten when it is delivered. */
export function receive(datagram: usize, length: u32, from: u32, to: u32): bool {
  if (length < HEADER) { malformed++; return true; }
  const declared = <u32>get16(datagram + 4);
  if (declared < HEADER || declared > length) { malformed++; return true; }
  if (get16(datagram + 6) != 0) {
    const running = sum(datagram, declared, pseudoHeader(from, to, ipv4.PROTOCOL_UDP, declared));
    if (finish(running) != 0) { malformed++; return true; }
  }
  const data = declared - HEADER;
  const served = kernelSlotOf(get16(datagram + 2));
  if (served != NONE) {
    changetype<Handler>(<usize>load<u32>(kernelHandlers + <usize>served * 4))(datagram + <usize>HEADER, data);
    delivered++;
    return true;
  }
  const socket = socketOf(get16(datagram + 2));
  if (socket == NONE) { unreachable++; return false; }
  // the message header is as long as the UDP header: written over it, the
  // message is in place whatever the datagram's size (up to 65507 bytes reassembled)
  const sourcePort = get16(datagram);
  put32(datagram, from);
  put16(datagram + 4, sourcePort);
  put16(datagram + 6, <u16>data);
  // a full endpoint drops the datagram, as UDP may
  const source = linearToVirtual(datagram);   // endpoints copy by kernel virtual address
  if (endpoints.send(load<i32>(endpointIds + <usize>socket * 4), source, MESSAGE_HEADER + data, endpoints.Wait.NoWait) == Errno.Ok) delivered++;
  return true;
}

/** Sends `length` bytes at kernel address `data` from port `sourcePort` to
 *  `destination`:`destinationPort`: in one frame up to MAX_PAYLOAD, else as IPv4
 *  fragments up to MAX_DATAGRAM_PAYLOAD. */
export function send(sourcePort: u16, destination: u32, destinationPort: u16, data: usize, length: u32, pump: ipv4.Pump): Errno {
  if (length > MAX_DATAGRAM_PAYLOAD) return Errno.MessageTooLarge;
  // data may be the receive buffer route() refills: the datagram is built aside
  if (stage == 0) stage = grown.take(<usize>(HEADER + MAX_DATAGRAM_PAYLOAD));
  if (stage == 0) return Errno.ResourceExhausted;
  put16(stage, sourcePort);
  put16(stage + 2, destinationPort);
  put16(stage + 4, <u16>(HEADER + length));
  put16(stage + 6, 0);
  memory.copy(stage + <usize>HEADER, data, <usize>length);
  const routed = ipv4.route(destination, pump);
  if (routed != Errno.Ok) return routed;
  let checksum = finish(sum(stage, HEADER + length, pseudoHeader(iface.ip(), destination, ipv4.PROTOCOL_UDP, HEADER + length)));
  if (checksum == 0) checksum = 0xffff;                    // 0 means "no checksum"
  put16(stage + 6, checksum);
  return ipv4.transmitFragments(destination, ipv4.PROTOCOL_UDP, stage, HEADER + length);
}

// the datagram's stage, grown on the first send (not part of the kernel's
// initial memory, which must fit its boot window)
let stage: usize = 0;
