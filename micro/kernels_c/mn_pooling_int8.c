/* AVERAGE_POOL_2D and MAX_POOL_2D int8 reference kernels (bit-exact with TFLM).
 *
 * Output pixels go in raster order, each pixel's channels one after the other (a channel is
 * written after its own window reads). When the output overlaps the input and starts after
 * it, pixels go in descending raster order instead (batch, row, column descending), so the
 * output may overlap the input either way (forward / reverse contracts: micro/kernels/window.py). */
#include <string.h>

#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/pooling.py */
#include "mn_overlap.h"

/* Arm DSP extension: 4 channels at a time. The average pool adds each input word's bytes to two halfword
 * pairs (SXTAB16; exact while the window has at most 255 taps: |sum| <= 255 * 128 < 2^15); the max pool
 * takes per-byte maxima (SSUB8 + SEL), then clamps the same way, and stores the 4 channels as one word. */
#include "mn_dsp.h"

/* Output pixel (oy, ox) of the batch whose input starts at in_b, written to out_px. */
static void mn_average_pool_pixel(const mn_pool_params_t *p, const int8_t *in_b, int32_t oy,
                                  int32_t ox, int8_t *out_px)
{
    const int32_t in_y0 = oy * p->win.stride_h - p->win.pad_h;
    const int32_t fy_start = MN_MAX(0, -in_y0);
    const int32_t fy_end = MN_MIN(p->win.k_h, p->win.in_h - in_y0);
    const int32_t in_x0 = ox * p->win.stride_w - p->win.pad_w;
    const int32_t fx_start = MN_MAX(0, -in_x0);
    const int32_t fx_end = MN_MIN(p->win.k_w, p->win.in_w - in_x0);
    const int32_t count = (fy_end - fy_start) * (fx_end - fx_start);
    int32_t c = 0, fy, fx;
#if defined(__ARM_FEATURE_DSP)
    if (count <= 255) {
        const int32_t in_c = p->win.in_c;
        for (; c + 4 <= in_c; c += 4) {
            int16x2_t s02 = 0, s13 = 0;
            int32_t sums[4], j;
            for (fy = fy_start; fy < fy_end; ++fy) {
                const int8_t *x = in_b + ((in_y0 + fy) * p->win.in_w + in_x0 + fx_start) * in_c + c;
                for (fx = fx_start; fx < fx_end; ++fx, x += in_c) {
                    const uint32_t w = mn_ld32(x);
                    s02 = __sxtab16(s02, (int8x4_t)w);
                    s13 = mn_sxtab16_ror8(s13, w);
                }
            }
            sums[0] = (int16_t)((uint32_t)s02 & 0xFFFFu);
            sums[1] = (int16_t)((uint32_t)s13 & 0xFFFFu);
            sums[2] = (int16_t)((uint32_t)s02 >> 16);
            sums[3] = (int16_t)((uint32_t)s13 >> 16);
            for (j = 0; j < 4; ++j) {
                /* Round half away from zero; C division truncates like C++. */
                const int32_t acc = sums[j] > 0 ? (sums[j] + count / 2) / count : (sums[j] - count / 2) / count;
                out_px[c + j] = (int8_t)MN_CLAMP(acc, p->act_min, p->act_max);
            }
        }
    }
#endif
    for (; c < p->win.in_c; ++c) {
        int32_t acc = 0;
        for (fy = fy_start; fy < fy_end; ++fy) {
            const int8_t *row = in_b + ((in_y0 + fy) * p->win.in_w + in_x0) * p->win.in_c + c;
            for (fx = fx_start; fx < fx_end; ++fx) {
                acc += row[fx * p->win.in_c];
            }
        }
        /* Round half away from zero; C division truncates like C++. */
        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
        out_px[c] = (int8_t)MN_CLAMP(acc, p->act_min, p->act_max);
    }
}

