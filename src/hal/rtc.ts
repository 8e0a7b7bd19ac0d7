// rtc.ts — the CMOS real-time clock (MC146818): the wall-clock date and time at
// boot. Reads are retried until two agree, so an update in the middle of reading
// cannot give a torn value.
import { inb, outb } from "./primitives";

const PORT_INDEX: u16 = 0x70;
const PORT_DATA: u16 = 0x71;
const NMI_DISABLE: u8 = 0x80;
const REG_SECONDS: u8 = 0x00;
const REG_MINUTES: u8 = 0x02;
const REG_HOURS: u8 = 0x04;
const REG_DAY: u8 = 0x07;
const REG_MONTH: u8 = 0x08;
const REG_YEAR: u8 = 0x09;
const REG_STATUS_A: u8 = 0x0a;
const REG_STATUS_B: u8 = 0x0b;
export const REG_CENTURY_DEFAULT: u8 = 0x32;
const STATUS_A_UPDATING: u8 = 0x80;
const STATUS_B_24_HOUR: u8 = 0x02;
const STATUS_B_BINARY: u8 = 0x04;
const HOURS_PM: u8 = 0x80;
const READ_ATTEMPTS: i32 = 10;

function register(index: u8): u8 {
  outb(PORT_INDEX, index | NMI_DISABLE);
  return inb(PORT_DATA);
}

function fromBcd(value: u8): u32 { return <u32>(value & 0x0f) + <u32>(value >> 4) * 10; }
function decode(value: u8, binary: bool): u32 { return binary ? <u32>value : fromBcd(value); }

function waitNotUpdating(): void {
  for (let i = 0; i < 100_000; i++) if ((register(REG_STATUS_A) & STATUS_A_UPDATING) == 0) return;
}

function snapshot(centuryRegister: u8): u64 {
  waitNotUpdating();
  // packs the raw registers: sec min hour day month year century
  return <u64>register(REG_SECONDS) | (<u64>register(REG_MINUTES) << 8) | (<u64>register(REG_HOURS) << 16)
    | (<u64>register(REG_DAY) << 24) | (<u64>register(REG_MONTH) << 32) | (<u64>register(REG_YEAR) << 40)
    | (<u64>(centuryRegister != 0 ? register(centuryRegister) : 0) << 48);
}

/** Days from 1970-01-01 to the given civil date (proleptic Gregorian). */
export function daysFromCivil(year: i64, month: u32, day: u32): i64 {
  const y = month <= 2 ? year - 1 : year;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yearOfEra = y - era * 400;
  const monthIndex = <i64>(month > 2 ? month - 3 : month + 9);
  const dayOfYear = (153 * monthIndex + 2) / 5 + <i64>day - 1;
  const dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Seconds since 1970 (UTC, as the RTC keeps it); `centuryRegister` from the FADT (0: assume 20xx). */
export function readUnixSeconds(centuryRegister: u8): i64 {
  let raw = snapshot(centuryRegister);
  for (let i = 0; i < READ_ATTEMPTS; i++) {
    const again = snapshot(centuryRegister);
    if (again == raw) break;
    raw = again;
  }
  const status = register(REG_STATUS_B);
  const binary = (status & STATUS_B_BINARY) != 0;
  const hoursRaw = <u8>(raw >> 16);
  let hours = decode(hoursRaw & ~HOURS_PM, binary);
  if ((status & STATUS_B_24_HOUR) == 0) {
    if (hours == 12) hours = 0;
    if ((hoursRaw & HOURS_PM) != 0) hours += 12;
  }
  const century = centuryRegister != 0 ? decode(<u8>(raw >> 48), binary) : 20;
  const year = <i64>(century * 100 + decode(<u8>(raw >> 40), binary));
  const days = daysFromCivil(year, decode(<u8>(raw >> 32), binary), decode(<u8>(raw >> 24), binary));
  return days * 86400 + <i64>hours * 3600 + <i64>decode(<u8>(raw >> 8), binary) * 60 + <i64>decode(<u8>raw, binary);
}
