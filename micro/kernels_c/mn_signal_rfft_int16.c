/* SignalRfft for int16 (TFLM signal/micro/kernels/rfft.cc, signal/src/rfft_int16.cc: kissfft 130's kiss_fftr
 * with FIXED_POINT 16, as TFLM patches it (third_party/kissfft) and wraps it in signal/src/kiss_fft_wrappers).
 *
 * The complex FFT is kiss_fft's mixed-radix decimation in time with every rounding of its fixed-point macros
 * (_kiss_fft_guts.h: C_FIXDIV before each butterfly, sround after each product, int16 wrap-around on each
 * store), run stage by stage instead of recursively (each butterfly sees the same values, so the result is
 * the same bits). Lowering (micro/ops/signal_fft.py) computes what kiss_fftr_alloc computes in TFLM's Init:
 * the factors, the twiddles (double cos/sin rounded as KISS_FFT_COS), the real-FFT super twiddles, and the
 * input order of the first stage (the recursion's decimation). The FFT runs in the output buffer itself. */
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/signal_fft.py */

/* A kiss_fft_cpx of int16, and the macros of _kiss_fft_guts.h on it. With the Arm DSP extension it is the
 * (re, im) pair as one word, re in the low halfword (as the pair lies in memory), and each macro a few SIMD
 * instructions: C_ADD / C_SUB wrap each part like SADD16 / SSUB16, sround(a*b +- c*d) is SMLSD / SMLADX
 * with the rounding constant as accumulator then bits [30:15] (PKHBT ... LSL #1), C_FIXDIV is SMLABB /
 * SMLATB likewise, HALF_OF of a sum is SHADD16 / SHSUB16 (halving at full precision). */
#if defined(__ARM_FEATURE_DSP)
#include "mn_dsp.h"

typedef uint32_t mn_cpx16_t;

#define MN_ROUND_Q15 ((int32_t)1 << 14)

static inline int16_t mn_re(mn_cpx16_t c)
{
    return (int16_t)(c & 0xFFFFu);
}

static inline int16_t mn_im(mn_cpx16_t c)
{
    return (int16_t)(c >> 16);
}

static inline mn_cpx16_t mn_cpx(int32_t r, int32_t i)
{
    return ((uint32_t)r & 0xFFFFu) | ((uint32_t)i << 16);
}

static inline mn_cpx16_t mn_load(const int16_t *a, int32_t k)
{
    return mn_ld32(a + 2 * k);
}

static inline void mn_store(int16_t *a, int32_t k, mn_cpx16_t c)
{
    memcpy(a + 2 * k, &c, sizeof c);
}

/* (lo >> 15, hi >> 15) as int16 halves: bits [30:15] of hi are its low 16 bits after the shift */
static inline mn_cpx16_t mn_q15_pair(int32_t lo, int32_t hi)
{
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #1" : "=r"(r) : "r"(lo >> 15), "r"(hi));
    return r;
}

static inline mn_cpx16_t mn_fixdiv(mn_cpx16_t c, int32_t div)
{
    const int32_t k = INT32_C(32767) / div;
    return mn_q15_pair(__smlabb((int32_t)c, k, MN_ROUND_Q15), __smlatb((int32_t)c, k, MN_ROUND_Q15));
}

static inline mn_cpx16_t mn_cmul(mn_cpx16_t a, mn_cpx16_t b)
{
    return mn_q15_pair(__smlsd((int32_t)a, (int32_t)b, MN_ROUND_Q15), __smladx((int32_t)a, (int32_t)b, MN_ROUND_Q15));
}

static inline mn_cpx16_t mn_cadd(mn_cpx16_t a, mn_cpx16_t b)
{
    return (mn_cpx16_t)__sadd16((int16x2_t)a, (int16x2_t)b);
}

static inline mn_cpx16_t mn_csub(mn_cpx16_t a, mn_cpx16_t b)
{
    return (mn_cpx16_t)__ssub16((int16x2_t)a, (int16x2_t)b);
}

/* (a.r + b.i, a.i - b.r): a - j b */
static inline mn_cpx16_t mn_csub_j(mn_cpx16_t a, mn_cpx16_t b)
{
    return (mn_cpx16_t)__ssax((int16x2_t)a, (int16x2_t)b);
}

/* (a.r - b.i, a.i + b.r): a + j b */
static inline mn_cpx16_t mn_cadd_j(mn_cpx16_t a, mn_cpx16_t b)
{
    return (mn_cpx16_t)__sasx((int16x2_t)a, (int16x2_t)b);
}

/* ((a.r + b.r) >> 1, (a.i + b.i) >> 1) of the int sums */
static inline mn_cpx16_t mn_half_add(mn_cpx16_t a, mn_cpx16_t b)
{
    return (mn_cpx16_t)__shadd16((int16x2_t)a, (int16x2_t)b);
}

