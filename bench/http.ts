// http.ts — the HTTP benchmark's AIOS side, measured exactly as bench/linux-http.ts
// measures the nginx guest (same QEMU flags, same wrk command, same 10 MiB
// transfers): AIOS boots with no scenario, so the network thread serves the
// kernel API on :9000 forwarded to a host port; wrk asks /health (a small JSON
// answer) over kept-alive connections; 10 MiB go up to the sink (counted, not
// hashed: nginx only stores its upload) and come down from the pattern source,
// each the median of three.
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { qemuArgs } from "../tools/qemu.ts";
import { BULK_BYTES, httpRequest, measureHttp, type HttpBaseline, type HttpOptions } from "./linux-http.ts";

const READY = /api: serving http:\/\/\S+:9000/;
const BOOT_TIMEOUT_MS = 60_000;

export async function aiosHttp(options: HttpOptions = {}): Promise<HttpBaseline> {
  const port = options.port ?? 31000 + (process.pid % 20000);
  const nic = ["-nic", "none", "-netdev", `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:9000`, "-device", "virtio-net-pci,netdev=n0"];
  const args = [...qemuArgs({ kernel: "build/aios.elf", append: "aios.net=on", extra: nic }), "-serial", "stdio", "-monitor", "none"];
  const child = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let exited = false;
  child.stdout.on("data", (d: Buffer) => { output += d.toString("latin1"); });
  child.stderr.on("data", (d: Buffer) => { output += d.toString("latin1"); });
  child.on("close", () => { exited = true; });
  try {
    const deadline = performance.now() + BOOT_TIMEOUT_MS;
    while (!READY.test(output)) {
      if (exited || performance.now() > deadline) return { skipped: `AIOS did not serve: ${output.trim().split("\n").pop()}` };
      await sleep(100);
    }
    const figures = await measureHttp(port, options, {
      upload: async (payload) => {
        const sink = await httpRequest(port, "POST", "/api/diag/sink?digest=0", payload);
        if (sink.status !== 200) throw new Error(`POST /api/diag/sink answered ${sink.status}`);
        return sink.ms;
      },
      downloadPath: `/api/diag/source?bytes=${BULK_BYTES}`,
    });
    return "skipped" in figures ? figures : { ...figures, kernel: "aios", nginx: "-" };
  } finally {
    if (!exited) child.kill("SIGKILL");
  }
}

if (process.argv[1]?.endsWith("http.ts")) {
  console.log(JSON.stringify(await aiosHttp(), null, 2));
}
