// counter_v2 — the counter's second version, to upgrade to: its state adds a
// generation (v2: u64 count, u32 generation), it reads v1 state by converting it,
// and it refuses a count of 13 so the kernel's rollback can be tested.
//   state v1: u64 count        state v2: u64 count | u32 generation

const V1_BYTES: u32 = 8;
const V2_BYTES: u32 = 12;
const UNLUCKY: u64 = 13;
const buffer = memory.data(4096);
let count: u64 = 0;
let generation: u32 = 0;

export function add(n: u32): u32 { count += <u64>n; return <u32>count; }
export function value(): u32 { return <u32>count; }
export function stateBuffer(): u32 { return <u32>buffer; }

export function stateSave(offset: u32): u32 {
  store<u64>(<usize>offset, count);
  store<u32>(<usize>offset + 8, generation);
  return V2_BYTES;
}

export function stateLoad(offset: u32, length: u32): u32 {
  if (length != V1_BYTES && length != V2_BYTES) return 1;
  const incoming = load<u64>(<usize>offset);
  if (incoming == UNLUCKY) return 1;
  count = incoming;
  generation = length == V2_BYTES ? load<u32>(<usize>offset + 8) + 1 : 1;
  return 0;
}

export function merge(offset: u32, length: u32): u32 {
  if (length != V1_BYTES && length != V2_BYTES) return 1;
  count += load<u64>(<usize>offset);
  return 0;
}

export function splitHalf(which: u32): u32 {
  count = which == 0 ? count - count / 2 : count / 2;
  return <u32>count;
}

export function version(): u32 { return 2; }
