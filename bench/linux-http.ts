// linux-http.ts — the Linux baseline for the HTTP benchmark (issue 7): Debian's
// cloud kernel booting an initramfs that runs Debian's nginx (one worker,
// keep-alive, /health answering {"status":"ok"}), on virtio-net over QEMU user
// networking with the guest's port 80 forwarded to the host. From the host:
//   requests/s   wrk -t1 -cCONNECTIONS -dDURATION, keep-alive, GET /health
//   up MiB/s     PUT of 10 MiB to /upload (nginx's DAV module writes it to the
//                guest's RAM-backed rootfs and answers once it has all of it; a
//                DELETE after each keeps the guest's memory free), median of 3
//   down MiB/s   GET of a 10 MiB file, median of 3
//
// Packages come with `apt-get download` (never installed on the host) and are
// cached in build/bench/linux/http (kept by bench/run.ts's clean build, as the
// device baseline's are): linux-image-cloud-amd64 (virtio_net and virtio_pci are
// modules there, loaded with their dependencies), busybox-static, nginx and the
// packages of the libraries it links (found by walking DT_NEEDED with readelf,
// so only the .so files it loads go into the initramfs). wrk must be on the host
// (`apt-get install wrk`); without it, or without apt-get, network or the
// packages, linuxHttpBaseline() says why and measures nothing.
//
//   npx tsx bench/linux-http.ts      measures once and prints the figures
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { qemuArgs, accelerator } from "../tools/qemu.ts";
import { cpio, type CpioEntry, dependsOf, download, findFiles, loadOrder, moduleName, present, run, S_IFCHR, S_IFDIR, S_IFREG } from "./linux.ts";

const CACHE = "build/bench/linux/http";
const KERNEL_PACKAGE = "linux-image-cloud-amd64";
const MODULES = ["virtio_pci", "virtio_net"];
export const BULK_BYTES = 10 * 1024 * 1024;
export const BULK_RUNS = 3;
const READY = /LINUX http ready nginx=(\S+) kernel=(\S+)/;
const BOOT_TIMEOUT_MS = 180_000;

/** nginx's configuration: one worker, keep-alive without a request limit, no
 *  access log (AIOS keeps none either), /health as the issue asks, /bulk the 10
 *  MiB file, /upload a PUT target for the upload benchmark. Temp paths are on
 *  the initramfs (tmpfs-like rootfs), where the DAV module renames the upload. */
const NGINX_CONF = `user root root;
worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 100000000;
  client_body_temp_path /tmp/body;
  proxy_temp_path /tmp/body;
  fastcgi_temp_path /tmp/body;
  uwsgi_temp_path /tmp/body;
  scgi_temp_path /tmp/body;
  server {
    listen 80;
    location = /health { default_type application/json; return 200 '{"status":"ok"}'; }
    location = /bulk { root /www; default_type application/octet-stream; }
    location = /upload { root /tmp/upload; dav_methods PUT DELETE; client_max_body_size 0; client_body_buffer_size 1m; }
  }
}
`;

export interface HttpFigures {
  rps: number;            // wrk's Requests/sec
  upMiBs: number;         // host -> guest, MiB/s
  downMiBs: number;       // guest -> host, MiB/s
  kernel: string;         // uname -r in the guest
  nginx: string;          // nginx/<version>
  wrk: string;            // the wrk command line used
}
export type HttpBaseline = HttpFigures | { skipped: string };

export interface HttpOptions {
  port?: number;          // the host port forwarded to the guest's 80 (default: a free-ish one from the pid)
  durationSeconds?: number;
  connections?: number;
  threads?: number;
  /** QEMU flags for the NIC, as the AIOS run uses them; PORT is replaced by the host port. */
  nic?: string[];
}

export const DEFAULT_NIC = ["-nic", "none", "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:PORT-:80", "-device", "virtio-net-pci,netdev=n0"];

