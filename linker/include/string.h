/* string.h — freestanding; implemented in linker/runtime.c. */
#ifndef AIOS_STRING_H
#define AIOS_STRING_H
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int value, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#endif
