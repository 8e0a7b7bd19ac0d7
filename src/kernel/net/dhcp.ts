// dhcp.ts — a DHCP client (RFC 2131, options RFC 2132): DISCOVER, OFFER, REQUEST,
// ACK, retransmitted with doubling waits, then the interface takes the address,
// netmask, router and DNS server the ACK gives. Replies are checked (our
// transaction id and hardware address, the magic cookie, options within bounds)
// before anything is taken from them.
//   message: op u8 | htype u8 | hlen u8 | hops u8 | xid u32 | secs u16 | flags u16 |
//   ciaddr | yiaddr | siaddr | giaddr | chaddr[16] | sname[64] | file[128] |
//   cookie 0x63825363 | options (code u8, length u8, data) … 255
import { Errno } from "../../abi";
import * as clock from "../clock";
import * as iface from "./interface";
import * as ipv4 from "./ipv4";
import * as udp from "./udp";
import { get16, get32, put16, put32 } from "./bytes";

export const CLIENT_PORT: u16 = 68;
const SERVER_PORT: u16 = 67;
const FIXED: u32 = 236;
const COOKIE: u32 = 0x63825363;
const OPTIONS: u32 = FIXED + 4;
const OP_REQUEST: u8 = 1;
const OP_REPLY: u8 = 2;
const FLAG_BROADCAST: u16 = 0x8000;
const OPTION_PAD: u8 = 0;
const OPTION_SUBNET: u8 = 1;
const OPTION_ROUTER: u8 = 3;
const OPTION_DNS: u8 = 6;
const OPTION_REQUESTED_IP: u8 = 50;
const OPTION_LEASE: u8 = 51;
const OPTION_MESSAGE_TYPE: u8 = 53;
const OPTION_SERVER_ID: u8 = 54;
const OPTION_PARAMETERS: u8 = 55;
const OPTION_END: u8 = 255;
const DISCOVER: u8 = 1;
const OFFER: u8 = 2;
const REQUEST: u8 = 3;
const ACK: u8 = 5;
const NAK: u8 = 6;
const FIRST_WAIT_NS: u64 = 1_000_000_000;
const ATTEMPTS: i32 = 4;                        // 1 + 2 + 4 + 8 s at most
const STEP_NS: u64 = 10_000_000;

export const enum State { Idle = 0, Selecting = 1, Requesting = 2, Bound = 3 }

const message = memory.data(548);
let state = State.Idle;
let xid: u32 = 0x41494f53;                      // "AIOS", moved on per attempt
let offered: u32 = 0;
let server: u32 = 0;
let leaseSeconds: u32 = 0;
let optionMask: u32 = 0;
let optionRouter: u32 = 0;
let optionDns: u32 = 0;
let rejected: u64 = 0;

export function currentState(): State { return state; }
export function lease(): u32 { return leaseSeconds; }
export function serverAddress(): u32 { return server; }
export function rejectedCount(): u64 { return rejected; }

function build(type: u8, requested: u32): u32 {
  memory.fill(message, 0, 548);
  store<u8>(message, OP_REQUEST);
  store<u8>(message + 1, 1);
  store<u8>(message + 2, 6);
  put32(message + 4, xid);
  put16(message + 10, FLAG_BROADCAST);            // we have no address to be answered at yet
  memory.copy(message + 28, iface.macAddress(), 6);
  put32(message + FIXED, COOKIE);
  let at = message + OPTIONS;
  store<u8>(at, OPTION_MESSAGE_TYPE); store<u8>(at + 1, 1); store<u8>(at + 2, type); at += 3;
  if (requested != 0) {
    store<u8>(at, OPTION_REQUESTED_IP); store<u8>(at + 1, 4); put32(at + 2, requested); at += 6;
    store<u8>(at, OPTION_SERVER_ID); store<u8>(at + 1, 4); put32(at + 2, server); at += 6;
  }
  store<u8>(at, OPTION_PARAMETERS); store<u8>(at + 1, 4);
  store<u8>(at + 2, OPTION_SUBNET); store<u8>(at + 3, OPTION_ROUTER); store<u8>(at + 4, OPTION_DNS); store<u8>(at + 5, OPTION_LEASE);
  at += 6;
  store<u8>(at, OPTION_END);
  return <u32>(at + 1 - message);
}

/** Handles a datagram's payload from the server port: an OFFER while selecting,
 *  an ACK or NAK while requesting. Anything not ours or malformed is counted. */
export function receive(data: usize, length: u32): void {
  if (length < OPTIONS || load<u8>(data) != OP_REPLY || get32(data + 4) != xid || get32(data + FIXED) != COOKIE
    || load<u32>(data + 28) != load<u32>(iface.macAddress()) || load<u16>(data + 32) != load<u16>(iface.macAddress() + 4)) {
    rejected++;
    return;
  }
  let type: u8 = 0, serverId: u32 = 0, mask: u32 = 0, router: u32 = 0, dns: u32 = 0, seconds: u32 = 0;
  let at = OPTIONS;
  while (at < length) {
    const code = load<u8>(data + <usize>at);
    if (code == OPTION_END) break;
    if (code == OPTION_PAD) { at++; continue; }
    if (at + 1 >= length) { rejected++; return; }
    const size = <u32>load<u8>(data + <usize>at + 1);
    if (at + 2 + size > length) { rejected++; return; }
    const value = data + <usize>at + 2;
    if (code == OPTION_MESSAGE_TYPE && size == 1) type = load<u8>(value);
    else if (code == OPTION_SERVER_ID && size == 4) serverId = get32(value);
    else if (code == OPTION_SUBNET && size == 4) mask = get32(value);
    else if (code == OPTION_ROUTER && size >= 4) router = get32(value);
    else if (code == OPTION_DNS && size >= 4) dns = get32(value);
    else if (code == OPTION_LEASE && size == 4) seconds = get32(value);
    at += 2 + size;
  }
  const yours = get32(data + 16);
  if (state == State.Selecting && type == OFFER && yours != 0 && serverId != 0) {
    offered = yours;
    server = serverId;
    state = State.Requesting;
  } else if (state == State.Requesting && type == ACK && yours == offered) {
    leaseSeconds = seconds;
    optionMask = mask;
    optionRouter = router;
    optionDns = dns;
    state = State.Bound;
  } else if (state == State.Requesting && type == NAK) {
    state = State.Selecting;
  } else {
    rejected++;
  }
}

/** Asks for a lease, taking frames through `pump`: Ok with the interface
 *  configured, or Timeout after the retransmissions. */
export function acquire(pump: ipv4.Pump): Errno {
  iface.configure(0, 0, 0, 0);
  state = State.Selecting;
  let wait = FIRST_WAIT_NS;
  for (let attempt = 0; attempt < ATTEMPTS && state != State.Bound; attempt++) {
    xid += 0x9e37;
    const startState = state;
    const length = build(startState == State.Requesting ? REQUEST : DISCOVER, startState == State.Requesting ? offered : 0);
    const sent = udp.send(CLIENT_PORT, ipv4.BROADCAST, SERVER_PORT, message, length, pump);
    if (sent != Errno.Ok) return sent;
    const deadline = clock.nanoseconds() + wait;
    while (clock.nanoseconds() < deadline && state == startState) pump(STEP_NS);
    if (state == State.Requesting && startState == State.Selecting) { attempt--; continue; }   // an offer: request at once
    if (state != State.Bound) wait *= 2;
  }
  if (state != State.Bound) { state = State.Idle; return Errno.Timeout; }
  iface.configure(offered, optionMask, optionRouter, optionDns);
  return Errno.Ok;
}