static void mn_max_pool_pixel(const mn_pool_params_t *p, const int8_t *in_b, int32_t oy,
                              int32_t ox, int8_t *out_px)
{
    const int32_t in_y0 = oy * p->win.stride_h - p->win.pad_h;
    const int32_t fy_start = MN_MAX(0, -in_y0);
    const int32_t fy_end = MN_MIN(p->win.k_h, p->win.in_h - in_y0);
    const int32_t in_x0 = ox * p->win.stride_w - p->win.pad_w;
    const int32_t fx_start = MN_MAX(0, -in_x0);
    const int32_t fx_end = MN_MIN(p->win.k_w, p->win.in_w - in_x0);
    int32_t c = 0, fy, fx;
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
    {
        /* Arm DSP extension: 4 channels at a time, per byte max by SSUB8 (sets the GE flags) and SEL
         * (one asm statement, so nothing comes between them), then the activation clamp the same way. */
        const int32_t in_c = p->win.in_c;
        const uint32_t lo4 = (uint32_t)(uint8_t)p->act_min * 0x01010101u;
        const uint32_t hi4 = (uint32_t)(uint8_t)p->act_max * 0x01010101u;
        for (; c + 4 <= in_c; c += 4) {
            uint32_t m = 0x80808080u, t;
            for (fy = fy_start; fy < fy_end; ++fy) {
                const int8_t *x = in_b + ((in_y0 + fy) * p->win.in_w + in_x0 + fx_start) * in_c + c;
                for (fx = fx_start; fx < fx_end; ++fx, x += in_c) {
                    const uint32_t w = mn_ld32(x);
                    __asm__("ssub8 %[t], %[w], %[m]\n\t"
                            "sel %[m], %[w], %[m]"
                            : [m] "+r"(m), [t] "=&r"(t)
                            : [w] "r"(w)
                            : "cc");
                }
            }
            __asm__("ssub8 %[t], %[m], %[lo]\n\t"
                    "sel %[m], %[m], %[lo]\n\t"
                    "ssub8 %[t], %[m], %[hi]\n\t"
                    "sel %[m], %[hi], %[m]"
                    : [m] "+r"(m), [t] "=&r"(t)
                    : [lo] "r"(lo4), [hi] "r"(hi4)
                    : "cc");
            memcpy(out_px + c, &m, sizeof m);
        }
    }
#endif
    for (; c < p->win.in_c; ++c) {
        int32_t m = -128;
        for (fy = fy_start; fy < fy_end; ++fy) {
            const int8_t *row = in_b + ((in_y0 + fy) * p->win.in_w + in_x0) * p->win.in_c + c;
            for (fx = fx_start; fx < fx_end; ++fx) {
                m = MN_MAX(m, (int32_t)row[fx * p->win.in_c]);
            }
        }
        out_px[c] = (int8_t)MN_CLAMP(m, p->act_min, p->act_max);
    }
}

/* 1 when the output overlaps the input and starts after it: descending pixel order. */
static int mn_pool_reverse(const mn_pool_params_t *p, const int8_t *input, const int8_t *output)
{
    const mn_window_t *w = &p->win;
    return mn_reverse_overlap(input, (uintptr_t)w->batches * w->in_h * w->in_w * w->in_c, output,
                              (uintptr_t)w->batches * w->out_h * w->out_w * w->in_c);
}

void mn_average_pool_int8(const mn_pool_params_t *p, const int8_t *input, int8_t *output)
{
    const int32_t in_size = p->win.in_h * p->win.in_w * p->win.in_c;
    const int32_t out_size = p->win.out_h * p->win.out_w * p->win.in_c;
    int32_t b, oy, ox;
    if (mn_pool_reverse(p, input, output)) {
        for (b = p->win.batches - 1; b >= 0; --b) {
            for (oy = p->win.out_h - 1; oy >= 0; --oy) {
                for (ox = p->win.out_w - 1; ox >= 0; --ox) {
                    mn_average_pool_pixel(p, input + b * in_size, oy, ox,
                                          output + b * out_size + (oy * p->win.out_w + ox) * p->win.in_c);
                }
            }
        }
        return;
    }
    for (b = 0; b < p->win.batches; ++b) {
        for (oy = 0; oy < p->win.out_h; ++oy) {
            for (ox = 0; ox < p->win.out_w; ++ox) {
                mn_average_pool_pixel(p, input + b * in_size, oy, ox,
                                      output + b * out_size + (oy * p->win.out_w + ox) * p->win.in_c);
            }
        }
    }
}

void mn_max_pool_int8(const mn_pool_params_t *p, const int8_t *input, int8_t *output)
{
    const int32_t in_size = p->win.in_h * p->win.in_w * p->win.in_c;
    const int32_t out_size = p->win.out_h * p->win.out_w * p->win.in_c;
    int32_t b, oy, ox;
    if (mn_pool_reverse(p, input, output)) {
        for (b = p->win.batches - 1; b >= 0; --b) {
            for (oy = p->win.out_h - 1; oy >= 0; --oy) {
                for (ox = p->win.out_w - 1; ox >= 0; --ox) {
                    mn_max_pool_pixel(p, input + b * in_size, oy, ox,
                                      output + b * out_size + (oy * p->win.out_w + ox) * p->win.in_c);
                }
            }
        }
        return;
    }
    for (b = 0; b < p->win.batches; ++b) {
        for (oy = 0; oy < p->win.out_h; ++oy) {
            for (ox = 0; ox < p->win.out_w; ++ox) {
                mn_max_pool_pixel(p, input + b * in_size, oy, ox,
                                  output + b * out_size + (oy * p->win.out_w + ox) * p->win.in_c);
            }
        }
    }
}
