/* What the firmware needs from a C library and from libgcc on the lx106 (Debian's gcc-xtensa-lx106 ships no
 * libc, and its libgcc lacks the 32-bit divisions and the 64-bit multiply the compiler calls):
 * memcpy, memmove, memset, __divsi3, __udivsi3, __umodsi3, __muldi3, and the semihosting calls of QEMU's sim machine
 * (simcall: a2 = call number, a3.. = arguments, result in a2). */
#include <stdint.h>
#include <string.h>

#include "mn_xtensa.h"

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    if (d < s) {
        while (n--) {
            *d++ = *s++;
        }
    } else {
        while (n--) {
            d[n] = s[n];
        }
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = (unsigned char *)dst;
    while (n--) {
        *d++ = (unsigned char)c;
    }
    return dst;
}

/* Shift-subtract division: quotient and remainder of n / d (d != 0). */
static uint32_t mn_udivmod(uint32_t n, uint32_t d, uint32_t *rem)
{
    uint32_t q = 0, r = 0;
    int i;
    for (i = 31; i >= 0; --i) {
        r = (r << 1) | ((n >> i) & 1u);
        if (r >= d) {
            r -= d;
            q |= UINT32_C(1) << i;
        }
    }
    *rem = r;
    return q;
}

int32_t __divsi3(int32_t n, int32_t d);
uint32_t __udivsi3(uint32_t n, uint32_t d);
uint32_t __umodsi3(uint32_t n, uint32_t d);
uint64_t __muldi3(uint64_t a, uint64_t b);

/* C's truncating division (d != 0; INT32_MIN / -1 wraps, as the hardware divider of other cores). */
int32_t __divsi3(int32_t n, int32_t d)
{
    const uint32_t un = n < 0 ? 0u - (uint32_t)n : (uint32_t)n, ud = d < 0 ? 0u - (uint32_t)d : (uint32_t)d;
    uint32_t r;
    const uint32_t q = mn_udivmod(un, ud, &r);
    return (int32_t)((n < 0) != (d < 0) ? 0u - q : q);
}

uint32_t __udivsi3(uint32_t n, uint32_t d)
{
    uint32_t r;
    return mn_udivmod(n, d, &r);
}

uint32_t __umodsi3(uint32_t n, uint32_t d)
{
    uint32_t r;
    (void)mn_udivmod(n, d, &r);
    return r;
}

/* The low 64 bits of a * b from 32 x 32 -> 64 partial products (the core's MUL16/MULL are 32-bit). */
uint64_t __muldi3(uint64_t a, uint64_t b)
{
    const uint32_t a_lo = (uint32_t)a, a_hi = (uint32_t)(a >> 32), b_lo = (uint32_t)b, b_hi = (uint32_t)(b >> 32);
    const uint32_t a0 = a_lo & 0xFFFFu, a1 = a_lo >> 16, b0 = b_lo & 0xFFFFu, b1 = b_lo >> 16;
    const uint64_t lo = (uint64_t)(a0 * b0) + ((uint64_t)(a1 * b0) << 16) + ((uint64_t)(a0 * b1) << 16) +
                        ((uint64_t)(a1 * b1) << 32);
    return lo + ((uint64_t)(a_lo * b_hi + a_hi * b_lo) << 32);
}

int mn_xt_simcall(int nr, int a, int b, int c)
{
    register int a2 __asm__("a2") = nr;
    register int a3 __asm__("a3") = a;
    register int a4 __asm__("a4") = b;
    register int a5 __asm__("a5") = c;
    __asm__ volatile("simcall" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
    return a2;
}

void mn_xt_write(const void *data, uint32_t n)
{
    (void)mn_xt_simcall(MN_XT_SYS_WRITE, 1, (int)(uintptr_t)data, (int)n);
}
