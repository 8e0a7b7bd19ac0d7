/* fs.c — the Linux side of AIOS's file-system benchmark (bench-fs,
 * src/kernel/selftest/fs.ts), as a static program run by the baseline guest's
 * /init on the ext4 volume it mounted (formatted by the host, bench/linux.ts):
 *   fs DIRECTORY DISK NAME
 * In DIRECTORY, with the counts and sizes AIOS uses:
 *   - 200 files bench/f0… created and written with 4 KiB each, then one syncfs()
 *     (AIOS's one fsync commits the whole volume, so does syncfs);
 *   - bench/big (created before the clock starts) written with 8 MiB in 64 KiB
 *     write() calls, then fsync();
 *   - bench/log (created before the clock starts): 50 times a 4 KiB write at
 *     its end followed by fsync().
 * Times from CLOCK_MONOTONIC. The flush requests the disk completed during the
 * three (the 16th field of /sys/block/DISK/stat) stand next to AIOS's flush count.
 * Prints one line in AIOS's format, with LINUX for AIOS:
 *   LINUX bench NAME files= create_ns= mib= write_ns= syncs= append_sync_ns= flushes= */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILES 200
#define FILE_BYTES 4096
#define MIB 8
#define CALL_BYTES (64 << 10)        /* AIOS's DATA_BYTES: the size of each write */
#define SYNCS 50
#define APPEND_BYTES 4096

static unsigned char data[CALL_BYTES];

static uint64_t now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static const char *name = "fs";

static int fail(const char *what) {
  printf("LINUX bench %s failed: ", name);
  fflush(stdout);
  perror(what);
  return 1;
}

/* Flush requests completed by DISK so far: /sys/block/DISK/stat's 16th field
 * (Documentation/block/stat.rst: "flush I/Os"), or 0 if this kernel has none. */
static uint64_t flushes(const char *disk) {
  char path[128];
  snprintf(path, sizeof path, "/sys/block/%s/stat", disk);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  unsigned long long field[17] = {0};
  int n = 0;
  while (n < 17 && fscanf(f, "%llu", &field[n]) == 1) n++;
  fclose(f);
  return n >= 16 ? field[15] : 0;
}

static int writeAll(int fd, const void *buffer, size_t bytes) {
  return write(fd, buffer, bytes) == (ssize_t)bytes;
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: fs DIRECTORY DISK NAME\n"); return 2; }
  name = argv[3];
  const char *disk = argv[2];
  if (chdir(argv[1]) != 0) return fail(argv[1]);
  /* AIOS's pattern(data, 9, …), so both write the same bytes */
  for (uint32_t j = 0; j < CALL_BYTES; j++) data[j] = (unsigned char)((9 * 31 + j * 7 + (j >> 9)) & 0xff);
  if (mkdir("bench", 0755) != 0) return fail("mkdir bench");
  int dir = open("bench", O_RDONLY | O_DIRECTORY);
  if (dir < 0) return fail("open bench");
  uint64_t flushesBefore = flushes(disk);

  uint64_t start = now();
  for (int i = 0; i < FILES; i++) {
    char path[32];
    snprintf(path, sizeof path, "bench/f%d", i);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) return fail("create");
    if (!writeAll(fd, data, FILE_BYTES)) return fail("write");
    close(fd);
  }
  if (syncfs(dir) != 0) return fail("syncfs");
  uint64_t createNs = now() - start;

  int big = open("bench/big", O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (big < 0) return fail("create bench/big");
  start = now();
  for (int m = 0; m < MIB * ((1 << 20) / CALL_BYTES); m++)
    if (!writeAll(big, data, CALL_BYTES)) return fail("write bench/big");
  if (fsync(big) != 0) return fail("fsync bench/big");
  uint64_t writeNs = now() - start;
  close(big);

  int log = open("bench/log", O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (log < 0) return fail("create bench/log");
  start = now();
  for (int i = 0; i < SYNCS; i++) {
    if (pwrite(log, data, APPEND_BYTES, (off_t)i * APPEND_BYTES) != APPEND_BYTES) return fail("write bench/log");
    if (fsync(log) != 0) return fail("fsync bench/log");
  }
  uint64_t syncNs = now() - start;
  close(log);
  close(dir);

  printf("LINUX bench %s files=%d create_ns=%llu mib=%d write_ns=%llu syncs=%d append_sync_ns=%llu flushes=%llu\n",
         name, FILES, (unsigned long long)createNs, MIB, (unsigned long long)writeNs, SYNCS,
         (unsigned long long)syncNs, (unsigned long long)(flushes(disk) - flushesBefore));
  return 0;
}
