// events — the kernel's event bus (bus.ts), what each topic's kinds mean
// (kinds.ts), and the thread that publishes interrupt and performance events
// from counters (monitor.ts).
import * as bus from "./bus";
import * as kinds from "./kinds";
import * as monitor from "./monitor";
export { bus, kinds, monitor };