/** Downloads the cloud kernel once: vmlinuz and the virtio-net modules with their dependencies. */
function prepareKernel(work: string): { release: string; depends: Record<string, string[]> } {
  const kernelDir = join(CACHE, "kernel");
  const manifest = join(kernelDir, "kernel.json");
  if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, "utf8"));
  const meta = download(KERNEL_PACKAGE, work);
  const image = run("dpkg-deb", ["-f", meta, "Depends"]).split(/[,|]/).map((d) => d.trim().split(/\s/)[0]).find((d) => d.startsWith("linux-image-"));
  if (!image) throw new Error(`${KERNEL_PACKAGE} names no linux-image package`);
  const deb = download(image, work);
  const root = join(work, "kernel");
  run("dpkg-deb", ["-x", deb, root]);
  const vmlinuz = readdirSync(join(root, "boot")).find((f) => f.startsWith("vmlinuz-"));
  if (!vmlinuz) throw new Error(`${image} has no /boot/vmlinuz-*`);
  const release = vmlinuz.slice("vmlinuz-".length);
  const files = new Map(findFiles(join(root, "lib/modules", release), ".ko").map((p) => [moduleName(p.split("/").pop()!), p]));
  const builtin = readFileSync(join(root, "lib/modules", release, "modules.builtin"), "utf8").split("\n").map((l) => moduleName(l.split("/").pop() ?? ""));
  const depends: Record<string, string[]> = {};
  const add = (name: string) => {
    if (name in depends || builtin.includes(name)) return;
    const path = files.get(name);
    if (!path) throw new Error(`${image} has virtio-net neither built in nor as module ${name}`);
    depends[name] = dependsOf(readFileSync(path)).filter((d) => !builtin.includes(d));
    depends[name].forEach(add);
  };
  MODULES.forEach(add);
  rmSync(kernelDir, { recursive: true, force: true });
  mkdirSync(join(kernelDir, "modules"), { recursive: true });
  copyFileSync(join(root, "boot", vmlinuz), join(kernelDir, "vmlinuz"));
  for (const name of Object.keys(depends)) copyFileSync(files.get(name)!, join(kernelDir, "modules", `${name}.ko`));
  const kernel = { package: image, release, depends };
  writeFileSync(manifest, JSON.stringify(kernel, null, 1));
  return kernel;
}

/** Downloads busybox and nginx with the packages of the libraries it names, and
 *  keeps in CACHE/root only nginx and the shared objects it loads (DT_NEEDED,
 *  followed recursively) and the dynamic loader. */
function prepareUserland(work: string): void {
  const rootDir = join(CACHE, "root");
  if (existsSync(join(rootDir, "usr/sbin/nginx"))) return;
  const extracted = join(work, "userland");
  const busybox = download("busybox-static", work);
  run("dpkg-deb", ["-x", busybox, extracted]);
  const nginx = download("nginx", work);
  run("dpkg-deb", ["-x", nginx, extracted]);
  // the libraries nginx depends on (libc6, libssl3, libpcre2-8-0, zlib1g, libcrypt1)
  const libraries = run("dpkg-deb", ["-f", nginx, "Depends"]).split(",").map((d) => d.trim().split(/[\s|]/)[0])
    .filter((d) => d.startsWith("lib") || d === "zlib1g");
  for (const name of libraries) run("dpkg-deb", ["-x", download(name, work), extracted]);
  const searchPath = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64", "usr/lib"];
  const needed = (file: string) => run("readelf", ["-d", file]).split("\n").map((l) => /\(NEEDED\).*\[(.+)\]/.exec(l)?.[1]).filter((n): n is string => !!n);
  const keep = new Set<string>(["usr/sbin/nginx", "bin/busybox"]);
  const visit = (relative: string) => {
    for (const library of needed(join(extracted, relative))) {
      const found = searchPath.map((dir) => join(dir, library)).find((candidate) => existsSync(join(extracted, candidate)));
      if (!found) throw new Error(`nginx needs ${library}, which no downloaded package has`);
      if (!keep.has(found)) { keep.add(found); visit(found); }
    }
  };
  visit("usr/sbin/nginx");
  const interpreter = /Requesting program interpreter: \/(.+)\]/.exec(run("readelf", ["-l", join(extracted, "usr/sbin/nginx")]))?.[1];
  if (!interpreter) throw new Error("nginx names no program interpreter");
  keep.add(interpreter);
  rmSync(rootDir, { recursive: true, force: true });
  for (const relative of keep) {
    mkdirSync(join(rootDir, relative, ".."), { recursive: true });
    copyFileSync(join(extracted, relative), join(rootDir, relative));   // follows the .so symlinks
  }
  writeFileSync(join(CACHE, "userland.json"), JSON.stringify({ files: [...keep].sort(), interpreter }, null, 1));
}

