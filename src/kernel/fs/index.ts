// fs — the AIOS file system (see README.md): one volume mounted at a time over the
// block-device interface in device.ts, bound to the block layer by disk.ts. This
// is the public surface the kernel, the agent ABI and the tests use.
import { Errno } from "../../abi";
import * as bitmap from "./bitmap";
import * as cache from "./cache";
import * as crc32c from "./crc32c";
import * as device from "./device";
import * as directory from "./directory";
import * as files from "./files";
import * as fsck from "./fsck";
import * as inode from "./inode";
import * as journal from "./journal";
import * as mkfs from "./mkfs";
import * as mounting from "./mount";
import * as superblock from "./superblock";
import * as volume from "./volume";
import * as disk from "./disk";
import * as telemetry from "./telemetry";
import * as lock from "./lock";
import * as share from "./share";
import * as snapshot from "./snapshot";
export { bitmap, cache, crc32c, device, directory, disk, files, fsck, inode, journal, lock, mkfs, share, snapshot, superblock, telemetry, volume };

export function mount(readOnlyDisk: bool): Errno { return mounting.mount(readOnlyDisk); }
export function unmount(): Errno { return mounting.unmount(); }

export const ROOT: u32 = superblock.ROOT_INODE;

/** fsck of the mounted volume: the number of problems (each logged). */
export function check(): u32 { return volume.mounted() ? fsck.run() : 1; }

export function mounted(): bool { return volume.mounted(); }
export function readOnly(): bool { return volume.readOnly(); }
