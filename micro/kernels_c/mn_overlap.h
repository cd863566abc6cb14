/* micro kernels: the overlap test of the window kernels (conv, depthwise, pooling) whose output may share the
 * arena with their input (the planner's overlap contracts, docs/ARCHITECTURE.md). */
#ifndef MN_OVERLAP_H
#define MN_OVERLAP_H

#include <stdint.h>

/* 1 when the output [output, output + out_bytes) overlaps the input [input, input + in_bytes) and starts after
 * it: the kernel then runs its pixels in descending order. MN_NO_REVERSE_OVERLAP (tests only) answers 0, to
 * prove the descending order is needed. */
static inline int mn_reverse_overlap(const void *input, uintptr_t in_bytes, const void *output, uintptr_t out_bytes)
{
#ifdef MN_NO_REVERSE_OVERLAP
    (void)input;
    (void)in_bytes;
    (void)output;
    (void)out_bytes;
    return 0;
#else
    const uintptr_t in_lo = (uintptr_t)input, out_lo = (uintptr_t)output;
    return out_lo < in_lo + in_bytes && in_lo < out_lo + out_bytes && out_lo > in_lo;
#endif
}

#endif /* MN_OVERLAP_H */
