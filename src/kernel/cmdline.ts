// cmdline.ts — kernel command-line options: space-separated key=value words.
//   aios.log=error|warn|info|debug   console log level (default info)
//   aios.test=<scenario>             run a guest test scenario, then exit QEMU
//   aios.smp.phantom=<apic id>       fault injection: also start a CPU that is not
//                                    there, to exercise the no-answer path
//   aios.ahci.ncq=on|off             AHCI drives use native command queuing where
//                                    HBA and drive offer it (default on); off uses
//                                    READ/WRITE DMA EXT, for drives with broken NCQ
//   aios.fault=<name>[,<name>…]      fault injection, for the tests of how drivers
//                                    refuse a device in a state they cannot use:
//                                    virtio-queue-size-0 (every virtio queue reads
//                                    as size 0), virtio-reset (a virtio device never
//                                    finishes its reset), nvme-fatal (the controller
//                                    reports CSTS.CFS when enabled)
//   aios.test.port=<n>               a host port a scenario connects to (through
//                                    QEMU's user networking, at 10.0.2.2)
//   aios.ip=<a.b.c.d>/<prefix>[,<gw>[,<dns>]]  a static IPv4 configuration instead of DHCP
//   aios.net=on|off                  the network thread and the kernel API on :9000
//                                    (default on; off when aios.test= runs a scenario,
//                                    which then owns the NIC unless this says on)
//   aios.dns=<a.b.c.d>[:<port>]      the DNS resolver asks this server (port 53 by
//                                    default) instead of the one DHCP gives
// Unknown words are kept in the log at debug level; bad values are warned about
// and the default stays.
import * as line from "./line";
import * as log from "./log";

const VALUE_CAPACITY: i32 = 64;
const testName = memory.data(VALUE_CAPACITY);
let testNameLength: i32 = 0;
let logLevel: i32 = -1;

const KEY_LOG = "aios.log=";
const KEY_TEST = "aios.test=";
const KEY_PHANTOM = "aios.smp.phantom=";
const KEY_AHCI_NCQ = "aios.ahci.ncq=";
const KEY_FAULT = "aios.fault=";
const KEY_NET = "aios.net=";
const KEY_TEST_PORT = "aios.test.port=";
const KEY_IP = "aios.ip=";
let staticAddress: u32 = 0;
let staticMask: u32 = 0;
let staticGateway: u32 = 0;
let staticDns: u32 = 0;
let testPortNumber: u32 = 0;
const enum Toggle { Default = 0, On = 1, Off = 2 }
let network: Toggle = Toggle.Default;
const KEY_DNS = "aios.dns=";
let dnsAddress: u32 = 0;
let dnsPortNumber: u16 = 53;

/** Faults aios.fault= can inject (bits). */
export const enum Fault { VirtioQueueSizeZero = 1, VirtioReset = 2, NvmeFatal = 4 }
let faults: u32 = 0;
const NO_PHANTOM: i32 = -1;
let ahciNcq = true;
let phantomApicId: i32 = NO_PHANTOM;
const CHAR_SPACE: u8 = 0x20;

function startsWith(source: usize, length: i32, key: string): bool {
  if (length < key.length) return false;
  for (let i = 0; i < key.length; i++) {
    if (<i32>load<u8>(source + <usize>i) != key.charCodeAt(i)) return false;
  }
  return true;
}

function isSpace(c: u8): bool { return c == CHAR_SPACE || c == 0x09 || c == 0x0a || c == 0x0d; }

/** Parses `a.b.c.d` with an optional `:port` into dnsAddress and dnsPortNumber:
 *  false (and nothing set) when it is not that. */
const NO_ADDRESS: u64 = 0xffff_ffff_ffff_ffff;

/** The dotted IPv4 address at value[at]: the bytes read in the high half, the
 *  address in the low half; NO_ADDRESS when there is none. */
function addressAt(value: usize, length: i32, at: i32): u64 {
  let i = at;
  let address: u32 = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) { if (i >= length || load<u8>(value + <usize>i) != 0x2e) return NO_ADDRESS; i++; }
    const start = i;
    const n = decimalAt(value, length, i, 3);
    i += <i32>(n >>> 32);
    if (i == start || <u32>n > 255) return NO_ADDRESS;
    address = (address << 8) | <u32>n;
  }
  return (<u64>(i - at) << 32) | <u64>address;
}

