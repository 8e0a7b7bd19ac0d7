// Test exports for the TPM 2.0 command marshalling and response parsing
// (src/kernel/devices/tpm/commands.ts) and the TIS register decoding (tis.ts).
import * as commands from "../../../src/kernel/devices/tpm/commands";
import * as tis from "../../../src/kernel/devices/tpm/tis";

const scratch = memory.data(8192);
/** 8 KiB the test writes inputs into and reads outputs from. */
export function tpmScratch(): usize { return scratch; }

export function tpmStartup(buffer: usize, type: u16): u32 { return commands.startup(buffer, type); }
export function tpmGetRandom(buffer: usize, count: u16): u32 { return commands.getRandom(buffer, count); }
export function tpmPcrExtend(buffer: usize, pcr: u32, digest: usize): u32 { return commands.pcrExtend(buffer, pcr, digest); }
export function tpmPcrRead(buffer: usize, pcr: u32): u32 { return commands.pcrRead(buffer, pcr); }
export function tpmCreatePrimary(buffer: usize): u32 { return commands.createPrimary(buffer); }
export function tpmQuote(buffer: usize, handle: u32, nonce: usize, nonceLength: u32, mask: u32): u32 { return commands.quote(buffer, handle, nonce, nonceLength, mask); }
export function tpmFlushContext(buffer: usize, handle: u32): u32 { return commands.flushContext(buffer, handle); }
export function tpmResponseCode(response: usize, length: u32): u32 { return commands.responseCode(response, length); }
export function tpmParsePcrRead(response: usize, length: u32, pcr: u32, out: usize): i32 { return <i32>commands.parsePcrRead(response, length, pcr, out); }
export function tpmParsePcrExtend(response: usize, length: u32): i32 { return <i32>commands.parsePcrExtend(response, length); }
export function tpmParseGetRandom(response: usize, length: u32, out: usize, capacity: u32): i32 { return commands.parseGetRandom(response, length, out, capacity); }
export function tpmParseCreatePrimary(response: usize, length: u32, handleOut: usize, publicOut: usize, capacity: u32): i32 {
  return commands.parseCreatePrimary(response, length, handleOut, publicOut, capacity);
}
export function tpmParseQuote(response: usize, length: u32, out: usize, capacity: u32): i32 { return commands.parseQuote(response, length, out, capacity); }
export function tisFamily(status: u32): u32 { return tis.family(status); }
export function tisBurstCount(status: u32): u32 { return tis.burstCount(status); }
export function tisDidVidPresent(didVid: u32): bool { return tis.didVidPresent(didVid); }
