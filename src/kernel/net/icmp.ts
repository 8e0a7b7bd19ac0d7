// icmp.ts — ICMP (RFC 792): echo requests to us are answered with echo replies
// carrying the same identifier, sequence and data; everything else is counted.
// Destination unreachable (port, protocol) is sent for what nobody here takes,
// at most BURST at once and RATE_PER_SECOND after (a token bucket, RFC 1812
// §4.3.2.8), never about a broadcast, a packet from no address, or an ICMP error.
//   message: type u8 | code u8 | checksum u16 | id u16 | sequence u16 | data
//   unreachable: type 3 | code | checksum | unused u32 | the IP header + 8 bytes
import * as clock from "../clock";
import * as iface from "./interface";
import * as ipv4 from "./ipv4";
import { finish, put16, put32, sum } from "./bytes";

export const TYPE_ECHO_REPLY: u8 = 0;
export const TYPE_ECHO_REQUEST: u8 = 8;
export const TYPE_UNREACHABLE: u8 = 3;
export const enum Unreachable { Protocol = 2, Port = 3 }
const ORIGINAL_DATA: u32 = 8;                 // RFC 792: the header and 64 bits of data
const BURST: u32 = 10;
const RATE_PER_SECOND: u64 = 10;
const HEADER: u32 = 8;
const MAX_MESSAGE: u32 = 1500 - 20;
const scratch = memory.data(1500);
let echoes: u64 = 0;
let malformed: u64 = 0;

export function echoesAnswered(): u64 { return echoes; }
export function malformedCount(): u64 { return malformed; }

/** Handles the ICMP message of `length` bytes at `message` from `from`; answers
 *  an echo request through the route to `from` (found with `pump`). */
export function receive(message: usize, length: u32, from: u32, pump: ipv4.Pump): void {
  if (length < HEADER || finish(sum(message, length, 0)) != 0) { malformed++; return; }
  if (load<u8>(message) != TYPE_ECHO_REQUEST || load<u8>(message + 1) != 0) return;
  if (length > MAX_MESSAGE) { answerLarge(message, length, from, pump); return; }
  // The request is in the receive buffer, which route() may refill, and route()
  // may send an ARP request from the transmit buffer: keep the message aside.
  memory.copy(scratch, message, <usize>length);
  if (ipv4.route(from, pump) != 0) return;
  const reply = ipv4.transportPayload();
  memory.copy(reply, scratch, <usize>length);
  store<u8>(reply, TYPE_ECHO_REPLY);
  put16(reply + 2, 0);
  put16(reply + 2, finish(sum(reply, length, 0)));
  if (ipv4.transmit(from, ipv4.PROTOCOL_ICMP, length) == 0) echoes++;
}

/** An echo request longer than one frame holds came reassembled: it sits in the
 *  reassembly output, which nothing refills while route() takes ARP only, so the
 *  reply is made in place and leaves as fragments. */
function answerLarge(message: usize, length: u32, from: u32, pump: ipv4.Pump): void {
  if (length > ipv4.MAX_PAYLOAD) { malformed++; return; }
  if (ipv4.route(from, pump) != 0) return;
  store<u8>(message, TYPE_ECHO_REPLY);
  put16(message + 2, 0);
  put16(message + 2, finish(sum(message, length, 0)));
  if (ipv4.transmitFragments(from, ipv4.PROTOCOL_ICMP, message, length) == 0) echoes++;
}

let tokens: u32 = BURST;
let refilled: u64 = 0;
let unreachableSent: u64 = 0;
let unreachableLimited: u64 = 0;

export function unreachablesSent(): u64 { return unreachableSent; }
export function unreachablesLimited(): u64 { return unreachableLimited; }

/** Lets the token bucket start full again (the stack's init, tests). */
export function resetRate(): void { tokens = BURST; refilled = 0; unreachableSent = 0; unreachableLimited = 0; }

function takeToken(now: u64): bool {
  if (refilled == 0 || now < refilled) refilled = now;
  const earned = (now - refilled) * RATE_PER_SECOND / 1_000_000_000;
  if (earned > 0) {
    tokens = <u32>min<u64>(<u64>BURST, <u64>tokens + earned);
    refilled += earned * 1_000_000_000 / RATE_PER_SECOND;
  }
  if (tokens == 0) return false;
  tokens--;
  return true;
}

/** Tells the sender of the IPv4 `packet` (header checked, delivered to us) that
 *  `code` made it undeliverable. Nothing about broadcasts, packets from no
 *  address or ICMP messages (no errors about errors, RFC 1122 §3.2.2). */
export function unreachable(packet: usize, code: Unreachable, pump: ipv4.Pump): void {
  const from = ipv4.source(packet);
  const to = ipv4.destination(packet);
  if (from == 0 || from == ipv4.BROADCAST || to == ipv4.BROADCAST || (to >> 28) == 0xe || (from >> 28) == 0xe
    || ipv4.protocol(packet) == ipv4.PROTOCOL_ICMP) return;
  if (!ipv4.forUs(to) || to != iface.ip()) return;            // not about our subnet's broadcast either
  if (!takeToken(clock.nanoseconds())) { unreachableLimited++; return; }
  const quoted = min(ipv4.totalLength(packet), ipv4.headerLength(packet) + ORIGINAL_DATA);
  const length = HEADER + quoted;
  memory.copy(scratch + <usize>HEADER, packet, <usize>quoted);   // route() may refill the receive buffer
  if (ipv4.route(from, pump) != 0) return;
  const message = ipv4.transportPayload();
  store<u8>(scratch, TYPE_UNREACHABLE);
  store<u8>(scratch + 1, <u8>code);
  put16(scratch + 2, 0);
  put32(scratch + 4, 0);
  memory.copy(message, scratch, <usize>length);
  put16(message + 2, finish(sum(message, length, 0)));
  if (ipv4.transmit(from, ipv4.PROTOCOL_ICMP, length) == 0) unreachableSent++;
}
