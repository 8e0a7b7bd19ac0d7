// vectors.ts — who owns which interrupt vector, and the handlers behind each.
//   0x00-0x1f  CPU exceptions            0x20-0x2f  the masked PICs (spurious only)
//   0x30-0xdf  allocated to devices      0xe0-0xef  timers, the reschedule IPI
//   0xf0-0xfd  IPIs that answer a CPU    0xfe  APIC error     0xff  APIC spurious
// Up to HANDLERS_PER_VECTOR handlers share a vector (a shared level-triggered line
// calls them all). Handlers run with interrupts off and must not allocate.
// Vectors from LOCK_FREE_FIRST up (priority class 15) run without the kernel lock
// (sync/kernellock.ts): a CPU waiting for the lock still takes them, so they must
// touch only what their sender gave them. Everything below runs under the lock.
import { Errno } from "../../abi";

export const PIC_BASE: u8 = 0x20;
export const DEVICE_FIRST: u32 = 0x30;
export const DEVICE_LAST: u32 = 0xdf;
export const TIMER_VECTOR: u8 = 0xe0;
/** A wake-up for another CPU's scheduler: it needs the lock, so it is not class 15. */
export const IPI_RESCHEDULE: u8 = 0xe1;
export const LOCK_FREE_FIRST: u32 = 0xf0;
export const IPI_CALL_FUNCTION: u8 = 0xf0;
export const IPI_TLB_SHOOTDOWN: u8 = 0xf2;
export const IPI_HALT: u8 = 0xf3;
export const ERROR_VECTOR: u8 = 0xfe;
export const SPURIOUS_VECTOR: u8 = 0xff;

export type Handler = (vector: u32, context: u32) => void;

const VECTORS = 256;
const HANDLERS_PER_VECTOR = 4;
// a handler slot: the function reference (0 = empty) and its context word
const handlerFunction = memory.data(VECTORS * HANDLERS_PER_VECTOR * 4);
const handlerContext = memory.data(VECTORS * HANDLERS_PER_VECTOR * 4);
const allocated = memory.data(VECTORS);

function slot(vector: u32, index: i32): usize { return (<usize>vector * HANDLERS_PER_VECTOR + <usize>index) * 4; }

/** A free device vector, or 0 when all are taken. */
export function allocate(): u32 {
  for (let vector = DEVICE_FIRST; vector <= DEVICE_LAST; vector++) {
    if (load<u8>(allocated + <usize>vector) == 0) {
      store<u8>(allocated + <usize>vector, 1);
      return vector;
    }
  }
  return 0;
}

export function release(vector: u32): void {
  if (vector >= DEVICE_FIRST && vector <= DEVICE_LAST) store<u8>(allocated + <usize>vector, 0);
}

/** Adds a handler to a vector; ResourceExhausted when it already has the maximum. */
export function register(vector: u32, handler: Handler, context: u32): Errno {
  if (vector < 32 || vector > 255) return Errno.InvalidArgument;
  for (let i = 0; i < HANDLERS_PER_VECTOR; i++) {
    if (load<u32>(handlerFunction + slot(vector, i)) == 0) {
      store<u32>(handlerContext + slot(vector, i), context);
      store<u32>(handlerFunction + slot(vector, i), <u32>changetype<usize>(handler));
      return Errno.Ok;
    }
  }
  return Errno.ResourceExhausted;
}

/** Removes a handler (matched by function and context). */
export function unregister(vector: u32, handler: Handler, context: u32): Errno {
  if (vector < 32 || vector > 255) return Errno.InvalidArgument;
  for (let i = 0; i < HANDLERS_PER_VECTOR; i++) {
    if (load<u32>(handlerFunction + slot(vector, i)) == <u32>changetype<usize>(handler) && load<u32>(handlerContext + slot(vector, i)) == context) {
      store<u32>(handlerFunction + slot(vector, i), 0);
      return Errno.Ok;
    }
  }
  return Errno.NotFound;
}

/** Runs every handler of `vector`; false when it has none. */
export function run(vector: u32): bool {
  let ran = false;
  for (let i = 0; i < HANDLERS_PER_VECTOR; i++) {
    const index = load<u32>(handlerFunction + slot(vector, i));
    if (index == 0) continue;
    const handler = changetype<Handler>(<usize>index);
    handler(vector, load<u32>(handlerContext + slot(vector, i)));
    ran = true;
  }
  return ran;
}
