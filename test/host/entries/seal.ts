// Test exports for the sealing commands' marshalling and parsing
// (src/kernel/devices/tpm/commands.ts) and the PolicyPCR digest.
import * as commands from "../../../src/kernel/devices/tpm/commands";

export function tpmCreateStoragePrimary(buffer: usize): u32 { return commands.createStoragePrimary(buffer); }
export function tpmCreateSealed(buffer: usize, parent: u32, data: usize, length: u32, policy: usize): u32 {
  return commands.createSealed(buffer, parent, data, length, policy);
}
export function tpmLoadObject(buffer: usize, parent: u32, privateArea: usize, publicArea: usize): u32 {
  return commands.loadObject(buffer, parent, privateArea, publicArea);
}
export function tpmStartPolicySession(buffer: usize, nonce: usize): u32 { return commands.startPolicySession(buffer, nonce); }
export function tpmPolicyPcr(buffer: usize, session: u32, mask: u32): u32 { return commands.policyPcr(buffer, session, mask); }
export function tpmUnseal(buffer: usize, item: u32, session: u32): u32 { return commands.unseal(buffer, item, session); }
export function tpmPcrReset(buffer: usize, pcr: u32): u32 { return commands.pcrReset(buffer, pcr); }
export function tpmPolicyPcrDigest(mask: u32, pcrDigest: usize, scratch: usize, out: usize): void {
  commands.policyPcrDigest(mask, pcrDigest, scratch, out);
}
export function tpmParseCreate(response: usize, length: u32, out: usize, capacity: u32): i32 { return commands.parseCreate(response, length, out, capacity); }
export function tpmParseHandle(response: usize, length: u32): u32 { return commands.parseHandle(response, length); }
export function tpmParseUnseal(response: usize, length: u32, out: usize, capacity: u32): i32 { return commands.parseUnseal(response, length, out, capacity); }
