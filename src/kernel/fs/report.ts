// report.ts — the file system's log lines, one place for their wording: every
// refusal or fall to read-only says what was wrong and where, so an operator can
// tell a corrupt superblock from a bad metadata checksum from a failing disk.
import * as line from "../line";
import * as log from "../log";
import * as volume from "./volume";

/** A metadata block failed its CRC: the volume goes read-only. */
export function checksum(block: u32): void {
  log.begin(log.Level.Error);
  line.text("fs: metadata checksum mismatch in block ");
  line.decimal(block);
  line.text(volume.isInodeBlock(block) ? " (inode table)" : volume.isBitmapBlock(block) ? " (block bitmap)"
    : volume.isShareBlock(block) ? " (share map)" : " (directory or extent block)");
  line.text("; read-only");
  log.end();
  volume.fail("metadata checksum mismatch");
}

export function inodeChecksum(inode: u32): void {
  log.begin(log.Level.Error);
  line.text("fs: metadata checksum mismatch in inode ");
  line.decimal(inode);
  line.text("; read-only");
  log.end();
  volume.fail("metadata checksum mismatch");
}

/** The disk failed a transfer: reads fail that call; writes make the volume read-only. */
export function ioError(block: u64, write: bool): void {
  log.begin(log.Level.Error);
  line.text(write ? "fs: write error at block " : "fs: read error at block ");
  line.decimal(block);
  if (write) line.text("; read-only");
  log.end();
  if (write) volume.fail("disk write error");
}

export function message(level: log.Level, text: string, value: u64): void {
  log.begin(level);
  line.text("fs: ");
  line.text(text);
  line.decimal(value);
  log.end();
}
