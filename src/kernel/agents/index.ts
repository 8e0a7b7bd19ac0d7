// agents — the OS's native processes: module instances on threads of their own,
// with quotas, capabilities, hooks, supervision and an audited lifecycle.
import * as hooks from "./hooks";
import * as lifecycle from "./lifecycle";
import * as registry from "./registry";
export { hooks, lifecycle, registry };