function buildInitramfs(kernel: { depends: Record<string, string[]> }): string {
  const directories = ["bin", "dev", "etc", "etc/nginx", "lib", "lib/modules", "proc", "sys", "tmp", "usr", "usr/sbin", "var", "var/lib", "run", "root"];
  const entries: CpioEntry[] = directories.map((name) => ({ name, mode: S_IFDIR | (name === "tmp" ? 0o1777 : 0o755) }));
  entries.push({ name: "dev/console", mode: S_IFCHR | 0o600, device: [5, 1] });
  entries.push({ name: "init", mode: S_IFREG | 0o755, data: readFileSync("bench/linux/http-init") });
  const { files } = JSON.parse(readFileSync(join(CACHE, "userland.json"), "utf8")) as { files: string[] };
  const made = new Set(directories);
  for (const file of files) {
    const parts = file.split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!made.has(dir)) { made.add(dir); entries.push({ name: dir, mode: S_IFDIR | 0o755 }); }
    }
    entries.push({ name: file, mode: S_IFREG | 0o755, data: readFileSync(join(CACHE, "root", file)) });
  }
  for (const name of Object.keys(kernel.depends)) {
    entries.push({ name: `lib/modules/${name}.ko`, mode: S_IFREG | 0o644, data: readFileSync(join(CACHE, "kernel/modules", `${name}.ko`)) });
  }
  const order = loadOrder(MODULES.filter((m) => m in kernel.depends), kernel.depends).map((m) => `${m}.ko`).join("\n") + "\n";
  entries.push({ name: "etc/modules.http", mode: S_IFREG | 0o644, data: Buffer.from(order) });
  entries.push({ name: "etc/nginx/nginx.conf", mode: S_IFREG | 0o644, data: Buffer.from(NGINX_CONF) });
  entries.push({ name: "etc/passwd", mode: S_IFREG | 0o644, data: Buffer.from("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n") });
  entries.push({ name: "etc/group", mode: S_IFREG | 0o644, data: Buffer.from("root:x:0:\nnogroup:x:65534:\n") });
  const initrd = join(CACHE, "initramfs.cpio.gz");
  writeFileSync(initrd, gzipSync(cpio(entries)));
  return initrd;
}

