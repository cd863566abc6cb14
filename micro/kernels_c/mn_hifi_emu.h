/* micro's own emulation of the Cadence HiFi 4 intrinsics its HiFi kernels use (mn_*_hifi4.c), in plain
 * exact integer C99: no floating point, no Cadence code. mn_hifi4.h includes it wherever the real HiFi 4
 * intrinsics are not available (host builds, base-ISA Xtensa cores such as the lx106, Arm boards), so the
 * same kernel source runs everywhere and is checked bit for bit against TFLM.
 *
 * Sources of the semantics (public): the prototypes of Cadence's generated xt_hifi2.h (MIT), the prose of
 * the HiFi 2/3 user guides, and the compatibility expressions of nnlib's xa_nnlib_hifi_isa_compat.h, which
 * state HiFi 4 operations in terms of others. tests/test_hifi_emu.py checks every intrinsic here against a
 * scalar definition written independently in Python, and the lane orders against those compat expressions.
 *
 * Lane order (the HiFi convention, from the compat expression of AE_L8X4F_IP): a vector loaded from memory
 * holds element 0 (the lowest address) in its HIGHEST lane. ae_int16x4 lanes are l[3] l[2] l[1] l[0] with
 * l[3] = element 0; ae_int32x2 is {H, L} = {l[1], l[0]} with H = element 0, and as a 64-bit value H is the
 * high word. AE_MOVAD16_3 reads lane 3, AE_MULA16_00 multiplies lanes 0. The lane selects AE_SEL16_<4 digits>
 * follow the naming of Cadence's select family as public HiFi code uses it (e.g. AE_SEL16_2301(d, d) swapping
 * the halves of each 32-bit pair): the 8 lanes of (a, b) numbered 7..0 from a's lane 3, the digits naming the
 * result's lanes 3..0; the emulation defines them so, and no HiFi core checked it here (docs/hifi.md).
 *
 * Alignment: an aligned load (AE_L8X4F_IP: 4 bytes, AE_L16X4_IP: 8 bytes) ignores the low address bits as
 * the core's load unit does, so a kernel that issues one on a misaligned address reads the wrong data here
 * too and fails verification. An unaligned load (AE_LA16X4_IP) must follow the stream its ae_valign was
 * primed for (AE_LA64_PP); out of sequence it returns a poison pattern (0x8000 in every lane).
 *
 * Saturation and rounding: each intrinsic's comment says what it does with overflow. The kernels keep every
 * 16-bit sum and every 32-bit lane accumulation in range (their lowering proves the bounds), so wrapping or
 * saturating lanes give the same bits there.
 *
 * MN_HIFI_EMU_COUNT (benchmarks only): every intrinsic counts itself into mn_hifi_emu_counts[] by slot class
 * (load, MAC, ALU), the input of the emulated instruction-bundle estimate (micro/profile/hifi4.py). */
#ifndef MN_HIFI_EMU_H
#define MN_HIFI_EMU_H

#include <stdint.h>
#include <string.h>

#define MN_HIFI_EMULATED 1

enum { MN_HIFI_LOAD = 0, MN_HIFI_MAC = 1, MN_HIFI_ALU = 2, MN_HIFI_CLASSES = 3 };
#if defined(MN_HIFI_EMU_COUNT)
extern unsigned long mn_hifi_emu_counts[MN_HIFI_CLASSES];
#define MN_HIFI_TICK(c) (++mn_hifi_emu_counts[c])
#else
#define MN_HIFI_TICK(c) ((void)0)
#endif

typedef struct { int16_t l[4]; } ae_int16x4;   /* l[3] = element 0 in memory */
typedef struct { int32_t l[2]; } ae_int32x2;   /* l[1] = H = element 0, the high word as 64 bits */
typedef struct { int64_t v; } ae_int64;
typedef struct { unsigned char b[4]; } xtbool4;  /* b[i]: lane i */
typedef struct { const void *next; } ae_valign;  /* emulation: where the primed stream continues */

