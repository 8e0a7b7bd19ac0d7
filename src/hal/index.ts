// hal — the platform below the kernel: the hardware gate (primitives), the serial
// console, the PIT and TSC, QEMU's debug-exit device and the x86 descriptor tables.
import * as cpu from "./primitives";
import * as uart from "./uart16550";
import * as debugExit from "./debugexit";
import * as tsc from "./tsc";
import * as x86 from "./x86";

export { cpu, uart, debugExit, tsc, x86 };
