/* alloca.h — freestanding: the compiler builtin. */
#ifndef AIOS_ALLOCA_H
#define AIOS_ALLOCA_H
#define alloca __builtin_alloca
#endif
