// result.ts — a call that gives a value or an error returns an i32: the value (a
// handle, a table index, a count, a group id: never negative) or -Errno. Handles
// keep bit 31 clear (handles.ts) so they fit.
import { Errno } from "../../abi";

@inline export function failure(error: Errno): i32 { return -<i32>error; }
export function failed(result: i32): bool { return result < 0; }
/** The error in `result`, or Ok when it carries a value. */
export function errorOf(result: i32): Errno { return result < 0 ? <Errno>(-result) : Errno.Ok; }
