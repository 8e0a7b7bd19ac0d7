// version.ts — the release this kernel reports (kept equal to package.json's
// version by a host test).
export const VERSION = "0.1.0";