/* ((a.r - b.r) >> 1, (b.i - a.i) >> 1) of the int differences */
static inline mn_cpx16_t mn_half_sub_conj(mn_cpx16_t a, mn_cpx16_t b)
{
    return mn_pack_lo((uint32_t)__shsub16((int16x2_t)a, (int16x2_t)b),
                      (uint32_t)__shsub16((int16x2_t)b, (int16x2_t)a) >> 16);
}
#else
typedef struct {
    int16_t r;
    int16_t i;
} mn_cpx16_t;

static inline int16_t mn_re(mn_cpx16_t c)
{
    return c.r;
}

static inline int16_t mn_im(mn_cpx16_t c)
{
    return c.i;
}

static inline mn_cpx16_t mn_cpx(int32_t r, int32_t i)
{
    mn_cpx16_t c;
    c.r = (int16_t)r;
    c.i = (int16_t)i;
    return c;
}

static inline mn_cpx16_t mn_load(const int16_t *a, int32_t k)
{
    return mn_cpx(a[2 * k], a[2 * k + 1]);
}

static inline void mn_store(int16_t *a, int32_t k, mn_cpx16_t c)
{
    a[2 * k] = c.r;
    a[2 * k + 1] = c.i;
}

/* sround(x): (x + 2^14) >> 15 as int16 (FRACBITS 15) */
static inline int16_t mn_sround(int32_t x)
{
    return (int16_t)((x + ((int32_t)1 << 14)) >> 15);
}

/* C_FIXDIV(c, div): each part times SAMP_MAX / div, rounded */
static inline mn_cpx16_t mn_fixdiv(mn_cpx16_t c, int32_t div)
{
    const int32_t k = INT32_C(32767) / div;
    return mn_cpx(mn_sround((int32_t)c.r * k), mn_sround((int32_t)c.i * k));
}

/* C_MUL(m, a, b) */
static inline mn_cpx16_t mn_cmul(mn_cpx16_t a, mn_cpx16_t b)
{
    return mn_cpx(mn_sround((int32_t)a.r * b.r - (int32_t)a.i * b.i), mn_sround((int32_t)a.r * b.i + (int32_t)a.i * b.r));
}

/* C_ADD, C_SUB: int sums stored as int16 */
static inline mn_cpx16_t mn_cadd(mn_cpx16_t a, mn_cpx16_t b)
{
    return mn_cpx((int32_t)a.r + b.r, (int32_t)a.i + b.i);
}

static inline mn_cpx16_t mn_csub(mn_cpx16_t a, mn_cpx16_t b)
{
    return mn_cpx((int32_t)a.r - b.r, (int32_t)a.i - b.i);
}

static inline mn_cpx16_t mn_csub_j(mn_cpx16_t a, mn_cpx16_t b)
{
    return mn_cpx((int32_t)a.r + b.i, (int32_t)a.i - b.r);
}

static inline mn_cpx16_t mn_cadd_j(mn_cpx16_t a, mn_cpx16_t b)
{
    return mn_cpx((int32_t)a.r - b.i, (int32_t)a.i + b.r);
}

static inline mn_cpx16_t mn_half_add(mn_cpx16_t a, mn_cpx16_t b)
{
    return mn_cpx(((int32_t)a.r + b.r) >> 1, ((int32_t)a.i + b.i) >> 1);
}

static inline mn_cpx16_t mn_half_sub_conj(mn_cpx16_t a, mn_cpx16_t b)
{
    return mn_cpx(((int32_t)a.r - b.r) >> 1, ((int32_t)b.i - a.i) >> 1);
}
#endif

/* S_MUL(a, b): the rounded Q15 product of two parts */
static inline int16_t mn_smul(int16_t a, int16_t b)
{
    return (int16_t)(((int32_t)a * b + ((int32_t)1 << 14)) >> 15);
}

static void mn_bfly2(int16_t *f, int32_t fstride, const int16_t *tw, int32_t m)
{
    int32_t k;
    for (k = 0; k < m; ++k) {
        const mn_cpx16_t a = mn_fixdiv(mn_load(f, k), 2);
        const mn_cpx16_t t = mn_cmul(mn_fixdiv(mn_load(f, k + m), 2), mn_load(tw, k * fstride));
        mn_store(f, k + m, mn_csub(a, t));
        mn_store(f, k, mn_cadd(a, t));
    }
}

