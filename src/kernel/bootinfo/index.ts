// bootinfo — what the loader told us, normalised into one structure whichever
// protocol booted the image. parse() never fails hard: malformed input is logged
// and replaced by a safe default (a minimal 16 MiB memory map, an RSDP search).
import { Errno } from "../../abi";
import * as line from "../line";
import * as log from "../log";
import * as info from "./info";
import * as memorymap from "./memorymap";
import * as multiboot2 from "./multiboot2";
import * as pvh from "./pvh";
import * as rsdp from "./rsdp";

export { info, memorymap, rsdp };

/** The memory assumed when the loader gave none: 1 MiB to 16 MiB, the smallest AIOS needs. */
const DEFAULT_USABLE_BASE: u64 = 1 << 20;
const DEFAULT_USABLE_LENGTH: u64 = 15 << 20;

let loaderMagic: u32 = 0;
let loaderInformation: u64 = 0;

/** Parses whatever the loader passed; returns the parser's verdict (Ok when whole). */
export function parse(magic: u32, address: u64): Errno {
  info.reset();
  memorymap.reset();
  loaderMagic = magic;
  loaderInformation = address;
  let status: Errno;
  if (magic == pvh.START_MAGIC) {
    status = pvh.parse(address);
  } else if (magic == multiboot2.BOOT_MAGIC) {
    status = multiboot2.parse(address);
  } else {
    log.begin(log.Level.Error);
    line.text("boot: unknown loader magic ");
    line.hex(magic);
    line.text("; no boot information");
    log.end();
    status = Errno.NotSupported;
  }
  if (memorymap.rawRanges() == 0) {
    log.error("boot: no memory map from the loader; assuming 16 MiB");
    memorymap.add(DEFAULT_USABLE_BASE, DEFAULT_USABLE_LENGTH, memorymap.MemoryType.Usable);
  }
  memorymap.finish();
  if (info.rsdp() != 0 && !rsdp.valid(info.rsdp())) {
    log.warn("boot: the loader's ACPI RSDP is invalid; searching the BIOS area");
    info.setRsdp(0);
  }
  if (info.rsdp() == 0) info.setRsdp(rsdp.search());
  if (info.rsdp() == 0) log.warn("boot: no ACPI RSDP found");
  return status;
}

/** Logs the normalised boot information at debug level (info for the summary). */
export function report(): void {
  log.begin(log.Level.Debug);
  line.text("boot: loader magic ");
  line.hex(loaderMagic);
  line.text(", information at ");
  line.hex(loaderInformation);
  log.end();
  for (let i = 0; i < memorymap.count(); i++) {
    log.begin(log.Level.Debug);
    line.text("memory: ");
    line.hex(memorymap.base(i), 12);
    line.text("-");
    line.hex(memorymap.base(i) + memorymap.length(i) - 1, 12);
    line.text(" ");
    line.text(memorymap.typeName(memorymap.type(i)));
    log.end();
  }
  log.begin(log.Level.Info);
  line.text("boot: protocol=");
  line.text(info.protocolName());
  line.text(" usable_mib=");
  line.decimal(memorymap.usableBytes() >> 20);
  line.text(" ranges=");
  line.decimal(memorymap.count());
  line.text(" rsdp=");
  line.hex(info.rsdp());
  line.text(" modules=");
  line.decimal(info.modules());
  if (info.hasFramebuffer()) {
    line.text(" framebuffer=");
    line.decimal(info.framebufferWidthPixels());
    line.text("x");
    line.decimal(info.framebufferHeightPixels());
    line.text("x");
    line.decimal(info.framebufferBitsPerPixel());
  }
  log.end();
  log.begin(log.Level.Info);
  line.text("boot: cmdline \"");
  line.bytes(info.cmdlineData(), info.cmdlineSize());
  line.text("\"");
  log.end();
}