/* Two's complement wrap of an int64 to int32/int16 without implementation-defined conversions. */
static inline int32_t mn_emu_wrap32(int64_t x)
{
    const uint32_t u = (uint32_t)((uint64_t)x & 0xFFFFFFFFu);
    return u < 0x80000000u ? (int32_t)u : (int32_t)(u - 0x80000000u) - INT32_C(0x7FFFFFFF) - 1;
}

static inline int16_t mn_emu_wrap16(int32_t x)
{
    const uint32_t u = (uint32_t)x & 0xFFFFu;
    return (int16_t)(u < 0x8000u ? (int32_t)u : (int32_t)u - 0x10000);
}

static inline int64_t mn_emu_wrap64_add(int64_t a, int64_t b)
{
    const uint64_t u = (uint64_t)a + (uint64_t)b;
    return u < UINT64_C(0x8000000000000000) ? (int64_t)u
                                           : (int64_t)(u - UINT64_C(0x8000000000000000)) - INT64_C(0x7FFFFFFFFFFFFFFF) - 1;
}

/* Arithmetic right shift (floor division by 2^s) of a signed value, independent of how the C compiler
 * shifts negative numbers. */
static inline int64_t mn_emu_sra64(int64_t x, int s)
{
    if (s <= 0) {
        return x;
    }
    if (s > 63) {
        s = 63;
    }
    return x >= 0 ? x >> s : -1 - ((-1 - x) >> s);
}

/* ---- loads ---------------------------------------------------------------------------------------- */

static inline const unsigned char *mn_emu_aligned(const void *p, uintptr_t bytes)
{
    return (const unsigned char *)((uintptr_t)p & ~(bytes - 1u));
}

/* AE_L8X4F_IP(d, p, inc): 4 signed bytes from a 4-byte aligned address into the upper bytes of the four
 * 16-bit lanes (lane 3 = p[0], each value * 256: the "F" fractional form), then p += inc bytes. */
static inline ae_int16x4 mn_emu_l8x4f(const void *p)
{
    const unsigned char *a = mn_emu_aligned(p, 4);
    ae_int16x4 d;
    int i;
    MN_HIFI_TICK(MN_HIFI_LOAD);
    for (i = 0; i < 4; ++i) {
        const int32_t v = a[i] < 128 ? (int32_t)a[i] : (int32_t)a[i] - 256;
        d.l[3 - i] = (int16_t)(v * 256);
    }
    return d;
}
#define AE_L8X4F_IP(d, p, inc) ((d) = mn_emu_l8x4f(p), (p) = (void *)((const char *)(p) + (inc)))

/* AE_L16X4_IP(d, p, inc): four int16 from an 8-byte aligned address (lane 3 = element 0), p += inc bytes. */
static inline ae_int16x4 mn_emu_l16x4(const void *p)
{
    const unsigned char *a = mn_emu_aligned(p, 8);
    ae_int16x4 d;
    int i;
    MN_HIFI_TICK(MN_HIFI_LOAD);
    for (i = 0; i < 4; ++i) {
        int16_t v;
        memcpy(&v, a + 2 * i, sizeof v); /* the core's own byte order, as its load unit */
        d.l[3 - i] = v;
    }
    return d;
}
#define AE_L16X4_IP(d, p, inc) ((d) = mn_emu_l16x4(p), (p) = (void *)((const char *)(p) + (inc)))

/* AE_LA64_PP(p): primes an unaligned load stream at p (any address). */
static inline ae_valign mn_emu_la64_pp(const void *p)
{
    ae_valign a;
    MN_HIFI_TICK(MN_HIFI_LOAD);
    a.next = p;
    return a;
}
#define AE_LA64_PP(p) mn_emu_la64_pp(p)

