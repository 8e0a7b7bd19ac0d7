// icmp.ts — ICMP (RFC 792): echo requests to us are answered with echo replies
// carrying the same identifier, sequence and data; everything else is counted.
//   message: type u8 | code u8 | checksum u16 | id u16 | sequence u16 | data
import * as ipv4 from "./ipv4";
import { finish, put16, sum } from "./bytes";

export const TYPE_ECHO_REPLY: u8 = 0;
export const TYPE_ECHO_REQUEST: u8 = 8;
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
  if (length > MAX_MESSAGE) { malformed++; return; }
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
