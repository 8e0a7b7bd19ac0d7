/* stdlib.h — freestanding: only what wasm-rt.h names. abort() is a kernel panic. */
#ifndef AIOS_STDLIB_H
#define AIOS_STDLIB_H
#include <stddef.h>
__attribute__((noreturn)) void abort(void);
#endif
