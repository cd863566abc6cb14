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

/* kiss_fft_cpx of int16 as pairs in an int16 array: element k is (a[2k], a[2k+1]). */
#define MN_RE(a, k) (a)[2 * (k)]
#define MN_IM(a, k) (a)[2 * (k) + 1]

typedef struct {
    int16_t r;
    int16_t i;
} mn_cpx16_t;

/* sround(x): (x + 2^14) >> 15 as int16 (FRACBITS 15) */
static inline int16_t mn_sround(int32_t x)
{
    return (int16_t)((x + ((int32_t)1 << 14)) >> 15);
}

static inline mn_cpx16_t mn_load(const int16_t *a, int32_t k)
{
    mn_cpx16_t c;
    c.r = MN_RE(a, k);
    c.i = MN_IM(a, k);
    return c;
}

static inline void mn_store(int16_t *a, int32_t k, mn_cpx16_t c)
{
    MN_RE(a, k) = c.r;
    MN_IM(a, k) = c.i;
}

/* C_FIXDIV(c, div): each part times SAMP_MAX / div, rounded */
static inline mn_cpx16_t mn_fixdiv(mn_cpx16_t c, int32_t div)
{
    const int32_t k = INT32_C(32767) / div;
    c.r = mn_sround((int32_t)c.r * k);
    c.i = mn_sround((int32_t)c.i * k);
    return c;
}

/* C_MUL(m, a, b) */
static inline mn_cpx16_t mn_cmul(mn_cpx16_t a, const int16_t *tw, int32_t k)
{
    mn_cpx16_t m;
    const int32_t br = MN_RE(tw, k), bi = MN_IM(tw, k);
    m.r = mn_sround((int32_t)a.r * br - (int32_t)a.i * bi);
    m.i = mn_sround((int32_t)a.r * bi + (int32_t)a.i * br);
    return m;
}

static inline mn_cpx16_t mn_cadd(mn_cpx16_t a, mn_cpx16_t b)
{
    mn_cpx16_t c;
    c.r = (int16_t)((int32_t)a.r + b.r);
    c.i = (int16_t)((int32_t)a.i + b.i);
    return c;
}

static inline mn_cpx16_t mn_csub(mn_cpx16_t a, mn_cpx16_t b)
{
    mn_cpx16_t c;
    c.r = (int16_t)((int32_t)a.r - b.r);
    c.i = (int16_t)((int32_t)a.i - b.i);
    return c;
}

/* S_MUL(a, b) */
static inline int16_t mn_smul(int16_t a, int16_t b)
{
    return mn_sround((int32_t)a * b);
}

static void mn_bfly2(int16_t *f, int32_t fstride, const int16_t *tw, int32_t m)
{
    int32_t k;
    for (k = 0; k < m; ++k) {
        const mn_cpx16_t a = mn_fixdiv(mn_load(f, k), 2);
        const mn_cpx16_t t = mn_cmul(mn_fixdiv(mn_load(f, k + m), 2), tw, k * fstride);
        mn_store(f, k + m, mn_csub(a, t));
        mn_store(f, k, mn_cadd(a, t));
    }
}

static void mn_bfly3(int16_t *f, int32_t fstride, const int16_t *tw, int32_t m)
{
    const int16_t epi3_i = MN_IM(tw, fstride * m);
    int32_t k;
    for (k = 0; k < m; ++k) {
        mn_cpx16_t f0 = mn_fixdiv(mn_load(f, k), 3), f1, f2, s0, s3;
        const mn_cpx16_t s1 = mn_cmul(mn_fixdiv(mn_load(f, k + m), 3), tw, k * fstride);
        const mn_cpx16_t s2 = mn_cmul(mn_fixdiv(mn_load(f, k + 2 * m), 3), tw, 2 * k * fstride);
        s3 = mn_cadd(s1, s2);
        s0 = mn_csub(s1, s2);
        f1.r = (int16_t)((int32_t)f0.r - ((int32_t)s3.r >> 1)); /* HALF_OF */
        f1.i = (int16_t)((int32_t)f0.i - ((int32_t)s3.i >> 1));
        s0.r = mn_smul(s0.r, epi3_i); /* C_MULBYSCALAR */
        s0.i = mn_smul(s0.i, epi3_i);
        f0 = mn_cadd(f0, s3);
        f2.r = (int16_t)((int32_t)f1.r + s0.i);
        f2.i = (int16_t)((int32_t)f1.i - s0.r);
        f1.r = (int16_t)((int32_t)f1.r - s0.i);
        f1.i = (int16_t)((int32_t)f1.i + s0.r);
        mn_store(f, k, f0);
        mn_store(f, k + m, f1);
        mn_store(f, k + 2 * m, f2);
    }
}

