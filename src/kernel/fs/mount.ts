// mount.ts — mounting: the superblock checked (no magic: not ours; a bad CRC or
// geometry: refused, saying which), the journal replayed, free blocks counted, then
// a full fsck; any problem leaves the volume mounted read-only, with the reason
// logged. Unmount commits what is pending.
import { Errno } from "../../abi";
import * as line from "../line";
import * as log from "../log";
import * as bitmap from "./bitmap";
import * as cache from "./cache";
import * as device from "./device";
import * as fsck from "./fsck";
import * as inode from "./inode";
import * as clock from "../clock";
import * as journal from "./journal";
import * as superblock from "./superblock";
import * as volume from "./volume";

function refuse(text: string, result: Errno): Errno {
  log.begin(log.Level.Error);
  line.text("fs: ");
  line.text(text);
  line.text("; not mounted");
  log.end();
  return result;
}

/** Mounts the volume on the bound device. NotFound (quietly) when the disk holds
 *  no AIOS file system; Malformed or NotSupported, logged, when its superblock is
 *  corrupt or foreign; Ok otherwise — read-only when `readOnlyDisk`, when the
 *  journal cannot be replayed or when fsck finds a problem (logged: which). */
export function mount(readOnlyDisk: bool): Errno {
  volume.setMounted(false);
  cache.reset();
  const sb = volume.superblockAddress();
  if (device.read(0, 1, sb) != Errno.Ok) return refuse("the superblock cannot be read", Errno.DeviceError);
  const verdict = superblock.check(sb, device.blocks());
  if (verdict == superblock.Verdict.NoFilesystem) return Errno.NotFound;
  if (verdict == superblock.Verdict.BadChecksum) return refuse("superblock checksum mismatch (corrupt superblock)", Errno.Malformed);
  if (verdict == superblock.Verdict.BadVersion) return refuse("unsupported format version", Errno.NotSupported);
  if (verdict == superblock.Verdict.BadGeometry) return refuse("superblock geometry inconsistent (corrupt superblock)", Errno.Malformed);
  volume.setMounted(true);
  if (readOnlyDisk) volume.fail("read-only disk");
  const replayed = journal.replay(!readOnlyDisk);
  if (replayed == journal.Replay.Replayed) {
    log.begin(log.Level.Info);
    line.text("fs: dirty journal: replayed transaction ");
    line.decimal(journal.lastSequence());
    line.text(" (");
    line.decimal(journal.lastReplayBlocks());
    line.text(" blocks)");
    log.end();
  } else if (replayed == journal.Replay.Failed) {
    log.warn("fs: the journal could not be replayed; read-only");
    volume.fail("journal not replayed");
  }
  cache.reset();
  if (!bitmap.count()) volume.fail("block bitmap checksum mismatch");
  const problems = fsck.fits() ? fsck.run() : 0;
  if (!fsck.fits()) log.warn("fs: the volume is larger than fsck covers (1 GiB); not checked at mount");
  // generations continue above the disk's (unchecked: from the clock, far above any count)
  inode.seedGeneration(fsck.fits() ? fsck.maxGeneration() + 1 : <u32>(clock.nanoseconds() >> 10) | 0x80000000);
  if (problems > 0) {
    log.begin(log.Level.Warn);
    line.text("fs: fsck found ");
    line.decimal(problems);
    line.text(" problem(s) in the metadata; mounted read-only");
    log.end();
    volume.fail("metadata check failed");
  }
  log.begin(log.Level.Info);
  line.text("fs: mounted ");
  line.decimal(<u64>volume.blocks() * device.BLOCK_BYTES >> 20);
  line.text(" MiB, ");
  line.decimal(bitmap.free());
  line.text(" blocks free, ");
  line.decimal(fsck.fileCount());
  line.text(" files, ");
  line.decimal(fsck.directoryCount());
  line.text(" directories, ");
  line.text(volume.readOnly() ? "read-only (" : "read-write");
  if (volume.readOnly()) { line.text(volume.reason()); line.text(")"); }
  log.end();
  return Errno.Ok;
}

/** Commits what is pending and forgets the volume. */
export function unmount(): Errno {
  if (!volume.mounted()) return Errno.NotReady;
  const r = volume.readOnly() ? Errno.Ok : journal.commit();
  volume.setMounted(false);
  cache.reset();
  return r;
}

