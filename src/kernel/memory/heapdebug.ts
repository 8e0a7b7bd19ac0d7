// heapdebug.ts — the kernel heap's debug build: poison in free objects, and the
// log lines that report misuse. DEBUG is decided at compile time: asc's
// `--use HEAP_DEBUG=1` turns it on, and so does a `@global const HEAP_DEBUG = 1`
// in the entry file (the host tests do that: tools/asc.ts gives both builds the
// same flags). Without either, the poison code is compiled out.
import * as line from "../line";
import * as log from "../log";

export const DEBUG: bool = isDefined(HEAP_DEBUG) ? HEAP_DEBUG != 0 : false;

// Every free object is filled with this; Linux's POISON_FREE, easy to spot in a dump.
const POISON_BYTE: u8 = 0x6b;
const POISON_WORD: u64 = 0x6b6b_6b6b_6b6b_6b6b;
const WORD_BYTES: usize = 8;
const BITS_PER_BYTE: usize = 8;
export const INTACT: isize = -1;

export function poison(object: usize, size: usize): void {
  memory.fill(object, POISON_BYTE, size);
}

/** Offset of the first byte of the object that is not poison, or INTACT. Objects
 *  are multiples of 16 bytes, so whole words are compared. */
export function firstChanged(object: usize, size: usize): isize {
  for (let offset: usize = 0; offset < size; offset += WORD_BYTES) {
    const difference = load<u64>(object + offset) ^ POISON_WORD;
    if (difference != 0) return <isize>(offset + <usize>ctz(difference) / BITS_PER_BYTE);   // little endian
  }
  return INTACT;
}

/** A free object was written: someone kept a pointer past free(). */
export function reportWriteAfterFree(object: usize, size: usize, offset: isize): void {
  log.begin(log.Level.Error);
  line.text("heap: use after free: object ");
  line.hex(<u64>object);
  line.text(" (");
  line.decimal(<u64>size);
  line.text(" bytes) changed at byte ");
  line.decimal(<u64>offset);
  line.text("; withheld for good");
  log.end();
}

/** free() refused a pointer; `why` is a literal naming the reason. */
export function reportInvalidFree(pointer: usize, why: string): void {
  log.begin(log.Level.Error);
  line.text("heap: free of ");
  line.hex(<u64>pointer);
  line.text(" refused: ");
  line.text(why);
  log.end();
}

/** check() found the heap's structures broken; `where` is a slab or list head. */
export function reportDamage(why: string, where: usize): void {
  log.begin(log.Level.Error);
  line.text("heap: check failed: ");
  line.text(why);
  line.text(" at ");
  line.hex(<u64>where);
  log.end();
}