static void mn_bfly3(int16_t *f, int32_t fstride, const int16_t *tw, int32_t m)
{
    const int16_t epi3_i = tw[2 * fstride * m + 1];
    int32_t k;
    for (k = 0; k < m; ++k) {
        const mn_cpx16_t f0 = mn_fixdiv(mn_load(f, k), 3);
        const mn_cpx16_t s1 = mn_cmul(mn_fixdiv(mn_load(f, k + m), 3), mn_load(tw, k * fstride));
        const mn_cpx16_t s2 = mn_cmul(mn_fixdiv(mn_load(f, k + 2 * m), 3), mn_load(tw, 2 * k * fstride));
        const mn_cpx16_t s3 = mn_cadd(s1, s2), s0 = mn_csub(s1, s2);
        /* Fout[m] = Fout - HALF_OF(scratch[3]); scratch[0] *= epi3.i (C_MULBYSCALAR) */
        const int16_t f1r = (int16_t)((int32_t)mn_re(f0) - ((int32_t)mn_re(s3) >> 1));
        const int16_t f1i = (int16_t)((int32_t)mn_im(f0) - ((int32_t)mn_im(s3) >> 1));
        const int16_t s0r = mn_smul(mn_re(s0), epi3_i), s0i = mn_smul(mn_im(s0), epi3_i);
        mn_store(f, k, mn_cadd(f0, s3));
        mn_store(f, k + 2 * m, mn_cpx((int32_t)f1r + s0i, (int32_t)f1i - s0r));
        mn_store(f, k + m, mn_cpx((int32_t)f1r - s0i, (int32_t)f1i + s0r));
    }
}

/* kf_bfly4 on every block of a stage at once: butterfly k of all `blocks` blocks (4 * m values each) shares
 * its three twiddles, loaded once (the butterflies are independent, so their order does not matter) */
static void mn_bfly4_stage(int16_t *f, int32_t blocks, const int16_t *tw, int32_t m)
{
    const int32_t step = 2 * 4 * m; /* int16 elements from a block to the next */
    int32_t k, b;
    for (k = 0; k < m; ++k) {
        const mn_cpx16_t w1 = mn_load(tw, k * blocks), w2 = mn_load(tw, 2 * k * blocks);
        const mn_cpx16_t w3 = mn_load(tw, 3 * k * blocks);
        int16_t *fk = f + 2 * k;
        for (b = 0; b < blocks; ++b, fk += step) {
            const mn_cpx16_t f0 = mn_fixdiv(mn_load(fk, 0), 4);
            const mn_cpx16_t s0 = mn_cmul(mn_fixdiv(mn_load(fk, m), 4), w1);
            const mn_cpx16_t s1 = mn_cmul(mn_fixdiv(mn_load(fk, 2 * m), 4), w2);
            const mn_cpx16_t s2 = mn_cmul(mn_fixdiv(mn_load(fk, 3 * m), 4), w3);
            const mn_cpx16_t s5 = mn_csub(f0, s1), s3 = mn_cadd(s0, s2), s4 = mn_csub(s0, s2);
            const mn_cpx16_t f0s1 = mn_cadd(f0, s1);
            mn_store(fk, 2 * m, mn_csub(f0s1, s3));
            mn_store(fk, 0, mn_cadd(f0s1, s3));
            mn_store(fk, m, mn_csub_j(s5, s4)); /* forward transform */
            mn_store(fk, 3 * m, mn_cadd_j(s5, s4));
        }
    }
}

static void mn_bfly5(int16_t *f, int32_t fstride, const int16_t *tw, int32_t m)
{
    const mn_cpx16_t ya = mn_load(tw, fstride * m);
    const mn_cpx16_t yb = mn_load(tw, fstride * 2 * m);
    const int16_t yar = mn_re(ya), yai = mn_im(ya), ybr = mn_re(yb), ybi = mn_im(yb);
    int32_t u;
    for (u = 0; u < m; ++u) {
        const mn_cpx16_t s0 = mn_fixdiv(mn_load(f, u), 5);
        const mn_cpx16_t s1 = mn_cmul(mn_fixdiv(mn_load(f, u + m), 5), mn_load(tw, u * fstride));
        const mn_cpx16_t s2 = mn_cmul(mn_fixdiv(mn_load(f, u + 2 * m), 5), mn_load(tw, 2 * u * fstride));
        const mn_cpx16_t s3 = mn_cmul(mn_fixdiv(mn_load(f, u + 3 * m), 5), mn_load(tw, 3 * u * fstride));
        const mn_cpx16_t s4 = mn_cmul(mn_fixdiv(mn_load(f, u + 4 * m), 5), mn_load(tw, 4 * u * fstride));
        const mn_cpx16_t s7 = mn_cadd(s1, s4), s10 = mn_csub(s1, s4);
        const mn_cpx16_t s8 = mn_cadd(s2, s3), s9 = mn_csub(s2, s3);
        const int16_t r0 = mn_re(s0), i0 = mn_im(s0), r7 = mn_re(s7), i7 = mn_im(s7), r8 = mn_re(s8), i8 = mn_im(s8);
        const int16_t r9 = mn_re(s9), i9 = mn_im(s9), r10 = mn_re(s10), i10 = mn_im(s10);
        const mn_cpx16_t s5 = mn_cpx((int32_t)r0 + mn_smul(r7, yar) + mn_smul(r8, ybr),
                                     (int32_t)i0 + mn_smul(i7, yar) + mn_smul(i8, ybr));
        const mn_cpx16_t s6 = mn_cpx((int32_t)mn_smul(i10, yai) + mn_smul(i9, ybi),
                                     -(int32_t)mn_smul(r10, yai) - mn_smul(r9, ybi));
        const mn_cpx16_t s11 = mn_cpx((int32_t)r0 + mn_smul(r7, ybr) + mn_smul(r8, yar),
                                      (int32_t)i0 + mn_smul(i7, ybr) + mn_smul(i8, yar));
        const mn_cpx16_t s12 = mn_cpx(-(int32_t)mn_smul(i10, ybi) + mn_smul(i9, yai),
                                      (int32_t)mn_smul(r10, ybi) - mn_smul(r9, yai));
        mn_store(f, u, mn_cpx((int32_t)r0 + r7 + r8, (int32_t)i0 + i7 + i8));
        mn_store(f, u + m, mn_csub(s5, s6));
        mn_store(f, u + 4 * m, mn_cadd(s5, s6));
        mn_store(f, u + 2 * m, mn_cadd(s11, s12));
        mn_store(f, u + 3 * m, mn_csub(s11, s12));
    }
}

