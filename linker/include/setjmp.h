/* setjmp.h — freestanding; implemented in asm/cpu.S. Saves rbx rbp r12-r15 rsp rip. */
#ifndef AIOS_SETJMP_H
#define AIOS_SETJMP_H
typedef unsigned long jmp_buf[8];
int setjmp(jmp_buf env) __attribute__((returns_twice));
__attribute__((noreturn)) void longjmp(jmp_buf env, int value);
#endif
