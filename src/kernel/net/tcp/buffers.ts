// buffers.ts — each established connection's receive and send rings, one block
// of the kernel module's own linear memory per connection (so the rings are
// plain memory to memory.copy):
//   block: receive ring (64 KiB) | send ring (128 KiB)
// Blocks come from memory.grow and are never given back (wasm memory cannot
// shrink); a closed connection's block goes onto a free list for the next one.
// A half-open connection (SYN-RECEIVED) has no block, so a SYN flood costs
// control blocks only. The count is capped so the network cannot take all memory.
export const RECEIVE_BYTES: u32 = 65536;
export const SEND_BYTES: u32 = 131072;
const RECEIVE_MASK: u32 = RECEIVE_BYTES - 1;
const SEND_MASK: u32 = SEND_BYTES - 1;
const BLOCK_PAGES: i32 = <i32>((RECEIVE_BYTES + SEND_BYTES) >> 16);
const PAGE_SHIFT: usize = 16;
const GROW_FAILED: i32 = -1;
export const MAX_BLOCKS: u32 = 160;          // 30 MiB at most

let freeHead: usize = 0;
let made: u32 = 0;
let inUse: u32 = 0;

export function blocksMade(): u32 { return made; }
export function blocksInUse(): u32 { return inUse; }

/** A block for one connection, or 0 when the cap or memory is reached. */
export function take(): usize {
  let block = freeHead;
  if (block != 0) {
    freeHead = load<usize>(block);
  } else {
    if (made >= MAX_BLOCKS) return 0;
    const previous = memory.grow(BLOCK_PAGES);
    if (previous == GROW_FAILED) return 0;
    made++;
    block = <usize>previous << PAGE_SHIFT;
  }
  inUse++;
  return block;
}

export function give(block: usize): void {
  if (block == 0) return;
  store<usize>(block, freeHead);
  freeHead = block;
  inUse--;
}

function sendRing(block: usize): usize { return block + <usize>RECEIVE_BYTES; }

/** Copies `length` bytes from `source` into the receive ring at free-running offset `offset`. */
export function receivePut(block: usize, offset: u32, source: usize, length: u32): void {
  const at = offset & RECEIVE_MASK;
  const first = length < RECEIVE_BYTES - at ? length : RECEIVE_BYTES - at;
  memory.copy(block + <usize>at, source, <usize>first);
  if (first < length) memory.copy(block, source + <usize>first, <usize>(length - first));
}

/** Copies `length` bytes out of the receive ring at `offset` to `destination`. */
export function receiveGet(block: usize, offset: u32, destination: usize, length: u32): void {
  const at = offset & RECEIVE_MASK;
  const first = length < RECEIVE_BYTES - at ? length : RECEIVE_BYTES - at;
  memory.copy(destination, block + <usize>at, <usize>first);
  if (first < length) memory.copy(destination + <usize>first, block, <usize>(length - first));
}

/** The contiguous run of receive-ring bytes at `offset` (up to `length`): its address. */
export function receiveRun(block: usize, offset: u32): usize { return block + <usize>(offset & RECEIVE_MASK); }
export function receiveRunLength(offset: u32, length: u32): u32 {
  const room = RECEIVE_BYTES - (offset & RECEIVE_MASK);
  return length < room ? length : room;
}

export function sendPut(block: usize, offset: u32, source: usize, length: u32): void {
  const ring = sendRing(block);
  const at = offset & SEND_MASK;
  const first = length < SEND_BYTES - at ? length : SEND_BYTES - at;
  memory.copy(ring + <usize>at, source, <usize>first);
  if (first < length) memory.copy(ring, source + <usize>first, <usize>(length - first));
}

export function sendGet(block: usize, offset: u32, destination: usize, length: u32): void {
  const ring = sendRing(block);
  const at = offset & SEND_MASK;
  const first = length < SEND_BYTES - at ? length : SEND_BYTES - at;
  memory.copy(destination, ring + <usize>at, <usize>first);
  if (first < length) memory.copy(destination + <usize>first, ring, <usize>(length - first));
}

/** Where the next `length` bytes at send offset `offset` can be written in one
 *  run (for producers that fill the ring in place). */
export function sendRun(block: usize, offset: u32): usize { return sendRing(block) + <usize>(offset & SEND_MASK); }
export function sendRunLength(offset: u32, length: u32): u32 {
  const room = SEND_BYTES - (offset & SEND_MASK);
  return length < room ? length : room;
}
