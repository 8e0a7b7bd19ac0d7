/* math.h — freestanding: what wasm2c's generated code uses. fabs and sqrt are
 * single SSE2 instructions; the rounding functions live in linker/runtime.c
 * because SSE4.1's roundsd is missing on QEMU's default CPU model. */
#ifndef AIOS_MATH_H
#define AIOS_MATH_H
#define isnan(x) __builtin_isnan(x)
#define signbit(x) __builtin_signbit(x)
#define fabs(x) __builtin_fabs(x)
#define fabsf(x) __builtin_fabsf(x)
#define sqrt(x) __builtin_sqrt(x)
#define sqrtf(x) __builtin_sqrtf(x)
double floor(double x);
float floorf(float x);
double ceil(double x);
float ceilf(float x);
double trunc(double x);
float truncf(float x);
double nearbyint(double x);
float nearbyintf(float x);
#endif
