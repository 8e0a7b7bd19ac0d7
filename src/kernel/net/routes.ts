// routes.ts — the IPv4 routing table: destination/prefix → gateway (0: on the
// link), chosen by longest prefix, then lowest metric. The interface's
// configuration installs its subnet's connected route and, with a router, the
// default route; more routes can be added (add/remove). A lookup with no route
// answers NO_ROUTE, and the packet is not sent.
import { Errno } from "../../abi";

export const MAX_ROUTES: i32 = 16;
export const NO_ROUTE: u32 = 0xffff_ffff;
export const ON_LINK: u32 = 0;

const destinations = memory.data(MAX_ROUTES * 4);
const masks = memory.data(MAX_ROUTES * 4);
const gateways = memory.data(MAX_ROUTES * 4);
const metrics = memory.data(MAX_ROUTES * 4);
const used = memory.data(MAX_ROUTES);

function field(base: usize, i: i32): usize { return base + <usize>i * 4; }
export function inUse(i: i32): bool { return i >= 0 && i < MAX_ROUTES && load<u8>(used + <usize>i) != 0; }
export function destinationAt(i: i32): u32 { return load<u32>(field(destinations, i)); }
export function maskAt(i: i32): u32 { return load<u32>(field(masks, i)); }
export function gatewayAt(i: i32): u32 { return load<u32>(field(gateways, i)); }
export function metricAt(i: i32): u32 { return load<u32>(field(metrics, i)); }

export function clear(): void { memory.fill(used, 0, MAX_ROUTES); }

/** Whether `mask` is a run of ones from the top (a prefix). */
function contiguous(mask: u32): bool { return (~mask & (~mask + 1)) == 0; }

/** Adds (or replaces) the route to `destination`/`mask` via `gateway` (ON_LINK for
 *  the link itself). InvalidArgument for a mask that is not a prefix or a
 *  destination with host bits set; ResourceExhausted when the table is full. */
export function add(destination: u32, mask: u32, gateway: u32, metric: u32): Errno {
  if (!contiguous(mask) || (destination & ~mask) != 0) return Errno.InvalidArgument;
  let free: i32 = -1;
  for (let i = 0; i < MAX_ROUTES; i++) {
    if (!inUse(i)) { if (free < 0) free = i; continue; }
    if (destinationAt(i) == destination && maskAt(i) == mask) { free = i; break; }
  }
  if (free < 0) return Errno.ResourceExhausted;
  store<u32>(field(destinations, free), destination);
  store<u32>(field(masks, free), mask);
  store<u32>(field(gateways, free), gateway);
  store<u32>(field(metrics, free), metric);
  store<u8>(used + <usize>free, 1);
  return Errno.Ok;
}

export function remove(destination: u32, mask: u32): Errno {
  for (let i = 0; i < MAX_ROUTES; i++) {
    if (inUse(i) && destinationAt(i) == destination && maskAt(i) == mask) { store<u8>(used + <usize>i, 0); return Errno.Ok; }
  }
  return Errno.NotFound;
}

/** The next hop for `address`: the address itself for an on-link route, the
 *  gateway otherwise, NO_ROUTE when no route covers it. */
export function lookup(address: u32): u32 {
  let best: i32 = -1;
  for (let i = 0; i < MAX_ROUTES; i++) {
    if (!inUse(i) || (address & maskAt(i)) != destinationAt(i)) continue;
    if (best < 0 || maskAt(i) > maskAt(best) || (maskAt(i) == maskAt(best) && metricAt(i) < metricAt(best))) best = i;
  }
  if (best < 0) return NO_ROUTE;
  return gatewayAt(best) == ON_LINK ? address : gatewayAt(best);
}
