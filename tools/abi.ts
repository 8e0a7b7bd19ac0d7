// abi.ts — the kernel ABI a service module may import (wasm import module "aios").
// Each entry: the wasm signature (every value i32 unless named) and the kernel
// module export that serves it. A module's manifest names the subset it may use;
// tools/modulegen.ts binds exactly those and build.ts refuses anything else.
export interface AbiFunction {
  params: ("i32" | "i64")[];
  result: "i32" | "i64" | null;
  kernelExport: string;     // called as kernelExport(callerSlot, ...params)
  summary: string;
}

export const ABI_MODULE = "aios";

export const ABI: Record<string, AbiFunction> = {
  log: { params: ["i32", "i32"], result: null, kernelExport: "abiLog", summary: "log(bytes pointer, length): a line in the kernel log, tagged with the caller" },
  clock_ns: { params: [], result: "i64", kernelExport: "abiClockNs", summary: "clock_ns(): the monotonic clock in nanoseconds" },
};
