// share.ts — the share map: one byte per block, how many owners it has beyond the
// first (0 for nearly every block). Snapshots share a file's blocks instead of
// copying them; a block is freed only when its last owner lets go, and a file
// whose blocks may be shared (inode flag SHARED) is copied to blocks of its own
// before it is written in place (files.ts). Each map block ends in a CRC-32C,
// sealed by the journal at commit like the bitmap.
import { Errno } from "../../abi";
import * as cache from "./cache";
import { SHARES_PER_BLOCK } from "./superblock";
import * as volume from "./volume";

const MAX_EXTRA: u8 = 254;

function at(block: u32): usize {
  const b = cache.get(volume.shareStart() + block / SHARES_PER_BLOCK, cache.Kind.Sealed);
  return b == 0 ? 0 : b + <usize>(block % SHARES_PER_BLOCK);
}

/** Owners of `block` beyond the first, or -1 when the map cannot be read. */
export function extra(block: u32): i32 {
  if (block >= volume.blocks()) return 0;
  const a = at(block);
  return a == 0 ? -1 : <i32>load<u8>(a);
}

/** One more owner for `block`. */
export function add(block: u32): Errno {
  const a = at(block);
  if (a == 0) return cache.error();
  const n = load<u8>(a);
  if (n >= MAX_EXTRA) return Errno.ResourceExhausted;
  store<u8>(a, n + 1);
  cache.dirty(a & ~(<usize>4095));
  return Errno.Ok;
}

/** One owner fewer for a shared `block` (its extra count was above 0). */
export function drop(block: u32): Errno {
  const a = at(block);
  if (a == 0) return cache.error();
  const n = load<u8>(a);
  if (n > 0) { store<u8>(a, n - 1); cache.dirty(a & ~(<usize>4095)); }
  return Errno.Ok;
}