/* kiss_fft of p->nfft complex values read from `input` (real samples as (re, im) pairs, zero past
 * input_length) into `f`, then kiss_fftr's split into nfft + 1 bins of the real signal, in place. */
static void mn_rfft_frame(const mn_signal_rfft_int16_params_t *p, const int16_t *input, int16_t *f)
{
    const int32_t n = p->nfft;
    int32_t j, k, stage;
    mn_cpx16_t tdc;
    /* the recursion's leaves: kf_work copies its input decimated by the product of all radices */
    for (j = 0; j < n; ++j) {
        const int32_t src = 2 * (int32_t)p->input_order[j];
        if (src + 1 < p->input_length) {
            mn_store(f, j, mn_load(input, src / 2));
        } else {
            mn_store(f, j, mn_cpx(src < p->input_length ? input[src] : 0, 0));
        }
    }
    /* then the butterflies, innermost stage first: stage s has p->factors[2s] (radix) and
     * p->factors[2s + 1] (m), and runs on every block of radix * m values */
    for (stage = p->num_stages - 1; stage >= 0; --stage) {
        const int32_t radix = p->factors[2 * stage];
        const int32_t m = p->factors[2 * stage + 1];
        const int32_t fstride = n / (radix * m);
        int32_t block;
        if (radix == 4) {
            mn_bfly4_stage(f, fstride, p->twiddles, m);
            continue;
        }
        for (block = 0; block < fstride; ++block) {
            int16_t *fb = f + 2 * block * radix * m;
            switch (radix) {
            case 2: mn_bfly2(fb, fstride, p->twiddles, m); break;
            case 3: mn_bfly3(fb, fstride, p->twiddles, m); break;
            default: mn_bfly5(fb, fstride, p->twiddles, m); break;
            }
        }
    }
    /* kiss_fftr: the DC and Nyquist bins, then each pair of bins k and n - k */
    tdc = mn_fixdiv(mn_load(f, 0), 2);
    mn_store(f, 0, mn_cpx((int32_t)mn_re(tdc) + mn_im(tdc), 0));
    mn_store(f, n, mn_cpx((int32_t)mn_re(tdc) - mn_im(tdc), 0));
    for (k = 1; k <= n / 2; ++k) {
        const mn_cpx16_t fpnk_conj = mn_load(f, n - k);
        const mn_cpx16_t fpk = mn_fixdiv(mn_load(f, k), 2);
        const mn_cpx16_t fpnk = mn_fixdiv(mn_cpx(mn_re(fpnk_conj), -(int32_t)mn_im(fpnk_conj)), 2);
        const mn_cpx16_t f1k = mn_cadd(fpk, fpnk), f2k = mn_csub(fpk, fpnk);
        const mn_cpx16_t tw = mn_cmul(f2k, mn_load(p->super_twiddles, k - 1));
        /* HALF_OF of the int sums, not of their int16 wrap */
        mn_store(f, k, mn_half_add(f1k, tw));
        mn_store(f, n - k, mn_half_sub_conj(f1k, tw));
    }
}

void mn_signal_rfft_int16(const mn_signal_rfft_int16_params_t *p, const int16_t *input, int16_t *output)
{
    int32_t frame;
    for (frame = 0; frame < p->frames; ++frame) {
        mn_rfft_frame(p, input + frame * p->input_length, output + frame * 2 * (p->nfft + 1));
    }
}
