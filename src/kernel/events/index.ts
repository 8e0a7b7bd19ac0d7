// events — the kernel's event bus.
import * as bus from "./bus";
export { bus };
