// hooks.ts — lifecycle hooks: functions the kernel runs, in priority order
// (lowest first), before every lifecycle operation; the first that returns an
// error aborts the operation with that error, before anything has changed.
import { Errno } from "../../abi";

export const enum Operation { Spawn = 0, Clone = 1, Merge = 2, Split = 3, Upgrade = 4, Specialize = 5, Kill = 6 }
export type Hook = (operation: Operation, agent: i32, other: i32) => Errno;

const CAPACITY = 16;
const functions = memory.data(CAPACITY * 4);
const priorities = memory.data(CAPACITY * 4);
let count = 0;

/** Adds a hook; ResourceExhausted when CAPACITY are registered. */
export function register(hook: Hook, priority: i32): Errno {
  if (count == CAPACITY) return Errno.ResourceExhausted;
  let at = count;                                 // insertion keeps priority order
  while (at > 0 && load<i32>(priorities + <usize>(at - 1) * 4) > priority) {
    store<u32>(functions + <usize>at * 4, load<u32>(functions + <usize>(at - 1) * 4));
    store<i32>(priorities + <usize>at * 4, load<i32>(priorities + <usize>(at - 1) * 4));
    at--;
  }
  store<u32>(functions + <usize>at * 4, <u32>changetype<usize>(hook));
  store<i32>(priorities + <usize>at * 4, priority);
  count++;
  return Errno.Ok;
}

export function unregister(hook: Hook): Errno {
  for (let i = 0; i < count; i++) {
    if (load<u32>(functions + <usize>i * 4) != <u32>changetype<usize>(hook)) continue;
    for (let j = i; j + 1 < count; j++) {
      store<u32>(functions + <usize>j * 4, load<u32>(functions + <usize>(j + 1) * 4));
      store<i32>(priorities + <usize>j * 4, load<i32>(priorities + <usize>(j + 1) * 4));
    }
    count--;
    return Errno.Ok;
  }
  return Errno.NotFound;
}

/** Runs every hook; Ok, or the first error. */
export function run(operation: Operation, agent: i32, other: i32): Errno {
  for (let i = 0; i < count; i++) {
    const hook = changetype<Hook>(<usize>load<u32>(functions + <usize>i * 4));
    const result = hook(operation, agent, other);
    if (result != Errno.Ok) return result;
  }
  return Errno.Ok;
}