/* AE_LA16X4_IP(d, a, p): four int16 from any address of the primed stream (lane 3 = element 0), p += 8. */
static inline ae_int16x4 mn_emu_la16x4(ae_valign *a, const void *p)
{
    ae_int16x4 d;
    int i;
    MN_HIFI_TICK(MN_HIFI_LOAD);
    for (i = 0; i < 4; ++i) {
        int16_t v = INT16_MIN;
        if (a->next == p) {
            memcpy(&v, (const unsigned char *)p + 2 * i, sizeof v);
        }
        d.l[3 - i] = v;
    }
    a->next = (const unsigned char *)p + 8;
    return d;
}
#define AE_LA16X4_IP(d, a, p) ((d) = mn_emu_la16x4(&(a), p), (p) = (void *)((const char *)(p) + 8))

/* ---- moves and 16-bit lanes ----------------------------------------------------------------------- */

static inline ae_int16x4 AE_MOVDA16(int32_t x) /* every lane (int16)x (low 16 bits) */
{
    ae_int16x4 d;
    MN_HIFI_TICK(MN_HIFI_ALU);
    d.l[0] = d.l[1] = d.l[2] = d.l[3] = mn_emu_wrap16(x);
    return d;
}

static inline ae_int16x4 AE_ZERO16(void)
{
    return AE_MOVDA16(0);
}

static inline ae_int16x4 AE_ADD16(ae_int16x4 a, ae_int16x4 b) /* lanewise, wrapping */
{
    int i;
    MN_HIFI_TICK(MN_HIFI_ALU);
    for (i = 0; i < 4; ++i) {
        a.l[i] = mn_emu_wrap16((int32_t)a.l[i] + b.l[i]);
    }
    return a;
}

static inline ae_int16x4 AE_SRAI16(ae_int16x4 a, int s) /* lanewise arithmetic shift right, s in [0, 15] */
{
    int i;
    MN_HIFI_TICK(MN_HIFI_ALU);
    for (i = 0; i < 4; ++i) {
        a.l[i] = (int16_t)mn_emu_sra64(a.l[i], s);
    }
    return a;
}

static inline int32_t mn_emu_sat16(int32_t x)
{
    return x < INT16_MIN ? INT16_MIN : x > INT16_MAX ? INT16_MAX : x;
}

/* AE_SAT16X4(h, l): the four 32-bit lanes {h.H, h.L, l.H, l.L} saturated to int16 into lanes 3..0. */
static inline ae_int16x4 AE_SAT16X4(ae_int32x2 h, ae_int32x2 l)
{
    ae_int16x4 d;
    MN_HIFI_TICK(MN_HIFI_ALU);
    d.l[3] = (int16_t)mn_emu_sat16(h.l[1]);
    d.l[2] = (int16_t)mn_emu_sat16(h.l[0]);
    d.l[1] = (int16_t)mn_emu_sat16(l.l[1]);
    d.l[0] = (int16_t)mn_emu_sat16(l.l[0]);
    return d;
}

static inline xtbool4 AE_LT16(ae_int16x4 a, ae_int16x4 b) /* lane i: a < b (signed) */
{
    xtbool4 r;
    int i;
    MN_HIFI_TICK(MN_HIFI_ALU);
    for (i = 0; i < 4; ++i) {
        r.b[i] = (unsigned char)(a.l[i] < b.l[i]);
    }
    return r;
}

/* AE_MOVT16X4(d, s, b): lanes of d where b is true take s's. */
static inline ae_int16x4 mn_emu_movt16x4(ae_int16x4 d, ae_int16x4 s, xtbool4 b)
{
    int i;
    MN_HIFI_TICK(MN_HIFI_ALU);
    for (i = 0; i < 4; ++i) {
        if (b.b[i]) {
            d.l[i] = s.l[i];
        }
    }
    return d;
}
#define AE_MOVT16X4(d, s, b) ((d) = mn_emu_movt16x4((d), (s), (b)))

/* Lane selects of the pair (a, b) as its 8 lanes a3 a2 a1 a0 b3 b2 b1 b0 numbered 7..0: the name's digits are
 * the result's lanes 3..0. AE_SEL16_7362(a, b) = {a3, b3, a2, b2} (the upper halves interleaved);
 * AE_SEL16_5432(a, b) = {a1, a0, b3, b2} (the pair shifted by two lanes). */
