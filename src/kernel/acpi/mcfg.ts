// mcfg.ts — PCI Express memory-mapped configuration space, signature "MCFG"
// (PCI Firmware spec 3.2 §4.1.2): after the header, 8 reserved bytes, then
// 16-byte allocations, one per ECAM window:
//   0 base address u64 | 8 PCI segment group u16 | 10 start bus u8 | 11 end bus u8 | 12 reserved u32
// An allocation's base is where bus `start bus`, device 0, function 0 begins.
import { Errno } from "../../abi";
import * as line from "../line";
import * as log from "../log";
import * as physical from "../physical";
import * as tables from "./tables";

export const MAX_ALLOCATIONS: i32 = 16;

const ALLOCATIONS_START: u32 = 44;
const ALLOCATION_SIZE: u32 = 16;
const OFFSET_SEGMENT: u64 = 8;
const OFFSET_START_BUS: u64 = 10;
const OFFSET_END_BUS: u64 = 11;

const bases = memory.data(MAX_ALLOCATIONS * 8);
const segments = memory.data(MAX_ALLOCATIONS * 2);
const startBuses = memory.data(MAX_ALLOCATIONS);
const endBuses = memory.data(MAX_ALLOCATIONS);
let allocations: i32 = 0;
let tableAddress: u64 = 0;

function warnAllocation(text: string, index: u32): void {
  log.begin(log.Level.Warn);
  line.text("acpi: MCFG allocation ");
  line.decimal(index);
  line.text(" ");
  line.text(text);
  log.end();
}

export function reset(): void {
  allocations = 0;
  tableAddress = 0;
}

/** Reads the MCFG. Ok, NotFound, Malformed (a partial or bad allocation), ResourceExhausted. */
export function parse(): Errno {
  reset();
  const address = tables.find(tables.SIGNATURE_MCFG);
  if (address == 0) return Errno.NotFound;
  tableAddress = address;
  const length = tables.lengthOf(address);
  let status = Errno.Ok;
  if (length < ALLOCATIONS_START || (length - ALLOCATIONS_START) % ALLOCATION_SIZE != 0) {
    log.warn("acpi: MCFG length is not its header plus whole allocations; reading the whole ones");
    status = Errno.Malformed;
  }
  let index: u32 = 0;
  for (let at = ALLOCATIONS_START; at + ALLOCATION_SIZE <= length; at += ALLOCATION_SIZE) {
    const entry = address + <u64>at;
    const start = physical.read8(entry + OFFSET_START_BUS);
    const end = physical.read8(entry + OFFSET_END_BUS);
    if (end < start) {
      warnAllocation("ends before it starts; skipped", index);
      status = Errno.Malformed;
    } else if (allocations == MAX_ALLOCATIONS) {
      warnAllocation("is past the 16 kept; dropped", index);
      status = Errno.ResourceExhausted;
    } else {
      store<u64>(bases + <usize>allocations * 8, physical.read64(entry));
      store<u16>(segments + <usize>allocations * 2, physical.read16(entry + OFFSET_SEGMENT));
      store<u8>(startBuses + <usize>allocations, start);
      store<u8>(endBuses + <usize>allocations, end);
      allocations++;
    }
    index++;
  }
  return status;
}

export function present(): bool { return tableAddress != 0; }
export function count(): i32 { return allocations; }
export function base(i: i32): u64 { return i >= 0 && i < allocations ? load<u64>(bases + <usize>i * 8) : 0; }
export function segment(i: i32): u16 { return i >= 0 && i < allocations ? load<u16>(segments + <usize>i * 2) : 0; }
export function startBus(i: i32): u8 { return i >= 0 && i < allocations ? load<u8>(startBuses + <usize>i) : 0; }
export function endBus(i: i32): u8 { return i >= 0 && i < allocations ? load<u8>(endBuses + <usize>i) : 0; }