/** The kernel and initramfs, or why there are none. Downloads on the first run only. */
export function prepareLinuxHttp(): { kernel: string; initrd: string } | { skipped: string } {
  try {
    for (const command of ["apt-get", "dpkg-deb", "readelf"]) {
      if (!present(command)) return { skipped: `${command} is not installed` };
    }
    mkdirSync(CACHE, { recursive: true });
    const work = join(CACHE, "download");
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    let kernel;
    try {
      kernel = prepareKernel(work);
      prepareUserland(work);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return { kernel: join(CACHE, "kernel/vmlinuz"), initrd: buildInitramfs(kernel) };
  } catch (error) {
    return { skipped: (error as Error).message };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One HTTP request to the forwarded port: status and body length, and the
 *  milliseconds from the request's start to its response's last byte. */
export function httpRequest(port: number, method: string, path: string, body?: Buffer): Promise<{ status: number; bytes: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ host: "127.0.0.1", port, method, path, headers: body ? { "content-length": body.length } : {} }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => { bytes += chunk.length; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - started }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
    req.end(body);
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Boots the Linux guest, waits for nginx, and measures requests/s with wrk and
 *  bulk throughput both ways; QEMU is killed afterwards whatever happens. */
/** How a guest takes a 10 MiB upload (the milliseconds it took, or a throw) and
 *  where it serves a 10 MiB download. */
export interface BulkRoutes { upload: (payload: Buffer) => Promise<number>; downloadPath: string }

/** The measurement both guests get: wrk on /health, then BULK_RUNS uploads and
 *  downloads of BULK_BYTES, the medians. */
export async function measureHttp(port: number, options: HttpOptions, routes: BulkRoutes): Promise<Omit<HttpFigures, "kernel" | "nginx"> | { skipped: string }> {
  const wrkArgs = [`-t${options.threads ?? 1}`, `-c${options.connections ?? 4}`, `-d${options.durationSeconds ?? 10}s`, `http://127.0.0.1:${port}/health`];
  const wrk = spawnSync("wrk", wrkArgs, { encoding: "utf8", timeout: ((options.durationSeconds ?? 10) + 30) * 1000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(wrk.stdout ?? "")?.[1]);
  if (wrk.status !== 0 || !Number.isFinite(rps)) return { skipped: `wrk failed: ${(wrk.stderr || wrk.stdout || "").trim().split("\n").pop()}` };
  if (/Non-2xx or 3xx responses/.test(wrk.stdout)) return { skipped: `wrk saw error answers: ${wrk.stdout.trim()}` };
  const payload = Buffer.alloc(BULK_BYTES, 0x61);
  const up: number[] = [], down: number[] = [];
  try {
    for (let i = 0; i < BULK_RUNS; i++) {
      up.push(BULK_BYTES / (1 << 20) / ((await routes.upload(payload)) / 1000));
      const get = await httpRequest(port, "GET", routes.downloadPath);
      if (get.status !== 200 || get.bytes !== BULK_BYTES) return { skipped: `GET ${routes.downloadPath} answered ${get.status} with ${get.bytes} bytes` };
      down.push(BULK_BYTES / (1 << 20) / (get.ms / 1000));
    }
  } catch (error) {
    return { skipped: (error as Error).message };
  }
  return { rps, upMiBs: median(up), downMiBs: median(down), wrk: `wrk ${wrkArgs.join(" ").replace(String(port), "PORT")}` };
}

export async function linuxHttpBaseline(options: HttpOptions = {}): Promise<HttpBaseline> {
  if (!present("wrk")) return { skipped: "wrk is not installed (apt-get install wrk)" };
  const prepared = prepareLinuxHttp();
  if ("skipped" in prepared) return prepared;
  const port = options.port ?? 30000 + (process.pid % 20000);
  const nic = (options.nic ?? DEFAULT_NIC).map((a) => a.replace("PORT", String(port)));
  const args = [...qemuArgs({ kernel: prepared.kernel, initrd: prepared.initrd, append: "console=ttyS0 quiet panic=-1 ipv6.disable=1", extra: nic }),
    "-serial", "stdio", "-monitor", "none"];
  const child = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let exited = false;
  child.stdout.on("data", (d: Buffer) => { output += d.toString("latin1"); });
  child.stderr.on("data", (d: Buffer) => { output += d.toString("latin1"); });
  child.on("close", () => { exited = true; });
  const lastLine = () => output.trim().split("\n").pop() ?? "";
  try {
    const deadline = performance.now() + BOOT_TIMEOUT_MS;
    while (!READY.test(output)) {
      if (exited) return { skipped: `the Linux guest stopped before nginx was ready: ${lastLine()}` };
      if (performance.now() > deadline) return { skipped: `the Linux guest was not ready in ${BOOT_TIMEOUT_MS / 1000} s: ${lastLine()}` };
      await sleep(100);
    }
    const [, nginx, kernel] = READY.exec(output)!;
    // slirp accepts on the host port before the guest listens: wait for a real answer
    let health = { status: 0, bytes: 0, ms: 0 };
    for (let i = 0; i < 50 && health.status !== 200; i++) {
      health = await httpRequest(port, "GET", "/health").catch(() => health);
      if (health.status !== 200) await sleep(200);
    }
    if (health.status !== 200 || health.bytes !== '{"status":"ok"}'.length) return { skipped: `/health answered ${health.status} with ${health.bytes} bytes` };
    const figures = await measureHttp(port, options, {
      upload: async (payload) => {
        const put = await httpRequest(port, "PUT", "/upload", payload);
        if (put.status !== 201 && put.status !== 204) throw new Error(`PUT /upload answered ${put.status}`);
        // the guest keeps files in RAM: the upload goes before the next one comes
        const removed = await httpRequest(port, "DELETE", "/upload");
        if (removed.status !== 204) throw new Error(`DELETE /upload answered ${removed.status}`);
        return put.ms;
      },
      downloadPath: "/bulk",
    });
    if ("skipped" in figures) return figures;
    return { ...figures, kernel, nginx };
  } catch (error) {
    return { skipped: `${(error as Error).message} (guest said: ${lastLine()})` };
  } finally {
    if (!exited) child.kill("SIGKILL");
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("bench/linux-http.ts")) {
  console.log(`QEMU ${accelerator()}`);
  const result = await linuxHttpBaseline();
  console.log(result);
}