static inline ae_int16x4 AE_SEL16_7362(ae_int16x4 a, ae_int16x4 b)
{
    ae_int16x4 d;
    MN_HIFI_TICK(MN_HIFI_ALU);
    d.l[3] = a.l[3];
    d.l[2] = b.l[3];
    d.l[1] = a.l[2];
    d.l[0] = b.l[2];
    return d;
}

static inline ae_int16x4 AE_SEL16_5432(ae_int16x4 a, ae_int16x4 b)
{
    ae_int16x4 d;
    MN_HIFI_TICK(MN_HIFI_ALU);
    d.l[3] = a.l[1];
    d.l[2] = a.l[0];
    d.l[1] = b.l[3];
    d.l[0] = b.l[2];
    return d;
}

static inline int32_t AE_MOVAD16_3(ae_int16x4 a) { MN_HIFI_TICK(MN_HIFI_ALU); return a.l[3]; }
static inline int32_t AE_MOVAD16_2(ae_int16x4 a) { MN_HIFI_TICK(MN_HIFI_ALU); return a.l[2]; }
static inline int32_t AE_MOVAD16_1(ae_int16x4 a) { MN_HIFI_TICK(MN_HIFI_ALU); return a.l[1]; }
static inline int32_t AE_MOVAD16_0(ae_int16x4 a) { MN_HIFI_TICK(MN_HIFI_ALU); return a.l[0]; }

/* ---- 32-bit pairs and 64-bit values --------------------------------------------------------------- */

static inline ae_int32x2 AE_MOVDA32X2(int32_t h, int32_t l)
{
    ae_int32x2 d;
    MN_HIFI_TICK(MN_HIFI_ALU);
    d.l[1] = h;
    d.l[0] = l;
    return d;
}

static inline ae_int32x2 AE_MOVDA32(int32_t x) /* both lanes x */
{
    return AE_MOVDA32X2(x, x);
}

static inline ae_int32x2 AE_ZERO32(void)
{
    return AE_MOVDA32X2(0, 0);
}

static inline int32_t AE_MOVAD32_H(ae_int32x2 a) { MN_HIFI_TICK(MN_HIFI_ALU); return a.l[1]; }
static inline int32_t AE_MOVAD32_L(ae_int32x2 a) { MN_HIFI_TICK(MN_HIFI_ALU); return a.l[0]; }

static inline ae_int64 AE_ZERO64(void)
{
    ae_int64 q;
    MN_HIFI_TICK(MN_HIFI_ALU);
    q.v = 0;
    return q;
}

/* The 64 bits of a pair as one value (H the high word) and back: bit moves, no arithmetic. */
static inline ae_int64 AE_MOVINT64_FROMINT32X2(ae_int32x2 a)
{
    ae_int64 q;
    const uint64_t u = ((uint64_t)(uint32_t)a.l[1] << 32) | (uint32_t)a.l[0];
    q.v = u < UINT64_C(0x8000000000000000) ? (int64_t)u
                                           : (int64_t)(u - UINT64_C(0x8000000000000000)) - INT64_C(0x7FFFFFFFFFFFFFFF) - 1;
    return q;
}

static inline ae_int32x2 AE_MOVINT32X2_FROMINT64(ae_int64 q)
{
    ae_int32x2 d;
    d.l[1] = mn_emu_wrap32(mn_emu_sra64(q.v, 32));
    d.l[0] = mn_emu_wrap32(q.v);
    return d;
}

static inline ae_int64 AE_ADD64(ae_int64 a, ae_int64 b) /* wrapping */
{
    MN_HIFI_TICK(MN_HIFI_ALU);
    a.v = mn_emu_wrap64_add(a.v, b.v);
    return a;
}

static inline ae_int64 AE_SRAA64(ae_int64 a, int s) /* arithmetic shift right by s in [0, 63] */
{
    MN_HIFI_TICK(MN_HIFI_ALU);
    a.v = mn_emu_sra64(a.v, s);
    return a;
}

