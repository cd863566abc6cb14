/* The C library subset micro's generated code and kernels call (no libc ships with Debian's lx106 gcc):
 * implemented in mn_xtensa_libc.c. */
#ifndef MN_XTENSA_STRING_H
#define MN_XTENSA_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

#endif
