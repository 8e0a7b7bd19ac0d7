// ipc — message passing between agents and the kernel: endpoints (endpoints.ts).
import * as endpoints from "./endpoints";
export { endpoints };