static inline ae_int64 AE_SRAI64(ae_int64 a, int s) /* the immediate form of AE_SRAA64 */
{
    return AE_SRAA64(a, s);
}

/* ---- multiplies (products of 16 x 16 and 32 x 32 bits are exact) --------------------------------- */

/* AE_MUL32_LL(a, b): the 64-bit product of the L lanes. */
static inline ae_int64 AE_MUL32_LL(ae_int32x2 a, ae_int32x2 b)
{
    ae_int64 q;
    MN_HIFI_TICK(MN_HIFI_MAC);
    q.v = (int64_t)a.l[0] * b.l[0];
    return q;
}

/* AE_MULA32_LL(q, a, b): q += a.L * b.L (64-bit, wrapping). */
static inline ae_int64 mn_emu_mula32_ll(ae_int64 q, ae_int32x2 a, ae_int32x2 b)
{
    MN_HIFI_TICK(MN_HIFI_MAC);
    q.v = mn_emu_wrap64_add(q.v, (int64_t)a.l[0] * b.l[0]);
    return q;
}
#define AE_MULA32_LL(q, a, b) ((q) = mn_emu_mula32_ll((q), (a), (b)))

/* AE_MULAAAAQ16(q, a, b): q += a3*b3 + a2*b2 + a1*b1 + a0*b0, one quad multiply-accumulate into 64 bits
 * (HiFi 4; nnlib's compat header builds it from AE_MUL16X4 and AE_MULAAD32X16_H0_L1 on older cores). */
static inline ae_int64 mn_emu_mulaaaaq16(ae_int64 q, ae_int16x4 a, ae_int16x4 b)
{
    int64_t s = 0;
    int i;
    MN_HIFI_TICK(MN_HIFI_MAC);
    for (i = 0; i < 4; ++i) {
        s += (int32_t)a.l[i] * b.l[i];
    }
    q.v = mn_emu_wrap64_add(q.v, s);
    return q;
}
#define AE_MULAAAAQ16(q, a, b) ((q) = mn_emu_mulaaaaq16((q), (a), (b)))

static inline ae_int64 AE_MULZAAAAQ16(ae_int16x4 a, ae_int16x4 b) /* the sum of the four products */
{
    ae_int64 q;
    q.v = 0;
    return mn_emu_mulaaaaq16(q, a, b);
}

/* AE_MULA16_00(q, a, b): q += a0 * b0 (lanes 0), into 64 bits. */
static inline ae_int64 mn_emu_mula16_00(ae_int64 q, ae_int16x4 a, ae_int16x4 b)
{
    MN_HIFI_TICK(MN_HIFI_MAC);
    q.v = mn_emu_wrap64_add(q.v, (int64_t)((int32_t)a.l[0] * b.l[0]));
    return q;
}
#define AE_MULA16_00(q, a, b) ((q) = mn_emu_mula16_00((q), (a), (b)))

/* AE_MULA16X4(h, l, a, b): four lanewise products into two pairs, h += {a3*b3, a2*b2},
 * l += {a1*b1, a0*b0}; 32-bit lanes, wrapping. */
static inline void mn_emu_mula16x4(ae_int32x2 *h, ae_int32x2 *l, ae_int16x4 a, ae_int16x4 b)
{
    MN_HIFI_TICK(MN_HIFI_MAC);
    h->l[1] = mn_emu_wrap32((int64_t)h->l[1] + (int32_t)a.l[3] * b.l[3]);
    h->l[0] = mn_emu_wrap32((int64_t)h->l[0] + (int32_t)a.l[2] * b.l[2]);
    l->l[1] = mn_emu_wrap32((int64_t)l->l[1] + (int32_t)a.l[1] * b.l[1]);
    l->l[0] = mn_emu_wrap32((int64_t)l->l[0] + (int32_t)a.l[0] * b.l[0]);
}
#define AE_MULA16X4(h, l, a, b) mn_emu_mula16x4(&(h), &(l), (a), (b))

#endif /* MN_HIFI_EMU_H */
