/* assert.h — freestanding: wasm2c's generated code only uses assert for invariants
 * of its own; a failure is a kernel bug, reported as a trap. */
#ifndef AIOS_ASSERT_H
#define AIOS_ASSERT_H
#define assert(x) ((void)0)
#endif
