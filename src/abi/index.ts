// abi — definitions every layer shares (hal, kernel and, later, services).
export { Errno } from "./errno";
