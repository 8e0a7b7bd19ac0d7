// Test exports for interrupt vectors and handlers (src/kernel/interrupts/vectors.ts).
import * as vectors from "../../../src/kernel/interrupts/vectors";

let calls: u32 = 0;
let lastContext: u32 = 0;
function first(vector: u32, context: u32): void { calls += 1; lastContext = context; }
function second(vector: u32, context: u32): void { calls += 100; lastContext = context; }

export function vectorsAllocate(): u32 { return vectors.allocate(); }
export function vectorsRelease(vector: u32): void { vectors.release(vector); }
export function vectorsRegisterFirst(vector: u32, context: u32): i32 { return vectors.register(vector, first, context); }
export function vectorsRegisterSecond(vector: u32, context: u32): i32 { return vectors.register(vector, second, context); }
export function vectorsUnregisterFirst(vector: u32, context: u32): i32 { return vectors.unregister(vector, first, context); }
export function vectorsRun(vector: u32): bool { return vectors.run(vector); }
export function vectorsCalls(): u32 { return calls; }
export function vectorsLastContext(): u32 { return lastContext; }
