// hal — the platform below the kernel: the hardware gate (primitives), the serial
// console, the PIT and TSC, QEMU's debug-exit device, the x86 descriptor tables,
// the 8259 PICs, local and I/O APICs, the HPET and the CMOS clock.
import * as cpu from "./primitives";
import * as uart from "./uart16550";
import * as debugExit from "./debugexit";
import * as tsc from "./tsc";
import * as x86 from "./x86";
import * as pic from "./pic";
import * as lapic from "./lapic";
import * as ioapic from "./ioapic";
import * as hpet from "./hpet";
import * as rtc from "./rtc";
import * as pit from "./pit";
import * as pci from "./pci";

export { cpu, uart, debugExit, tsc, x86, pic, lapic, ioapic, hpet, rtc, pit, pci };