static void mn_bfly4(int16_t *f, int32_t fstride, const int16_t *tw, int32_t m)
{
    int32_t k;
    for (k = 0; k < m; ++k) {
        mn_cpx16_t f0 = mn_fixdiv(mn_load(f, k), 4), f1, f3;
        const mn_cpx16_t s0 = mn_cmul(mn_fixdiv(mn_load(f, k + m), 4), tw, k * fstride);
        const mn_cpx16_t s1 = mn_cmul(mn_fixdiv(mn_load(f, k + 2 * m), 4), tw, 2 * k * fstride);
        const mn_cpx16_t s2 = mn_cmul(mn_fixdiv(mn_load(f, k + 3 * m), 4), tw, 3 * k * fstride);
        const mn_cpx16_t s5 = mn_csub(f0, s1);
        const mn_cpx16_t s3 = mn_cadd(s0, s2);
        const mn_cpx16_t s4 = mn_csub(s0, s2);
        f0 = mn_cadd(f0, s1);
        mn_store(f, k + 2 * m, mn_csub(f0, s3));
        f0 = mn_cadd(f0, s3);
        f1.r = (int16_t)((int32_t)s5.r + s4.i); /* forward transform */
        f1.i = (int16_t)((int32_t)s5.i - s4.r);
        f3.r = (int16_t)((int32_t)s5.r - s4.i);
        f3.i = (int16_t)((int32_t)s5.i + s4.r);
        mn_store(f, k, f0);
        mn_store(f, k + m, f1);
        mn_store(f, k + 3 * m, f3);
    }
}

