/* blk.c — the Linux side of AIOS's block benchmark (src/kernel/selftest/block.ts),
 * as a static program run by the baseline guest's /init:
 *   blk DEVICE NAME
 * On DEVICE, 8 MiB from byte 1 MiB written and read in 1 MiB O_DIRECT transfers,
 * and the same 8 MiB copied in memory with 8-byte loads and stores (the floor),
 * five rounds, the best of each; then 1000 random 4 KiB O_DIRECT writes and 1000
 * reads, one at a time (queue depth 1), over the same 8 MiB, at offsets from the
 * same xorshift64 (13, 7, 17) and seed as AIOS. Times from CLOCK_MONOTONIC.
 * Prints one line in AIOS's format, with LINUX for AIOS:
 *   LINUX bench NAME random_ops= random_write_ns= random_read_ns= mib=8 write_ns= read_ns= copy_ns=
 * No O_SYNC and no flush, as AIOS: a write is done when the device says so. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIB (1u << 20)
#define START_BYTES ((off_t)MIB)
#define ROUNDS 5
#define SEQUENTIAL_MIB 8
#define RANDOM_OPS 1000
#define RANDOM_SPAN 2048            /* 4 KiB blocks in the 8 MiB region */
#define BLOCK 4096
#define SEED 0x2545f4914f6cdd1dull   /* AIOS's seed, so both touch the same blocks */

static uint64_t now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint64_t next(uint64_t *state) {
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return *state;
}

/* volatile: keeps the compiler from turning the loop into memcpy or vector
 * moves, so it is the same 8-byte copy AIOS times */
static void copy(volatile uint64_t *to, volatile const uint64_t *from, size_t bytes) {
  for (size_t i = 0; i < bytes / 8; i++) to[i] = from[i];
}

static int fail(const char *name, const char *what) {
  printf("LINUX bench %s failed: ", name);
  fflush(stdout);
  perror(what);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: blk DEVICE NAME\n"); return 2; }
  const char *name = argv[2];
  int fd = open(argv[1], O_RDWR | O_DIRECT);
  if (fd < 0) return fail(name, argv[1]);
  void *a, *b;   /* O_DIRECT wants buffers aligned to the logical block */
  if (posix_memalign(&a, BLOCK, MIB) || posix_memalign(&b, BLOCK, MIB)) return fail(name, "posix_memalign");
  memset(a, 0xa5, MIB);
  memset(b, 0, MIB);
  uint64_t writeBest = 0, readBest = 0, copyBest = 0;
  for (int round = 0; round < ROUNDS; round++) {
    uint64_t start = now();
    for (int m = 0; m < SEQUENTIAL_MIB; m++)
      if (pwrite(fd, a, MIB, START_BYTES + (off_t)m * MIB) != MIB) return fail(name, "pwrite");
    uint64_t w = now() - start;
    start = now();
    for (int m = 0; m < SEQUENTIAL_MIB; m++)
      if (pread(fd, b, MIB, START_BYTES + (off_t)m * MIB) != MIB) return fail(name, "pread");
    uint64_t r = now() - start;
    start = now();
    for (int m = 0; m < SEQUENTIAL_MIB; m++) copy(b, a, MIB);
    uint64_t c = now() - start;
    if (round == 0 || w < writeBest) writeBest = w;
    if (round == 0 || r < readBest) readBest = r;
    if (round == 0 || c < copyBest) copyBest = c;
  }
  uint64_t state = SEED;
  uint64_t start = now();
  for (int i = 0; i < RANDOM_OPS; i++)
    if (pwrite(fd, a, BLOCK, START_BYTES + (off_t)(next(&state) % RANDOM_SPAN) * BLOCK) != BLOCK) return fail(name, "pwrite");
  uint64_t randomWrite = now() - start;
  start = now();
  for (int i = 0; i < RANDOM_OPS; i++)
    if (pread(fd, b, BLOCK, START_BYTES + (off_t)(next(&state) % RANDOM_SPAN) * BLOCK) != BLOCK) return fail(name, "pread");
  uint64_t randomRead = now() - start;
  close(fd);
  printf("LINUX bench %s random_ops=%d random_write_ns=%llu random_read_ns=%llu mib=%d write_ns=%llu read_ns=%llu copy_ns=%llu\n",
         name, RANDOM_OPS, (unsigned long long)randomWrite, (unsigned long long)randomRead, SEQUENTIAL_MIB,
         (unsigned long long)writeBest, (unsigned long long)readBest, (unsigned long long)copyBest);
  return 0;
}
