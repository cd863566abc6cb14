/* AVERAGE_POOL_2D and MAX_POOL_2D int8 reference kernels (bit-exact with TFLM). */
#include "mn_fixedpoint.h"
#include "mn_kernels.h"

void mn_average_pool_int8(const mn_pool_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t b, oy, ox, c, fy, fx;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->in_h * p->in_w * p->depth;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            const int32_t fy_start = MN_MAX(0, -in_y0);
            const int32_t fy_end = MN_MIN(p->filter_h, p->in_h - in_y0);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                const int32_t fx_start = MN_MAX(0, -in_x0);
                const int32_t fx_end = MN_MIN(p->filter_w, p->in_w - in_x0);
                const int32_t count = (fy_end - fy_start) * (fx_end - fx_start);
                int8_t *out_px = output + ((b * p->out_h + oy) * p->out_w + ox) * p->depth;
                for (c = 0; c < p->depth; ++c) {
                    int32_t acc = 0;
                    for (fy = fy_start; fy < fy_end; ++fy) {
                        const int8_t *row = in_b + ((in_y0 + fy) * p->in_w + in_x0) * p->depth + c;
                        for (fx = fx_start; fx < fx_end; ++fx) {
                            acc += row[fx * p->depth];
                        }
                    }
                    /* Round half away from zero; C division truncates like C++. */
                    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    out_px[c] = (int8_t)MN_CLAMP(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

void mn_max_pool_int8(const mn_pool_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t b, oy, ox, c, fy, fx;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->in_h * p->in_w * p->depth;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            const int32_t fy_start = MN_MAX(0, -in_y0);
            const int32_t fy_end = MN_MIN(p->filter_h, p->in_h - in_y0);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                const int32_t fx_start = MN_MAX(0, -in_x0);
                const int32_t fx_end = MN_MIN(p->filter_w, p->in_w - in_x0);
                int8_t *out_px = output + ((b * p->out_h + oy) * p->out_w + ox) * p->depth;
                for (c = 0; c < p->depth; ++c) {
                    int32_t m = -128;
                    for (fy = fy_start; fy < fy_end; ++fy) {
                        const int8_t *row = in_b + ((in_y0 + fy) * p->in_w + in_x0) * p->depth + c;
                        for (fx = fx_start; fx < fx_end; ++fx) {
                            m = MN_MAX(m, (int32_t)row[fx * p->depth]);
                        }
                    }
                    out_px[c] = (int8_t)MN_CLAMP(m, p->act_min, p->act_max);
                }
            }
        }
    }
}
