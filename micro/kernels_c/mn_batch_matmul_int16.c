/* BATCH_MATMUL int16 kernel (bit-exact with TFLM reference_ops::BatchMatMul<int16_t, int64_t>).
 *
 * TFLM transposes the rhs (unless adj_y) and the lhs (if adj_x) into persistent buffers and calls
 * the reference with the operands swapped; the sums are the same integers in any order, so this
 * kernel reads both operands in place through strides instead (no scratch, no copies; a constant rhs
 * is read as stored). Sums in int64 (wrapping), requantized by the 64-bit
 * MultiplyByQuantizedMultiplier; TFLM requires every zero point 0 (the offsets are applied anyway). */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/batch_matmul.py */

void mn_batch_matmul_int16(const mn_batch_matmul_params_t *p, const int16_t *lhs, const int16_t *rhs, int16_t *output)
{
    int32_t b0, b1, b2, m, n, k;
    int16_t *out = output;
    for (b0 = 0; b0 < p->batch_dims[0]; ++b0) {
        for (b1 = 0; b1 < p->batch_dims[1]; ++b1) {
            for (b2 = 0; b2 < p->batch_dims[2]; ++b2) {
                const int16_t *l = lhs + b0 * p->lhs_batch_strides[0] + b1 * p->lhs_batch_strides[1] +
                                  b2 * p->lhs_batch_strides[2];
                const int16_t *r = rhs + b0 * p->rhs_batch_strides[0] + b1 * p->rhs_batch_strides[1] +
                                  b2 * p->rhs_batch_strides[2];
                for (m = 0; m < p->rows; ++m) {
                    const int16_t *lrow = l + m * p->lhs_row_stride;
                    for (n = 0; n < p->cols; ++n) {
                        const int16_t *rcol = r + n * p->rhs_col_stride;
                        uint64_t acc = 0;
                        int32_t v;
                        for (k = 0; k < p->depth; ++k) {
                            acc += (uint64_t)(((int64_t)lrow[k * p->lhs_depth_stride] + p->lhs_offset) *
                                              ((int64_t)rcol[k * p->rhs_depth_stride] + p->rhs_offset));
                        }
                        v = mn_mul_by_qmult_64((int64_t)acc, p->mult, p->shift) + p->output_offset;
                        *out++ = (int16_t)MN_CLAMP(v, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}