function parseServer(value: usize, length: i32): bool {
  const parsed = addressAt(value, length, 0);
  if (parsed == NO_ADDRESS) return false;
  let i = <i32>(parsed >>> 32);
  const address = <u32>parsed;
  let port: u32 = 53;
  if (i < length) {
    if (load<u8>(value + <usize>i) != 0x3a) return false;       // ':'
    i++;
    const start = i;
    const n = decimalAt(value, length, i, 5);
    i += <i32>(n >>> 32);
    port = <u32>n;
    if (i == start || port == 0 || port > 65535) return false;
  }
  if (i != length || address == 0) return false;
  dnsAddress = address;
  dnsPortNumber = <u16>port;
  return true;
}

/** aios.ip=a.b.c.d/prefix[,gateway[,dns]]: a static configuration, for machines
 *  without DHCP (Firecracker's TAP devices). */
function parseStatic(value: usize, length: i32): bool {
  const parsed = addressAt(value, length, 0);
  if (parsed == NO_ADDRESS || <u32>parsed == 0) return false;
  let i = <i32>(parsed >>> 32);
  if (i >= length || load<u8>(value + <usize>i) != 0x2f) return false;   // '/'
  i++;
  const start = i;
  const prefix = decimalAt(value, length, i, 2);
  i += <i32>(prefix >>> 32);
  if (i == start || <u32>prefix == 0 || <u32>prefix > 32) return false;
  let gateway: u32 = 0;
  let dns: u32 = 0;
  for (let field = 0; field < 2 && i < length; field++) {
    if (load<u8>(value + <usize>i) != 0x2c) return false;       // ','
    i++;
    const next = addressAt(value, length, i);
    if (next == NO_ADDRESS) return false;
    i += <i32>(next >>> 32);
    if (field == 0) gateway = <u32>next; else dns = <u32>next;
  }
  if (i != length) return false;
  staticAddress = <u32>parsed;
  staticMask = <u32>(0xffff_ffff_0000_0000 >> <u64>(<u32>prefix));
  staticGateway = gateway;
  staticDns = dns;
  return true;
}

/** The decimal of at most `most` digits at value[at]: the digits read in the
 *  high half, the number in the low half. */
function decimalAt(value: usize, length: i32, at: i32, most: i32): u64 {
  let n: u32 = 0;
  let digits = 0;
  while (at + digits < length && digits < most) {
    const c = load<u8>(value + <usize>(at + digits));
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + <u32>(c - 0x30);
    digits++;
  }
  return (<u64>digits << 32) | <u64>n;
}

