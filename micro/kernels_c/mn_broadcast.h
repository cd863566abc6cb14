/* micro kernels: the one broadcast iteration of every elementwise binary kernel.
 *
 * Broadcasting is resolved at compile time (micro/ops/broadcast.py) into an mn_broadcast_t
 * (declared in micro/kernels/broadcast.py): up to MN_BROADCAST_RANK output extents, outermost
 * first, after dropping size-1 dims and merging dims that stay contiguous in both inputs, and each
 * input's element stride per dim (0 where it is broadcast). Output elements are produced in order,
 * one innermost row of dims[MN_BROADCAST_RANK - 1] elements at a time, like TFLM's
 * BroadcastBinaryOpSimple. A non-broadcast op is a single row with unit strides.
 *
 * In place: each output element is written after the input elements at the same position were read,
 * so an input holding as many elements as the output (and of the same type) may share its storage.
 */
#ifndef MN_BROADCAST_H
#define MN_BROADCAST_H

#include "mn_kernels.h" /* generated: mn_broadcast_t */

#define MN_BROADCAST_RANK 6

/* Position of the current row: an odometer over the outer MN_BROADCAST_RANK - 1 dims. */
typedef struct {
    int32_t index[MN_BROADCAST_RANK - 1];
    int32_t offset1; /* element offset of the row's first input1 element */
    int32_t offset2;
} mn_broadcast_iter_t;

static inline void mn_broadcast_begin(mn_broadcast_iter_t *it)
{
    int d;
    for (d = 0; d < MN_BROADCAST_RANK - 1; ++d) {
        it->index[d] = 0;
    }
    it->offset1 = 0;
    it->offset2 = 0;
}

/* Moves to the next row; returns 0 after the last one. */
static inline int mn_broadcast_next_row(const mn_broadcast_t *L, mn_broadcast_iter_t *it)
{
    int d;
    for (d = MN_BROADCAST_RANK - 2; d >= 0; --d) {
        if (++it->index[d] < L->dims[d]) {
            it->offset1 += L->in1_strides[d];
            it->offset2 += L->in2_strides[d];
            return 1;
        }
        it->offset1 -= (L->dims[d] - 1) * L->in1_strides[d];
        it->offset2 -= (L->dims[d] - 1) * L->in2_strides[d];
        it->index[d] = 0;
    }
    return 0;
}

/* For every output element in order: `*out++ = EXPR`, where the constants X and Y (of type TIN) are
 * the input1 and input2 elements broadcast to it. L: const mn_broadcast_t *; in1, in2: const TIN *;
 * out: a pointer variable, advanced past the last element. */
#define MN_BROADCAST_MAP(L, TIN, in1, in2, out, X, Y, EXPR)                                    \
    do {                                                                                       \
        mn_broadcast_iter_t mn_it_;                                                            \
        const int32_t mn_n_ = (L)->dims[MN_BROADCAST_RANK - 1];                                \
        const int32_t mn_s1_ = (L)->in1_strides[MN_BROADCAST_RANK - 1];                        \
        const int32_t mn_s2_ = (L)->in2_strides[MN_BROADCAST_RANK - 1];                        \
        mn_broadcast_begin(&mn_it_);                                                           \
        do {                                                                                   \
            const TIN *mn_a_ = (in1) + mn_it_.offset1;                                         \
            const TIN *mn_b_ = (in2) + mn_it_.offset2;                                         \
            int32_t mn_k_;                                                                     \
            for (mn_k_ = 0; mn_k_ < mn_n_; ++mn_k_, mn_a_ += mn_s1_, mn_b_ += mn_s2_) {        \
                const TIN X = *mn_a_;                                                          \
                const TIN Y = *mn_b_;                                                          \
                *(out)++ = (EXPR);                                                             \
            }                                                                                  \
        } while (mn_broadcast_next_row((L), &mn_it_));                                         \
    } while (0)

#endif /* MN_BROADCAST_H */
