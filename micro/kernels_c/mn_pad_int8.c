/* PAD / PADV2 int8 reference kernel (same output as TFLM reference_ops::Pad): the output
 * is written once, in order, a whole innermost row at a time. */
#include <string.h>

#include "mn_fixedpoint.h"
#include "mn_kernels.h"

void mn_pad_int8(const mn_pad_params_t *p, const int8_t *input, const int8_t *pad_value,
                 int8_t *output)
{
    const int32_t *od = p->out_dims;
    const int32_t *id = p->in_dims;
    const int32_t *lp = p->left_pad;
    const int pad = (int)(pad_value ? *pad_value : (int8_t)p->pad_value);
    const size_t row = (size_t)od[4];
    const size_t left = (size_t)lp[4];
    const size_t inner = (size_t)id[4];
    const size_t right = row - left - inner;
    const int8_t *in = input;
    int8_t *out = output;
    int32_t b, q, h, w;

    for (b = 0; b < od[0]; ++b) {
        const int b_in = b >= lp[0] && b < lp[0] + id[0];
        for (q = 0; q < od[1]; ++q) {
            const int q_in = b_in && q >= lp[1] && q < lp[1] + id[1];
            for (h = 0; h < od[2]; ++h) {
                const int h_in = q_in && h >= lp[2] && h < lp[2] + id[2];
                for (w = 0; w < od[3]; ++w) {
                    if (h_in && w >= lp[3] && w < lp[3] + id[3]) {
                        memset(out, pad, left);
                        memcpy(out + left, in, inner);
                        memset(out + left + inner, pad, right);
                        in += inner;
                    } else {
                        memset(out, pad, row);
                    }
                    out += row;
                }
            }
        }
    }
}