function option(word: usize, length: i32): void {
  if (startsWith(word, length, KEY_LOG)) {
    const value = word + <usize>KEY_LOG.length;
    const level = log.parseLevel(value, length - KEY_LOG.length);
    if (level < 0) {
      log.begin(log.Level.Warn);
      line.text("cmdline: unknown log level '");
      line.bytes(value, length - KEY_LOG.length);
      line.text("', keeping info");
      log.end();
    } else {
      logLevel = level;
    }
  } else if (startsWith(word, length, KEY_PHANTOM)) {
    let value: i32 = 0;
    let digits = 0;
    for (let i = KEY_PHANTOM.length; i < length; i++) {
      const c = <i32>load<u8>(word + <usize>i) - 0x30;
      if (c < 0 || c > 9 || value > 100_000) { digits = 0; break; }
      value = value * 10 + c;
      digits++;
    }
    if (digits == 0) log.warn("cmdline: aios.smp.phantom= needs a decimal APIC id");
    else phantomApicId = value;
  } else if (startsWith(word, length, KEY_AHCI_NCQ)) {
    const value = word + <usize>KEY_AHCI_NCQ.length;
    const valueLength = length - KEY_AHCI_NCQ.length;
    if (valueLength == 2 && startsWith(value, valueLength, "on")) ahciNcq = true;
    else if (valueLength == 3 && startsWith(value, valueLength, "off")) ahciNcq = false;
    else log.warn("cmdline: aios.ahci.ncq= takes on or off; keeping on");
  } else if (startsWith(word, length, KEY_IP)) {
    if (!parseStatic(word + <usize>KEY_IP.length, length - KEY_IP.length)) {
      log.warn("cmdline: aios.ip= takes a.b.c.d/prefix[,gateway[,dns]]; using DHCP");
    }
  } else if (startsWith(word, length, KEY_TEST_PORT)) {
    let value: u32 = 0;
    let digits = 0;
    for (let i = KEY_TEST_PORT.length; i < length; i++) {
      const c = <i32>load<u8>(word + <usize>i) - 0x30;
      if (c < 0 || c > 9 || value > 65535) { digits = 0; break; }
      value = value * 10 + <u32>c;
      digits++;
    }
    if (digits == 0 || value == 0 || value > 65535) log.warn("cmdline: aios.test.port= needs a port number");
    else testPortNumber = value;
  } else if (startsWith(word, length, KEY_NET)) {
    const value = word + <usize>KEY_NET.length;
    const valueLength = length - KEY_NET.length;
    if (valueLength == 2 && startsWith(value, valueLength, "on")) network = Toggle.On;
    else if (valueLength == 3 && startsWith(value, valueLength, "off")) network = Toggle.Off;
    else log.warn("cmdline: aios.net= takes on or off; keeping the default");
  } else if (startsWith(word, length, KEY_FAULT)) {
    let at = KEY_FAULT.length;
    while (at < length) {
      let end = at;
      while (end < length && load<u8>(word + <usize>end) != 0x2c) end++;     // ','
      const name = word + <usize>at;
      const n = end - at;
      if (n == 19 && startsWith(name, n, "virtio-queue-size-0")) faults |= Fault.VirtioQueueSizeZero;
      else if (n == 12 && startsWith(name, n, "virtio-reset")) faults |= Fault.VirtioReset;
      else if (n == 10 && startsWith(name, n, "nvme-fatal")) faults |= Fault.NvmeFatal;
      else {
        log.begin(log.Level.Warn);
        line.text("cmdline: unknown fault '");
        line.bytes(name, n);
        line.text("' ignored");
        log.end();
      }
      at = end + 1;
    }
  } else if (startsWith(word, length, KEY_DNS)) {
    if (!parseServer(word + <usize>KEY_DNS.length, length - KEY_DNS.length)) {
      log.warn("cmdline: aios.dns= needs an IPv4 address, optionally with :port; using DHCP's server");
    }
  } else if (startsWith(word, length, KEY_TEST)) {
    const valueLength = length - KEY_TEST.length;
    if (valueLength <= 0 || valueLength > VALUE_CAPACITY) {
      log.warn("cmdline: aios.test= needs a scenario name of 1 to 64 characters");
      return;
    }
    memory.copy(testName, word + <usize>KEY_TEST.length, <usize>valueLength);
    testNameLength = valueLength;
  } else {
    log.begin(log.Level.Debug);
    line.text("cmdline: ignoring '");
    line.bytes(word, length);
    line.text("'");
    log.end();
  }
}

/** Parses a command line held in linear memory. */
export function parse(source: usize, length: i32): void {
  testNameLength = 0;
  logLevel = -1;
  phantomApicId = NO_PHANTOM;
  ahciNcq = true;
  faults = 0;
  network = Toggle.Default;
  testPortNumber = 0;
  staticAddress = 0;
  staticMask = 0;
  staticGateway = 0;
  staticDns = 0;
  dnsAddress = 0;
  dnsPortNumber = 53;
  let i = 0;
  while (i < length) {
    while (i < length && isSpace(load<u8>(source + <usize>i))) i++;
    const start = i;
    while (i < length && !isSpace(load<u8>(source + <usize>i))) i++;
    if (i > start) option(source + <usize>start, i - start);
  }
}

/** The requested log level, or -1 when none was given. */
export function requestedLogLevel(): i32 { return logLevel; }
export function testScenario(): usize { return testName; }
export function testScenarioLength(): i32 { return testNameLength; }

/** The APIC id of a CPU to pretend the MADT lists (fault injection), or -1. */
export function phantomCpu(): i32 { return phantomApicId; }

/** True when aios.fault= asked for `fault`. */
export function faultInjected(fault: Fault): bool { return (faults & <u32>fault) != 0; }

/** False when aios.ahci.ncq=off asked AHCI drives not to use NCQ. */
export function ahciNcqAllowed(): bool { return ahciNcq; }
/** aios.ip=: the static address (0: none, use DHCP), its mask, gateway and DNS server. */
export function staticIp(): u32 { return staticAddress; }
export function staticNetmask(): u32 { return staticMask; }
export function staticRouter(): u32 { return staticGateway; }
export function staticNameServer(): u32 { return staticDns; }

/** The host port aios.test.port= names, 0 without one. */
export function testPort(): u32 { return testPortNumber; }
/** Whether the network thread and the kernel API start at boot. */
export function networkEnabled(): bool { return network == Toggle.On || (network == Toggle.Default && testNameLength == 0); }

/** The DNS server aios.dns= names (0: none, use DHCP's) and its port. */
export function dnsServer(): u32 { return dnsAddress; }
export function dnsPort(): u16 { return dnsPortNumber; }
