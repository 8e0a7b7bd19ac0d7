// dhcp.ts — a DHCP client (RFC 2131, options RFC 2132): DISCOVER, OFFER, REQUEST,
// ACK, retransmitted with doubling waits, then the interface takes the address,
// netmask, router and DNS server the ACK gives. The lease is kept (§4.4.5): at T1
// (half the lease) a REQUEST goes to the server that gave it (RENEWING), from T2
// (7/8) to anyone (REBINDING); an ACK extends it, a NAK or the lease's end drops
// the address and starts over. Replies are checked (our
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

export const enum State { Idle = 0, Selecting = 1, Requesting = 2, Bound = 3, Renewing = 4, Rebinding = 5 }
const NS_PER_SECOND: u64 = 1_000_000_000;
const INFINITE_LEASE: u32 = 0xffff_ffff;

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
let boundAt: u64 = 0;                           // when the lease was last granted
let requestedAt: u64 = 0;                       // when the renewing REQUEST went
let renewals: u32 = 0;

export function currentState(): State { return state; }
export function lease(): u32 { return leaseSeconds; }
export function serverAddress(): u32 { return server; }
export function rejectedCount(): u64 { return rejected; }
export function renewalCount(): u32 { return renewals; }

function build(type: u8, requested: u32, clientAddress: u32 = 0): u32 {
  memory.fill(message, 0, 548);
  store<u8>(message, OP_REQUEST);
  store<u8>(message + 1, 1);
  store<u8>(message + 2, 6);
  put32(message + 4, xid);
  if (clientAddress == 0) put16(message + 10, FLAG_BROADCAST);   // we have no address to be answered at yet
  put32(message + 12, clientAddress);             // ciaddr: renewing and rebinding (§4.3.2)
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
  } else if ((state == State.Renewing || state == State.Rebinding) && type == ACK && yours == iface.ip()) {
    leaseSeconds = seconds;
    if (serverId != 0) server = serverId;
    optionMask = mask;
    optionRouter = router;
    optionDns = dns;
    state = State.Bound;
    boundAt = clock.nanoseconds();
    renewals++;
    iface.configure(yours, mask, router, dns);
  } else if ((state == State.Renewing || state == State.Rebinding) && type == NAK) {
    state = State.Idle;                                         // the address is no longer ours
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
  boundAt = clock.nanoseconds();
  return Errno.Ok;
}

/** The step the lease needs at `now`: Bound (nothing), Renewing (past T1),
 *  Rebinding (past T2), Idle (expired: the address must go). */
export function due(now: u64): State {
  if (state == State.Idle || leaseSeconds == INFINITE_LEASE || leaseSeconds == 0) return state == State.Idle ? State.Idle : State.Bound;
  const elapsed = now - boundAt;
  const lease = <u64>leaseSeconds * NS_PER_SECOND;
  if (elapsed >= lease) return State.Idle;
  if (elapsed >= lease / 8 * 7) return State.Rebinding;
  if (elapsed >= lease / 2) return State.Renewing;
  return State.Bound;
}

/** Keeps the lease (the network thread calls it about once a second, with the
 *  time): past T1 a REQUEST goes to the server, past T2 to anyone, each answer
 *  awaited a second before the next try; the ACK (receive()) extends the lease.
 *  Ok while the address holds; NotReady once the lease ended or was refused (the
 *  interface has no address any more). */
export function maintain(now: u64, pump: ipv4.Pump): Errno {
  if (state == State.Renewing || state == State.Rebinding) {
    if (now - requestedAt < FIRST_WAIT_NS) return Errno.Ok;     // awaiting the answer
    state = State.Bound;                                        // none came: ask again below, or later
  }
  if (state == State.Idle && iface.ip() != 0) { iface.configure(0, 0, 0, 0); return Errno.NotReady; }   // a NAK
  const step = due(now);
  if (step == State.Bound) return Errno.Ok;
  if (step == State.Idle) {
    state = State.Idle;
    iface.configure(0, 0, 0, 0);
    return Errno.NotReady;
  }
  xid += 0x9e37;
  state = step;
  requestedAt = now;
  const length = build(REQUEST, 0, iface.ip());
  udp.send(CLIENT_PORT, step == State.Renewing ? server : ipv4.BROADCAST, SERVER_PORT, message, length, pump);
  return Errno.Ok;
}

/** For tests: a lease of `seconds` on `address` from `serverIp`, granted `ago`
 *  nanoseconds before `now`, as if acquire() had taken it. */
export function bindForTest(address: u32, mask: u32, router: u32, serverIp: u32, seconds: u32, now: u64, ago: u64): void {
  iface.configure(address, mask, router, 0);
  offered = address;
  server = serverIp;
  leaseSeconds = seconds;
  optionMask = mask;
  optionRouter = router;
  state = State.Bound;
  boundAt = now - ago;
}
export function transactionId(): u32 { return xid; }
