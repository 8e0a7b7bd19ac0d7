// probe.ts — the exports of src/services/probe, numbered as linker/modules.c
// dispatches them.
export const enum ProbeFunction {
  Read = 0,      // (offset) -> u32 at offset
  Write = 1,     // (offset, value) -> value
  Grow = 2,      // (pages) -> old size in pages, or -1
  Size = 3,      // () -> size in pages
  Fill = 4,      // (pages, seed) -> checksum of a pattern written over `pages` wasm pages
  Matrix = 5,    // (n, rounds) -> checksum of rounds × an n×n i32 matrix product
}
