// counter — a small stateful agent for the lifecycle operations that move state:
// its whole state is one 64-bit count. State travels as bytes through a buffer in
// the module's own memory: stateSave writes it there, the kernel copies it to the
// other instance's buffer, stateLoad / merge read it.
//   state v1: u64 count

const STATE_BYTES: u32 = 8;
const buffer = memory.data(4096);
let count: u64 = 0;

export function add(n: u32): u32 { count += <u64>n; return <u32>count; }
export function value(): u32 { return <u32>count; }
export function stateBuffer(): u32 { return <u32>buffer; }

/** Writes the state at `offset`; its length. */
export function stateSave(offset: u32): u32 {
  store<u64>(<usize>offset, count);
  return STATE_BYTES;
}

/** Takes the state from `offset`; 0, or 1 when it is not a state this version reads. */
export function stateLoad(offset: u32, length: u32): u32 {
  if (length != STATE_BYTES) return 1;
  count = load<u64>(<usize>offset);
  return 0;
}

/** Absorbs another counter's state: the counts add up. */
export function merge(offset: u32, length: u32): u32 {
  if (length != STATE_BYTES) return 1;
  count += load<u64>(<usize>offset);
  return 0;
}

/** After a split both halves hold the state; each keeps its half (0: the larger). */
export function splitHalf(which: u32): u32 {
  count = which == 0 ? count - count / 2 : count / 2;
  return <u32>count;
}

export function version(): u32 { return 1; }
