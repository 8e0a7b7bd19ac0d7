// fs.ts — the AIOS file system on the host: the kernel's own format code
// (src/kernel/fs, compiled into the host-test wasm by `build.ts host`) driven from
// Node over a disk in memory or in an image file. Used by `build.ts mkfs` and
// `build.ts fsck` and by the host tests.
import { closeSync, openSync, readSync, fstatSync, writeSync, fsyncSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { boot, FakeMachine } from "../test/host/fakehal.ts";

export const BLOCK = 4096;
export const Kind = { File: 1, Directory: 2 } as const;
export const Errno = {
  Ok: 0, InvalidArgument: 1, Malformed: 2, NotFound: 4, ResourceExhausted: 5, NotSupported: 6, NotReady: 8,
  AlreadyExists: 9, PermissionDenied: 10, DeviceError: 18,
} as const;

/** A disk of 4 KiB blocks: what the fs code reads, writes and flushes. */
export interface BlockDisk {
  blocks: number;
  read(block: number, count: number, to: Uint8Array): number;
  write(block: number, count: number, from: Uint8Array): number;
  flush(): number;
}

/** A disk in memory. `volatile` keeps writes since the last flush apart, so a test
 *  can cut the power: crash() drops a random part of them. */
export class MemoryDisk implements BlockDisk {
  data: Uint8Array;
  writes = 0;
  flushes = 0;
  pending = new Map<number, Uint8Array>();   // block → contents written, not yet flushed
  failWritesAt = -1;                          // block whose writes fail (a bad block)
  dead = false;                               // after a power cut nothing more lands
  cutAtWrite = -1;                            // the power goes as this many blocks have been written
  keep: () => boolean = () => true;           // which unflushed writes survive a cut
  constructor(public blocks: number, public volatile = false) { this.data = new Uint8Array(blocks * BLOCK); }
  read(block: number, count: number, to: Uint8Array): number {
    for (let i = 0; i < count; i++) {
      const p = this.pending.get(block + i);
      to.set(p ?? this.data.subarray((block + i) * BLOCK, (block + i + 1) * BLOCK), i * BLOCK);
    }
    return 0;
  }
  write(block: number, count: number, from: Uint8Array): number {
    if (this.failWritesAt >= block && this.failWritesAt < block + count) return Errno.DeviceError;
    if (this.dead) return 0;
    if (this.cutAtWrite >= 0 && this.writes + count > this.cutAtWrite) { this.crash(this.keep); return 0; }
    this.writes += count;
    for (let i = 0; i < count; i++) {
      const bytes = from.slice(i * BLOCK, (i + 1) * BLOCK);
      if (this.volatile) this.pending.set(block + i, bytes);
      else this.data.set(bytes, (block + i) * BLOCK);
    }
    return 0;
  }
  flush(): number {
    if (this.dead) return 0;
    this.flushes++;
    for (const [b, bytes] of this.pending) this.data.set(bytes, b * BLOCK);
    this.pending.clear();
    return 0;
  }
  /** The power goes: each unflushed write lands or not (chosen by `keep`); nothing more is written. */
  crash(keep: () => boolean): void {
    for (const [b, bytes] of this.pending) if (keep()) this.data.set(bytes, b * BLOCK);
    this.pending.clear();
    this.dead = true;
  }
}

/** A raw image file as a disk (its size rounded down to whole blocks). */
export class FileDisk implements BlockDisk {
  fd: number;
  blocks: number;
  constructor(path: string, writable: boolean) {
    this.fd = openSync(path, writable ? "r+" : "r");
    this.blocks = Math.floor(fstatSync(this.fd).size / BLOCK);
  }
  read(block: number, count: number, to: Uint8Array): number {
    readSync(this.fd, to, 0, count * BLOCK, block * BLOCK);
    return 0;
  }
  write(block: number, count: number, from: Uint8Array): number {
    try { writeSync(this.fd, from, 0, count * BLOCK, block * BLOCK); return 0; } catch { return Errno.DeviceError; }
  }
  flush(): number { try { fsyncSync(this.fd); return 0; } catch { return Errno.DeviceError; } }
  close(): void { closeSync(this.fd); }
}

/** The kernel's fs code over `disk`, with byte-string paths. A fresh wasm
 *  instance each time: nothing survives but what is on the disk. */
export class Volume {
  k: any;
  machine: FakeMachine;
  scratch: number;
  constructor(public disk: BlockDisk) {
    this.machine = new FakeMachine();
    this.machine.disk = disk;
    const { k } = boot(this.machine);
    this.k = k;
    this.scratch = Number(k.fsScratchAddress());
    k.fsBind(BigInt(disk.blocks));
  }
  get serial(): string { return this.machine.serial; }
  private bytes(): Uint8Array { return new Uint8Array((this.k.memory as WebAssembly.Memory).buffer); }
  /** Puts `data` at the scratch area's offset `at`; its address. */
  private put(data: Uint8Array | string, at = 0): [number, number] {
    const b = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    this.bytes().set(b, this.scratch + at);
    return [this.scratch + at, b.length];
  }
  format(blocks = 0, inodes = 0): number { return this.k.fsFormat(blocks, inodes); }
  mount(readOnly = false): number { return this.k.fsMount(readOnly); }
  unmount(): number { return this.k.fsUnmount(); }
  check(): number { return this.k.fsCheck(); }
  readOnly(): boolean { return !!this.k.fsReadOnly(); }
  sync(): number { return this.k.fsSync(); }
  freeBlocks(): number { return this.k.fsFreeBlocks(); }
  lookup(path: string, base = 1): number { const [p, n] = this.put(path); return Number(this.k.fsLookup(base, p, n)); }
  create(path: string, kind: number = Kind.File, base = 1): number { const [p, n] = this.put(path); return Number(this.k.fsCreate(base, p, n, kind)); }
  mkdir(path: string, base = 1): number { return this.create(path, Kind.Directory, base); }
  unlink(path: string, base = 1): number { const [p, n] = this.put(path); return this.k.fsUnlink(base, p, n); }
  rename(from: string, to: string, base = 1): number {
    const [p, n] = this.put(from); const [q, m] = this.put(to, 4096);
    return this.k.fsRename(base, p, n, q, m);
  }
  snapshot(from: string, to: string, base = 1): number {
    const [p, n] = this.put(from); const [q, m] = this.put(to, 4096);
    return this.k.snapshotTake(base, p, n, q, m);
  }
  dropSnapshot(path: string, base = 1): number { const [p, n] = this.put(path); return this.k.snapshotDrop(base, p, n); }
  truncate(ino: number, size: number): number { return this.k.fsTruncate(ino, BigInt(size)); }
  /** Writes `data` at `offset` of inode `ino` (in pieces of at most 1 MiB); bytes written or -errno. */
  write(ino: number, offset: number, data: Uint8Array): number {
    let done = 0;
    while (done < data.length || data.length === 0) {
      const piece = data.subarray(done, Math.min(data.length, done + (1 << 20)));
      const [p, n] = this.put(piece);
      const r = Number(this.k.fsWrite(ino, BigInt(offset + done), p, n));
      if (r < 0) return done > 0 ? done : r;
      done += r;
      if (r < n || data.length === 0) break;
    }
    return done;
  }
  /** The whole file `ino`, or -errno. */
  readAll(ino: number): Uint8Array | number {
    const st = this.stat(ino);
    if (typeof st === "number") return st;
    const out = new Uint8Array(st.size);
    for (let at = 0; at < st.size; at += 1 << 20) {
      const r = Number(this.k.fsRead(ino, BigInt(at), this.scratch, Math.min(1 << 20, st.size - at)));
      if (r < 0) return r;
      out.set(this.bytes().subarray(this.scratch, this.scratch + r), at);
    }
    return out;
  }
  read(ino: number, offset: number, length: number): Uint8Array | number {
    const r = Number(this.k.fsRead(ino, BigInt(offset), this.scratch, length));
    return r < 0 ? r : this.bytes().slice(this.scratch, this.scratch + r);
  }
  stat(ino: number): { kind: number; blocks: number; size: number; inode: number } | number {
    const out = this.scratch + 8192;
    const r = this.k.fsStat(ino, out);
    if (r !== 0) return -r;
    const v = new DataView(this.bytes().buffer, out, 32);
    return { kind: v.getUint32(0, true), blocks: v.getUint32(4, true), size: Number(v.getBigUint64(8, true)), inode: v.getUint32(24, true) };
  }
  /** The entries of directory `dir`: name → [inode, kind]. */
  list(dir: number): Map<string, [number, number]> | number {
    const out = new Map<string, [number, number]>();
    const at = this.scratch + 12288;
    for (let from = 0; ;) {
      const r = Number(this.k.fsNext(dir, from, at));
      if (r === -1) return out;
      if (r < -1) return -(-r - 2);
      const b = this.bytes();
      const v = new DataView(b.buffer, at, 64);
      out.set(Buffer.from(b.subarray(at + 6, at + 6 + b[at + 5])).toString("utf8"), [v.getUint32(0, true), b[at + 4]]);
      from = r + 1;
    }
  }
  /** The telemetry store (src/kernel/fs/telemetry.ts) in directory `path`. */
  telemetryOpen(path: string, segmentBytes: number, keep: number): number { const [p, n] = this.put(path); return this.k.telemetryOpen(p, n, segmentBytes, keep); }
  telemetryAppend(record: Uint8Array): number { const [p, n] = this.put(record); return this.k.telemetryAppend(p, n); }
  /** Every record kept, oldest first. */
  telemetryAll(): Uint8Array[] {
    this.k.telemetryRewind();
    const out: Uint8Array[] = [];
    for (;;) {
      const r = Number(this.k.telemetryNext(this.scratch, 65536));
      if (r < 0) return out;
      out.push(this.bytes().slice(this.scratch, this.scratch + r));
    }
  }
  /** Puts host directory `source` (recursively) under directory path `under`. */
  putTree(source: string, under = ""): void {
    for (const name of readdirSync(source)) {
      const host = join(source, name);
      const path = under ? `${under}/${name}` : name;
      if (statSync(host).isDirectory()) {
        const d = this.mkdir(path);
        if (d < 0) throw new Error(`mkdir ${path}: error ${-d}`);
        this.putTree(host, path);
      } else {
        const ino = this.create(path);
        if (ino < 0) throw new Error(`create ${path}: error ${-ino}`);
        const data = readFileSync(host);
        const r = this.write(ino, 0, data);
        if (r !== data.length) throw new Error(`write ${path}: ${r < 0 ? `error ${-r}` : `${r} of ${data.length} bytes`}`);
      }
    }
  }
}

/** `build.ts mkfs <image> [--size 64M] [--put dir]`: formats an image (made or
 *  grown to the size), optionally with a host directory's files in it. */
export function mkfsImage(image: string, size: number | undefined, put: string | undefined): string {
  if (size !== undefined) {
    const fd = openSync(image, "a"); closeSync(fd);
    if (statSync(image).size < size) { const f = openSync(image, "r+"); writeSync(f, new Uint8Array(1), 0, 1, size - 1); closeSync(f); }
  }
  const disk = new FileDisk(image, true);
  try {
    const v = new Volume(disk);
    let r = v.format();
    if (r !== 0) throw new Error(`mkfs ${image}: error ${r} (at least 256 KiB are needed)`);
    if (put) {
      r = v.mount();
      if (r !== 0) throw new Error(`mount ${image}: error ${r}`);
      v.putTree(put);
      r = v.unmount();
      if (r !== 0) throw new Error(`unmount ${image}: error ${r}`);
    }
    return `${image}: ${disk.blocks} blocks of 4 KiB formatted${put ? `, ${put} copied in` : ""}`;
  } finally { disk.close(); }
}

/** `build.ts fsck <image>`: mounts (replaying the journal, if any) and checks every
 *  invariant; the log lines and the number of problems. */
export function fsckImage(image: string): { problems: number; log: string } {
  const disk = new FileDisk(image, true);
  try {
    const v = new Volume(disk);
    const r = v.mount();
    if (r !== 0) return { problems: 1, log: v.serial + `fsck: ${image}: not mountable (error ${r})\n` };
    // mount ran fsck already: a volume it found problems in is read-only
    const problems = v.readOnly() ? Math.max(1, v.k.fsLastProblems()) : v.check();
    v.unmount();
    return { problems, log: v.serial };
  } finally { disk.close(); }
}
