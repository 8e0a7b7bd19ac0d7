// pagefault.ts — decodes the page-fault error code (Intel SDM vol. 3A §4.7).
import * as line from "../line";

export const PF_PRESENT: u64 = 1 << 0;          // 0: page not present, 1: protection violation
export const PF_WRITE: u64 = 1 << 1;
export const PF_USER: u64 = 1 << 2;
export const PF_RESERVED_BIT: u64 = 1 << 3;
export const PF_INSTRUCTION_FETCH: u64 = 1 << 4;
export const PF_PROTECTION_KEY: u64 = 1 << 5;
export const PF_SHADOW_STACK: u64 = 1 << 6;
export const PF_SGX: u64 = 1 << 15;

/** Appends e.g. "not-present write, supervisor" for an error code. */
export function describe(code: u64): void {
  line.text((code & PF_PRESENT) != 0 ? "protection-violation" : "not-present");
  if ((code & PF_INSTRUCTION_FETCH) != 0) line.text(" instruction-fetch");
  else line.text((code & PF_WRITE) != 0 ? " write" : " read");
  line.text((code & PF_USER) != 0 ? ", user" : ", supervisor");
  if ((code & PF_RESERVED_BIT) != 0) line.text(", reserved-bit");
  if ((code & PF_PROTECTION_KEY) != 0) line.text(", protection-key");
  if ((code & PF_SHADOW_STACK) != 0) line.text(", shadow-stack");
  if ((code & PF_SGX) != 0) line.text(", sgx");
}