static void mn_bfly5(int16_t *f, int32_t fstride, const int16_t *tw, int32_t m)
{
    const mn_cpx16_t ya = mn_load(tw, fstride * m);
    const mn_cpx16_t yb = mn_load(tw, fstride * 2 * m);
    int32_t u;
    for (u = 0; u < m; ++u) {
        const mn_cpx16_t s0 = mn_fixdiv(mn_load(f, u), 5);
        const mn_cpx16_t s1 = mn_cmul(mn_fixdiv(mn_load(f, u + m), 5), tw, u * fstride);
        const mn_cpx16_t s2 = mn_cmul(mn_fixdiv(mn_load(f, u + 2 * m), 5), tw, 2 * u * fstride);
        const mn_cpx16_t s3 = mn_cmul(mn_fixdiv(mn_load(f, u + 3 * m), 5), tw, 3 * u * fstride);
        const mn_cpx16_t s4 = mn_cmul(mn_fixdiv(mn_load(f, u + 4 * m), 5), tw, 4 * u * fstride);
        const mn_cpx16_t s7 = mn_cadd(s1, s4), s10 = mn_csub(s1, s4);
        const mn_cpx16_t s8 = mn_cadd(s2, s3), s9 = mn_csub(s2, s3);
        mn_cpx16_t f0, s5, s6, s11, s12;
        f0.r = (int16_t)((int32_t)s0.r + s7.r + s8.r);
        f0.i = (int16_t)((int32_t)s0.i + s7.i + s8.i);
        s5.r = (int16_t)((int32_t)s0.r + mn_smul(s7.r, ya.r) + mn_smul(s8.r, yb.r));
        s5.i = (int16_t)((int32_t)s0.i + mn_smul(s7.i, ya.r) + mn_smul(s8.i, yb.r));
        s6.r = (int16_t)((int32_t)mn_smul(s10.i, ya.i) + mn_smul(s9.i, yb.i));
        s6.i = (int16_t)(-(int32_t)mn_smul(s10.r, ya.i) - mn_smul(s9.r, yb.i));
        s11.r = (int16_t)((int32_t)s0.r + mn_smul(s7.r, yb.r) + mn_smul(s8.r, ya.r));
        s11.i = (int16_t)((int32_t)s0.i + mn_smul(s7.i, yb.r) + mn_smul(s8.i, ya.r));
        s12.r = (int16_t)(-(int32_t)mn_smul(s10.i, yb.i) + mn_smul(s9.i, ya.i));
        s12.i = (int16_t)((int32_t)mn_smul(s10.r, yb.i) - mn_smul(s9.r, ya.i));
        mn_store(f, u, f0);
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
        MN_RE(f, j) = src < p->input_length ? input[src] : 0;
        MN_IM(f, j) = src + 1 < p->input_length ? input[src + 1] : 0;
    }
    /* then the butterflies, innermost stage first: stage s has p->factors[2s] (radix) and
     * p->factors[2s + 1] (m), and runs on every block of radix * m values */
    for (stage = p->num_stages - 1; stage >= 0; --stage) {
        const int32_t radix = p->factors[2 * stage];
        const int32_t m = p->factors[2 * stage + 1];
        const int32_t fstride = n / (radix * m);
        int32_t block;
        for (block = 0; block < fstride; ++block) {
            int16_t *fb = f + 2 * block * radix * m;
            switch (radix) {
            case 2: mn_bfly2(fb, fstride, p->twiddles, m); break;
            case 3: mn_bfly3(fb, fstride, p->twiddles, m); break;
            case 4: mn_bfly4(fb, fstride, p->twiddles, m); break;
            default: mn_bfly5(fb, fstride, p->twiddles, m); break;
            }
        }
    }
    /* kiss_fftr */
    tdc = mn_fixdiv(mn_load(f, 0), 2);
    MN_RE(f, 0) = (int16_t)((int32_t)tdc.r + tdc.i);
    MN_IM(f, 0) = 0;
    MN_RE(f, n) = (int16_t)((int32_t)tdc.r - tdc.i);
    MN_IM(f, n) = 0;
    for (k = 1; k <= n / 2; ++k) {
        mn_cpx16_t fpk = mn_load(f, k), fpnk, f1k, f2k, tw;
        fpnk.r = MN_RE(f, n - k);
        fpnk.i = (int16_t)-(int32_t)MN_IM(f, n - k);
        fpk = mn_fixdiv(fpk, 2);
        fpnk = mn_fixdiv(fpnk, 2);
        f1k = mn_cadd(fpk, fpnk);
        f2k = mn_csub(fpk, fpnk);
        tw = mn_cmul(f2k, p->super_twiddles, k - 1);
        /* HALF_OF of the int sums, not of their int16 wrap */
        MN_RE(f, k) = (int16_t)(((int32_t)f1k.r + tw.r) >> 1);
        MN_IM(f, k) = (int16_t)(((int32_t)f1k.i + tw.i) >> 1);
        MN_RE(f, n - k) = (int16_t)(((int32_t)f1k.r - tw.r) >> 1);
        MN_IM(f, n - k) = (int16_t)(((int32_t)tw.i - f1k.i) >> 1);
    }
}

void mn_signal_rfft_int16(const mn_signal_rfft_int16_params_t *p, const int16_t *input, int16_t *output)
{
    int32_t frame;
    for (frame = 0; frame < p->frames; ++frame) {
        mn_rfft_frame(p, input + frame * p->input_length, output + frame * 2 * (p->nfft + 1));
    }
}
